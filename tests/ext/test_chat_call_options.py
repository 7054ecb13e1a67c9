"""The per-call options of the hand-written chat, responses and tool-loop methods reach the wire.

Every one of `chat.completions.create/parse/stream`, `chat.run_tools/run_tools_stream`
and `responses.create/stream`, on both twins (the async one over httpx and over aiohttp),
against the fake server over real sockets:
`max_retries=0` stops the retry the default makes after a 503, `retry_ambiguous=True`
retries the 502 a billable call otherwise gives up on, `extra_query` shows in the URL
the server saw, and `timeout` ends a call whose answer is held back. `strict_parsing=True`
raises on a drifted whole answer that the default returns with a warning. The retry
waits go through the fake clock, so nothing really sleeps.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypedDict

import pytest

from tests.ext.conftest import API_KEY, FakeClock
from tests.ext.test_responses_stream import events, sse
from venice_ext import AsyncVenice, Venice, aiohttp_transport
from venice_ext import errors as e
from venice_ext._core import _drift
from venice_ext._core._drift import STRICT_ENV, DriftedBody, SpecDriftWarning
from venice_ext.testing import SSE, Action, FakeVenice, Reply, Stall
from venice_ext.testing._canned_text import chat_completion, response

MODEL = "venice-uncensored-1-2"
MESSAGES = [{"role": "user", "content": "hi"}]
CHAT = "/chat/completions"
RESPONSES = "/responses"


class City(TypedDict):
    name: str


def _chat_json(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(chat_completion().json)
    body.update(changes)
    return body


def _city_reply() -> Reply:
    body = _chat_json()
    body["choices"][0]["message"]["content"] = '{"name": "Paris"}'
    return Reply(json=body)


def _chat_sse() -> SSE:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1760000000, "model": "m"}
    return SSE(
        [
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}, "finish_reason": None}]},
            {**base, "choices": [{"index": 0, "delta": {"content": "!"}, "finish_reason": "stop"}]},
        ]
    )


def _no_tool() -> str:
    """A tool the model never calls."""
    return "unused"


Sync = Callable[..., Any]
Async = Callable[..., Awaitable[Any]]


async def _async_chat_stream(client: AsyncVenice, **options: Any) -> Any:
    stream = await client.chat.completions.stream(model=MODEL, messages=MESSAGES, **options)
    return await stream.final()


async def _async_run_tools_stream(client: AsyncVenice, **options: Any) -> Any:
    loop = client.chat.run_tools_stream(model=MODEL, messages=MESSAGES, tools=[_no_tool], **options)
    return [event async for event in loop]


async def _async_responses_stream(client: AsyncVenice, **options: Any) -> Any:
    stream = await client.responses.stream(model=MODEL, input="hi", **options)
    return await stream.final()


# name: (path, the successful answer, the call on a sync client, the call on an async one)
METHODS: dict[str, tuple[str, Callable[[], Action], Sync, Async]] = {
    "chat.completions.create": (
        CHAT,
        chat_completion,
        lambda c, **o: c.chat.completions.create(model=MODEL, messages=MESSAGES, **o),
        lambda c, **o: c.chat.completions.create(model=MODEL, messages=MESSAGES, **o),
    ),
    "chat.completions.parse": (
        CHAT,
        _city_reply,
        lambda c, **o: c.chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=City, **o),
        lambda c, **o: c.chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=City, **o),
    ),
    "chat.completions.stream": (
        CHAT,
        _chat_sse,
        lambda c, **o: c.chat.completions.stream(model=MODEL, messages=MESSAGES, **o).final(),
        _async_chat_stream,
    ),
    "chat.run_tools": (
        CHAT,
        chat_completion,
        lambda c, **o: c.chat.run_tools(model=MODEL, messages=MESSAGES, tools=[_no_tool], **o),
        lambda c, **o: c.chat.run_tools(model=MODEL, messages=MESSAGES, tools=[_no_tool], **o),
    ),
    "chat.run_tools_stream": (
        CHAT,
        _chat_sse,
        lambda c, **o: list(c.chat.run_tools_stream(model=MODEL, messages=MESSAGES, tools=[_no_tool], **o)),
        _async_run_tools_stream,
    ),
    "responses.create": (
        RESPONSES,
        lambda: Reply(json=_response_json()),
        lambda c, **o: c.responses.create(model=MODEL, input="hi", **o),
        lambda c, **o: c.responses.create(model=MODEL, input="hi", **o),
    ),
    "responses.stream": (
        RESPONSES,
        lambda: sse(events()),
        lambda c, **o: c.responses.stream(model=MODEL, input="hi", **o).final(),
        _async_responses_stream,
    ),
}


def _response_json(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(response().json)
    body.update(changes)
    return body


@pytest.fixture(autouse=True)
def _no_strict_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STRICT_ENV, raising=False)


def _on_both(
    client: Venice, fake: FakeVenice, clock: FakeClock, name: str, **settings: Any
) -> list[Callable[..., Any]]:
    """The method on the sync client and on async ones (httpx, aiohttp, built with `settings`),
    each called as a plain function."""
    _, _, sync_call, async_call = METHODS[name]

    def on_async(transport: Callable[[], Any]) -> Callable[..., Any]:
        def call(**options: Any) -> Any:
            async def main() -> Any:
                async with AsyncVenice(
                    api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks(), transport=transport(), **settings
                ) as async_client:
                    return await async_call(async_client, **options)

            return asyncio.run(main())

        return call

    return [lambda **options: sync_call(client, **options), on_async(lambda: None), on_async(aiohttp_transport)]


@pytest.mark.parametrize("name", METHODS)
def test_max_retries_0_stops_the_retry_the_default_makes(
    fake: FakeVenice, client: Venice, clock: FakeClock, name: str
) -> None:
    path, success, _, _ = METHODS[name]
    unavailable = Reply(status=503, json={"error": "busy"})
    sent = 0
    for call in _on_both(client, fake, clock, name):
        fake.script("POST", path, unavailable, success(), unavailable)
        call()  # the default retries the 503
        with pytest.raises(e.APIStatusError) as caught:
            call(max_retries=0)
        assert caught.value.status_code == 503
        sent += 3
        assert len(fake.requests_to("POST", path)) == sent


@pytest.mark.parametrize("name", METHODS)
def test_retry_ambiguous_reaches_the_retry_transport(
    fake: FakeVenice, client: Venice, clock: FakeClock, name: str
) -> None:
    path, success, _, _ = METHODS[name]
    bad_gateway = Reply(status=502, json={"error": "upstream"})
    sent = 0
    for call in _on_both(client, fake, clock, name):
        fake.script("POST", path, bad_gateway, bad_gateway, success())
        with pytest.raises(e.APIStatusError):
            call()  # a billable call does not repeat an ambiguous failure by default
        call(retry_ambiguous=True)
        sent += 3
        assert len(fake.requests_to("POST", path)) == sent


@pytest.mark.parametrize("name", METHODS)
def test_extra_query_and_extra_headers_reach_the_wire(
    fake: FakeVenice, client: Venice, clock: FakeClock, name: str
) -> None:
    path, success, _, _ = METHODS[name]
    for index, call in enumerate(_on_both(client, fake, clock, name)):
        fake.script("POST", path, success())
        call(extra_query={"trace": f"on-{index}"}, extra_headers={"X-Trace": f"t-{index}"})
        seen = fake.requests_to("POST", path)[-1]
        assert f"trace=on-{index}" in seen.query
        assert {key.lower(): value for key, value in seen.headers.items()}["x-trace"] == f"t-{index}"


@pytest.mark.parametrize("name", METHODS)
def test_timeout_ends_a_call_whose_answer_is_held_back(
    fake: FakeVenice, client: Venice, clock: FakeClock, name: str
) -> None:
    path, success, _, _ = METHODS[name]
    for call in _on_both(client, fake, clock, name):
        fake.script("POST", path, Stall(60, success()))
        with pytest.raises(e.APITimeoutError):
            call(timeout=0.3)


DRIFTED = {
    "chat.completions.create": (CHAT, lambda: Reply(json=_chat_json(created="not-a-number"))),
    "chat.run_tools": (CHAT, lambda: Reply(json=_chat_json(created="not-a-number"))),
    "responses.create": (RESPONSES, lambda: Reply(json=_response_json(created_at="not-a-number"))),
}


@pytest.mark.parametrize("name", ["chat.completions.create", "responses.create"])
def test_strict_parsing_raises_on_a_drifted_answer_the_default_returns_with_a_warning(
    fake: FakeVenice, client: Venice, clock: FakeClock, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, drifted = DRIFTED[name]
    warned: set[str] = set()
    monkeypatch.setattr(_drift, "_warned", warned)  # one warning per schema path per process, else
    for call in _on_both(client, fake, clock, name):
        warned.clear()
        fake.script("POST", path, drifted(), drifted())
        with pytest.raises(e.ResponseValidationError) as caught:
            call(strict_parsing=True)
        assert b"not-a-number" in caught.value.body
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            answer = call()
        assert isinstance(answer, DriftedBody)
        assert any(issubclass(w.category, SpecDriftWarning) for w in seen)


def test_strict_parsing_reaches_every_completion_of_a_tool_loop(
    fake: FakeVenice, client: Venice, clock: FakeClock
) -> None:
    path, drifted = DRIFTED["chat.run_tools"]
    for call in _on_both(client, fake, clock, "chat.run_tools"):
        fake.script("POST", path, drifted())
        with pytest.raises(e.ResponseValidationError):
            call(strict_parsing=True)


def _drifted_chat_sse() -> SSE:
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": "not-a-number", "model": "m"}
    return SSE([{**chunk, "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": "stop"}]}])


STREAMS_DRIFTED = {
    "chat.completions.stream": (CHAT, _drifted_chat_sse),
    "responses.stream": (RESPONSES, lambda: sse(events(created_at="not-a-number"))),
}


@pytest.mark.parametrize("name", STREAMS_DRIFTED)
def test_a_streamed_answer_that_drifted_follows_strict_parsing_like_a_whole_one(
    fake: FakeVenice, client: Venice, clock: FakeClock, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`final()` of a drifted stream: strict, the error; else the answer as read, with a warning."""
    path, drifted = STREAMS_DRIFTED[name]
    warned: set[str] = set()
    monkeypatch.setattr(_drift, "_warned", warned)
    for call in _on_both(client, fake, clock, name):
        warned.clear()
        fake.script("POST", path, drifted(), drifted(), drifted())
        with pytest.raises(e.ResponseValidationError) as caught:
            call(strict_parsing=True)
        assert "not-a-number" in str(caught.value) or b"not-a-number" in caught.value.body
        drift_warnings = 0
        for strict in (False, None):
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")
                answer = call(strict_parsing=strict)
            drift_warnings += sum(issubclass(w.category, SpecDriftWarning) for w in seen)
            assert isinstance(answer, DriftedBody) and "created" in answer.drift
            assert answer.raw["created" if name.startswith("chat") else "created_at"] == "not-a-number"
        assert drift_warnings == 1  # one per schema path


