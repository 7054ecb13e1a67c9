"""Hostile input into every parser a server answer reaches: only typed errors may come out.

Quick by default (a few dozen examples per target); VENICE_DEEP_TESTS=1 runs thousands.
Each crash the suite found is kept as a named case beside the properties.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pkgutil
import time
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import venice_api.models
from venice_api.errors import ModelParseError
from venice_ext._core._accumulate import ChatCompletionAccumulator
from venice_ext._core._chunks import ChatCompletionChunk, ChunkError
from venice_ext._core._errors_from import error_from_response, error_from_stream_payload, parse_error_body
from venice_ext._core._headers import request_id_of, retry_after_seconds
from venice_ext._core._limits import balances_of, rate_limits_of
from venice_ext._core._sse import ServerSentEvent, SSEDecoder
from venice_ext._core._streaming import ChatChunkHandler
from venice_ext.errors import VeniceError
from venice_ext.resources._response_events import ResponseEventHandler

DEEP = os.environ.get("VENICE_DEEP_TESTS", "") not in ("", "0")
settings.register_profile(
    "venice-fuzz",
    max_examples=2000 if DEEP else 40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile("venice-fuzz")

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=25,
)
chunk_keys = st.sampled_from(
    [
        "id",
        "object",
        "created",
        "model",
        "choices",
        "index",
        "delta",
        "content",
        "role",
        "tool_calls",
        "function",
        "arguments",
        "name",
        "finish_reason",
        "logprobs",
        "usage",
        "reasoning_content",
        "type",
    ]
)
chunk_like = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(chunk_keys, inner, max_size=6),
    max_leaves=30,
)


def deeply_nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


HEADERS = httpx.Headers({"cf-ray": "fuzz-ray"})


@FUZZ
@given(st.lists(st.binary(max_size=200), max_size=8))
def test_sse_decoder_takes_any_bytes(pieces: list[bytes]) -> None:
    decoder = SSEDecoder()
    events = [event for piece in pieces for event in decoder.feed(piece)] + decoder.flush()
    assert all(isinstance(event.data, str) for event in events)


def _drive_chat(events: list[ServerSentEvent]) -> None:
    handler = ChatChunkHandler(HEADERS)
    try:
        for event in events:
            handler.on_event(event)
        handler.incomplete()
        handler.accumulator.to_json(completed=True)
        handler.accumulator.text()
    except VeniceError:
        pass


@FUZZ
@given(st.lists(chunk_like.map(json.dumps) | st.text(max_size=40), max_size=6))
def test_chat_stream_handler_takes_any_event_data(datas: list[str]) -> None:
    _drive_chat([ServerSentEvent(data) for data in datas])


def test_chat_stream_handler_takes_an_event_nested_too_deep() -> None:
    _drive_chat([ServerSentEvent(deeply_nested(5000).decode())])


@FUZZ
@given(st.lists(chunk_like, max_size=6))
def test_chunk_typing_and_accumulation_take_any_json(payloads: list[Any]) -> None:
    accumulator = ChatCompletionAccumulator()
    for payload in payloads:
        try:
            accumulator.add(ChatCompletionChunk.from_json(payload))
        except ChunkError:
            continue
    accumulator.to_json(completed=True)
    accumulator.text()


@FUZZ
@given(st.lists(json_values.map(json.dumps) | st.text(max_size=40), max_size=6), st.text(max_size=12))
def test_responses_stream_events_take_any_json(datas: list[str], event_name: str) -> None:
    handler = ResponseEventHandler(HEADERS)
    try:
        for data in datas:
            handler.on_event(ServerSentEvent(data, event=event_name or "message"))
        handler.incomplete()
    except VeniceError:
        pass


@FUZZ
@given(
    st.integers(400, 599),
    st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from(["application/json", "text/html", "", "application/json; charset=latin-1"]),
)
def test_error_bodies_of_any_shape_become_typed_errors(status: int, body: bytes, content_type: str) -> None:
    response = httpx.Response(
        status,
        content=body,
        headers={"content-type": content_type, "cf-ray": "r"},
        request=httpx.Request("POST", "https://x/chat/completions"),
    )
    error = error_from_response(response)
    assert error.status_code == status and error.request_id == "r" and str(error)
    parse_error_body(error.body)
    assert isinstance(error_from_stream_payload(error.body), VeniceError)


def test_error_bodies_nested_too_deep_become_typed_errors() -> None:
    request = httpx.Request("GET", "https://x/models")
    error = error_from_response(httpx.Response(500, content=deeply_nested(5000), request=request))
    assert error.status_code == 500


header_text = st.text(max_size=40) | st.from_regex(r"[0-9_.eE+-]{1,20}", fullmatch=True)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "retry-after",
                "retry-after-ms",
                "x-ratelimit-reset-requests",
                "x-ratelimit-limit-requests",
                "x-ratelimit-remaining-tokens",
                "x-ratelimit-reset-tokens",
                "x-venice-balance-usd",
                "cf-ray",
            ]
        ),
        header_text,
        max_size=8,
    )
)
def test_header_parsers_take_any_values(headers: dict[str, str]) -> None:
    wait = retry_after_seconds(headers, time.time())
    assert wait is None or wait >= 0
    rate_limits_of(headers)
    balances_of(headers)
    request_id_of(headers)


def _model_classes() -> list[type[Any]]:
    classes = []
    for info in pkgutil.iter_modules(venice_api.models.__path__):
        module = importlib.import_module(f"venice_api.models.{info.name}")
        classes += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and value.__module__ == module.__name__ and hasattr(value, "from_dict")
        ]
    return classes


MODELS = _model_classes()


@settings(FUZZ, max_examples=2 if not DEEP else 50)
@given(st.data())
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_generated_model_from_dict_fails_typed(model: type[Any], data: st.DataObject) -> None:
    value = data.draw(json_values | st.dictionaries(st.text(max_size=12), json_values, max_size=6))
    with contextlib.suppress(ModelParseError):
        model.from_dict(value)


def test_the_generated_models_were_all_found() -> None:
    assert len(MODELS) > 300


def test_deeply_nested_tool_arguments_are_a_tool_arguments_error() -> None:
    from venice_ext.errors import ToolArgumentsError
    from venice_ext.tools._tool import tool

    @tool
    def lookup(city: str) -> str:
        return city

    with pytest.raises(ToolArgumentsError):
        lookup.arguments(deeply_nested(5000).decode())


def _chunk(delta: dict[str, Any], **choice: Any) -> str:
    return json.dumps(
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": None, **choice}],
        }
    )


HOSTILE_CHAT_STREAMS = {
    "index null after 0": [_chunk({"content": "a"}), _chunk({"content": "b"}, index=None)],
    "unhashable index": [_chunk({"content": "a"}, index=[0])],
    "logprobs content 5": [_chunk({"content": "a"}, logprobs={"content": 5})],
    "tool call index null": [_chunk({"tool_calls": [{"index": None, "function": {"arguments": "{"}}]})],
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CHAT_STREAMS))
def test_known_hostile_chat_streams_fail_typed(name: str) -> None:
    _drive_chat([ServerSentEvent(data) for data in HOSTILE_CHAT_STREAMS[name]])


def test_a_surrogate_pair_split_across_deltas_is_joined_in_the_text() -> None:
    handler = ChatChunkHandler(HEADERS)
    for data in (_chunk({"content": "hi \ud83d"}), _chunk({"content": "\ude00!"}), _chunk({"content": " \ud83d"})):
        handler.on_event(ServerSentEvent(data))
    # The split pair is one emoji again; the half that never got its partner is U+FFFD.
    assert handler.accumulator.text() == "hi \U0001f600! \ufffd"
    assert handler.accumulator.to_json()["choices"][0]["message"]["content"] == "hi \U0001f600! \ufffd"


@pytest.mark.parametrize("event_type", [5, None, ["response.output_text.delta"], {"a": 1}])
def test_responses_events_whose_type_is_not_a_string_fail_typed(event_type: Any) -> None:
    handler = ResponseEventHandler(HEADERS)
    with contextlib.suppress(VeniceError):
        handler.on_event(ServerSentEvent(json.dumps({"type": event_type, "delta": "x"})))