@pytest.mark.parametrize("name", STREAMS_DRIFTED)
def test_a_strict_client_makes_a_drifted_stream_an_error(fake: FakeVenice, name: str) -> None:
    path, drifted = STREAMS_DRIFTED[name]
    clock = FakeClock()
    with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks(), strict_parsing=True) as strict_client:
        for call in _on_both(strict_client, fake, clock, name, strict_parsing=True):
            fake.script("POST", path, drifted(), drifted())
            with pytest.raises(e.ResponseValidationError):
                call()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SpecDriftWarning)  # the lenient call's warning is tested above
                assert isinstance(call(strict_parsing=False), DriftedBody)  # the call's choice wins


OPTIONS = (
    "timeout",
    "max_retries",
    "retry_ambiguous",
    "deadline",
    "strict_parsing",
    "extra_headers",
    "extra_query",
    "extra_body",
)


@pytest.mark.parametrize("flavour", [Venice, AsyncVenice])
def test_every_hand_written_method_names_every_option(flavour: type[Venice] | type[AsyncVenice]) -> None:
    client = flavour(api_key=API_KEY, base_url="http://127.0.0.1:9/api/v1")
    methods = [
        client.chat.completions.create,
        client.chat.completions.parse,
        client.chat.completions.stream,
        client.chat.run_tools,
        client.chat.run_tools_stream,
        client.responses.create,
        client.responses.stream,
    ]
    for method in methods:
        parameters = inspect.signature(method).parameters
        missing = [
            name
            for name in OPTIONS
            if parameters.get(name, None) is None or parameters[name].kind != inspect.Parameter.KEYWORD_ONLY
        ]
        assert not missing, f"{method.__qualname__} lacks {missing}"
    if isinstance(client, Venice):
        client.close()
    else:
        asyncio.run(client.aclose())
