"""Streamed chat completions against the fake server: chunks, final(), errors, cleanup."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ext.conftest import API_KEY
from venice_ext import AsyncVenice, Venice
from venice_ext import errors as e
from venice_ext._core._accumulate import ChatCompletionAccumulator
from venice_ext._core._chunks import ChatCompletionChunk
from venice_ext.testing import SSE, DropAfter, FakeVenice, Reply, Stall

MODEL = "venice-uncensored-1-2"
MESSAGES = [{"role": "user", "content": "hi"}]


def chunk(choices: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1760000000,
        "model": "m",
        "choices": choices if choices is not None else [],
        **extra,
    }


def delta(index: int = 0, finish: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"index": index, "delta": fields, "finish_reason": finish}


HELLO = [
    chunk([delta(role="assistant", content="Hel")]),
    chunk([delta(content="lo")]),
    chunk([delta(content="!", finish="stop")]),
]


def stream_of(client: Venice, **params: Any) -> Any:
    return client.chat.completions.stream(model=MODEL, messages=MESSAGES, **params)


def test_typed_chunks_text_deltas_and_final(fake: FakeVenice, client: Venice) -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6}
    fake.script("POST", "/chat/completions", SSE([*HELLO, chunk(usage=usage)]))
    with stream_of(client) as stream:
        first = next(stream)
        assert isinstance(first, ChatCompletionChunk)
        assert first.choices[0].delta.role == "assistant" and first.choices[0].delta.content == "Hel"
        assert list(stream.text_deltas()) == ["lo", "!"]
        completion = stream.final()
    assert completion.choices[0].message.content == "Hello!"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == 6
    sent = fake.requests[-1].json()
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert fake.requests[-1].headers["accept"] == "text/event-stream"


def test_citations_in_the_first_chunk_and_reasoning_deltas(fake: FakeVenice, client: Venice) -> None:
    citations = [{"title": "Rayleigh scattering", "url": "https://example.com/r", "content": "..."}]
    venice = {
        "enable_e2ee": False,
        "enable_web_search": "auto",
        "enable_web_citations": True,
        "enable_web_scraping": False,
        "include_venice_system_prompt": True,
        "include_search_results_in_stream": True,
        "return_search_results_as_documents": False,
        "strip_thinking_response": False,
        "disable_thinking": False,
        "web_search_citations": citations,
    }
    fake.script(
        "POST",
        "/chat/completions",
        SSE(
            [
                chunk([delta(role="assistant", reasoning_content="Think")], venice_parameters=venice),
                chunk([delta(reasoning_content="ing.")]),
                chunk([delta(content="Blue.", finish="stop")]),
            ]
        ),
    )
    completion = stream_of(client).final()
    message = completion.choices[0].message
    assert message.reasoning_content == "Thinking." and message.content == "Blue."
    assert completion.venice_parameters.web_search_citations[0].url == "https://example.com/r"


def test_tool_call_fragments_interleaved_between_two_calls(fake: FakeVenice, client: Venice) -> None:
    def call(index: int, **fields: Any) -> dict[str, Any]:
        return chunk([delta(tool_calls=[{"index": index, **fields}])])

    fake.script(
        "POST",
        "/chat/completions",
        SSE(
            [
                call(0, id="call_a", type="function", function={"name": "get_weather", "arguments": ""}),
                call(1, id="call_b", type="function", function={"name": "get_time", "arguments": '{"tz"'}),
                call(0, function={"arguments": '{"city": '}),
                call(1, function={"arguments": ': "UTC"}'}),
                call(0, function={"arguments": '"Paris"}'}),
                chunk([delta(finish="tool_calls")]),
            ]
        ),
    )
    completion = stream_of(client).final()
    calls = completion.choices[0].message.tool_calls  # the spec types these items as any JSON
    assert [(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in calls] == [
        ("call_a", "get_weather", '{"city": "Paris"}'),
        ("call_b", "get_time", '{"tz": "UTC"}'),
    ]
    assert completion.choices[0].finish_reason == "tool_calls"


def test_n_equals_two(fake: FakeVenice, client: Venice) -> None:
    fake.script(
        "POST",
        "/chat/completions",
        SSE(
            [
                chunk([delta(0, content="A"), delta(1, content="B")]),
                chunk([delta(1, content="b", finish="length"), delta(0, content="a", finish="stop")]),
            ]
        ),
    )
    with stream_of(client, n=2) as stream:
        assert list(stream.text_deltas(choice=1)) == ["B", "b"]
        completion = stream.final()
    assert [(c.index, c.message.content, c.finish_reason) for c in completion.choices] == [
        (0, "Aa", "stop"),
        (1, "Bb", "length"),
    ]


@pytest.mark.parametrize(
    "error",
    [
        {"error": "Inference failed"},
        {
            "error": {
                "message": "context too long",
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
                "status": 400,
            }
        },
        {"error": {"message": "Blocked", "type": "provider_content_policy", "credits_refunded": True, "status": 422}},
    ],
    ids=["plain", "openai-style", "content-policy"],
)
def test_an_error_event_mid_stream_raises_the_typed_error(
    fake: FakeVenice, client: Venice, error: dict[str, Any]
) -> None:
    fake.script("POST", "/chat/completions", SSE([HELLO[0], error], done=False))
    with stream_of(client) as stream, pytest.raises(e.APIStatusError) as caught:
        list(stream)
    status = error["error"].get("status", 500) if isinstance(error["error"], dict) else 500
    assert caught.value.status_code == status
    assert type(caught.value) is {500: e.ServerError, 400: e.BadRequestError, 422: e.ContentPolicyError}[status]


def test_an_error_status_before_the_stream_raises(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", Reply(402, json={"error": "Insufficient USD or Diem balance"}))
    with pytest.raises(e.InsufficientBalanceError):
        stream_of(client)


def test_a_stream_that_just_stops_raises_with_what_arrived(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", SSE(HELLO[:2], done=False))
    with stream_of(client) as stream, pytest.raises(e.StreamInterruptedError) as caught:
        list(stream)
    assert caught.value.chunks_received == 2
    assert caught.value.partial["choices"][0]["message"]["content"] == "Hello"


def test_a_connection_lost_mid_stream_is_an_interruption(fake: FakeVenice, client: Venice) -> None:
    sse = SSE(HELLO)
    first = next(sse.frames())
    cut = len(f"{len(first):x}\r\n".encode() + first + b"\r\n") + 30  # inside the second event
    fake.script("POST", "/chat/completions", DropAfter(cut, sse))
    with stream_of(client) as stream, pytest.raises(e.StreamInterruptedError) as caught:
        list(stream)
    assert caught.value.partial["choices"][0]["message"]["content"].startswith("Hel")
    assert len(fake.requests_to("POST", "/chat/completions")) == 1, "never retried once the stream began"


def test_no_finish_reason_but_done_is_fine_and_finish_without_done_too(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", SSE(HELLO, done=False), SSE(HELLO[:2], done=True))
    assert stream_of(client).final().choices[0].message.content == "Hello!"
    completed = stream_of(client).final()
    assert completed.choices[0].message.content == "Hello"
    assert completed.choices[0].finish_reason == "stop", "[DONE] without a reason: the answer stopped"


def test_idle_timeout_mid_stream_carries_the_partial_completion(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", SSE(HELLO, delay=1.0))
    with stream_of(client, idle_timeout=0.2) as stream, pytest.raises(e.StreamInterruptedError) as caught:
        list(stream)
    assert isinstance(caught.value.__cause__, e.APITimeoutError)
    # Still a timeout to code that catches timeouts, with the partial answer on top.
    assert isinstance(caught.value, e.StreamTimeoutError) and isinstance(caught.value, e.APITimeoutError)
    assert caught.value.partial["choices"][0]["message"]["content"] == "Hel"
    assert caught.value.chunks_received == 1


def frame(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


AFTER_DONE = [frame(chunk([delta(content=" and more")])), b"data: not json\n\n", b"event: error\ndata: {}\n\n"]


def test_events_after_done_in_the_same_read_are_ignored(fake: FakeVenice, client: Venice) -> None:
    body = b"".join([*map(frame, HELLO[:2]), b"data: [DONE]\n\n", *AFTER_DONE])
    fake.script("POST", "/chat/completions", SSE([body], done=False))
    with stream_of(client) as stream:
        assert [c.choices[0].delta.content for c in stream] == ["Hel", "lo"]
        assert stream.final().choices[0].message.content == "Hello"


def test_events_after_done_in_later_reads_are_ignored(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", SSE([*HELLO[:2], "data: [DONE]\n\n", *AFTER_DONE], done=False, delay=0.02))
    assert stream_of(client).final().choices[0].message.content == "Hello"
    fake.script("POST", "/chat/completions", SSE(HELLO))
    assert stream_of(client).final().choices[0].message.content == "Hello!"
    assert fake.connections_opened == 1, "the drained stream gave its connection back"


PINGS = [HELLO[0], *[": keep-alive\n\n"] * 40, *HELLO[1:]]


def test_keep_alives_keep_the_idle_timeout_from_firing(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", SSE(PINGS, delay=0.02))
    assert stream_of(client, idle_timeout=0.5).final().choices[0].message.content == "Hello!"


def test_a_stream_that_only_pings_hits_the_progress_timeout(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", SSE(PINGS, delay=0.02))
    stream = stream_of(client, idle_timeout=0.5, progress_timeout=0.2)
    with stream, pytest.raises(e.StreamInterruptedError) as caught:
        stream.final()
    assert isinstance(caught.value.__cause__, e.APITimeoutError)
    assert "progress timeout" in str(caught.value)
    assert caught.value.partial["choices"][0]["message"]["content"] == "Hel"
    assert stream.response.is_closed


def test_leaving_early_closes_the_response_and_connections_are_reused(fake: FakeVenice, client: Venice) -> None:
    for _ in range(3):
        fake.script("POST", "/chat/completions", SSE(HELLO))
        with stream_of(client) as stream:
            assert stream.final().choices[0].message.content == "Hello!"
    fake.script("POST", "/chat/completions", SSE(HELLO, delay=0.05))
    with stream_of(client) as stream:
        next(stream)
    assert stream.response.is_closed
    assert fake.connections_opened == 1, "finished streams hand their connection back"


def test_stream_true_is_refused_by_create_and_unknown_parameters_are_named(client: Venice) -> None:
    with pytest.raises(e.RequestValidationError, match=r"chat.completions.stream"):
        client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    with pytest.raises(e.RequestValidationError, match="temprature"):
        client.chat.completions.create(model=MODEL, messages=MESSAGES, temprature=0.2)
    with pytest.raises(e.RequestValidationError, match="temperature"):
        client.chat.completions.create(model=MODEL, messages=MESSAGES, temperature="hot")


def test_create_sends_every_field_and_extra_body(fake: FakeVenice, client: Venice) -> None:
    completion = client.chat.completions.create(
        model=MODEL,
        messages=MESSAGES,
        temperature=0.2,
        max_completion_tokens=64,
        venice_parameters={"enable_web_search": "on", "include_venice_system_prompt": False},
        extra_body={"brand_new_option": {"x": 1}},
    )
    assert completion.choices[0].message.content
    sent = fake.requests[-1].json()
    assert sent["venice_parameters"] == {"enable_web_search": "on", "include_venice_system_prompt": False}
    assert sent["brand_new_option"] == {"x": 1} and sent["temperature"] == 0.2


def test_async_twin(fake: FakeVenice) -> None:
    fake.script("POST", "/chat/completions", SSE(HELLO), SSE(HELLO[:1], done=False))

    async def main() -> tuple[list[str], str, type[BaseException] | None]:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url) as client:
            async with await client.chat.completions.stream(model=MODEL, messages=MESSAGES) as stream:
                texts = [text async for text in stream.text_deltas()]
                final = await stream.final()
            try:
                async with await client.chat.completions.stream(model=MODEL, messages=MESSAGES) as broken:
                    async for _ in broken:
                        pass
            except e.StreamInterruptedError as exc:
                return texts, final.choices[0].message.content, type(exc)
            return texts, final.choices[0].message.content, None

    assert asyncio.run(main()) == (["Hel", "lo", "!"], "Hello!", e.StreamInterruptedError)


def test_a_server_that_pings_after_done_does_not_hold_final_with_a_progress_timeout(
    fake: FakeVenice, client: Venice
) -> None:
    sent: list[int] = []

    def ping() -> str:
        sent.append(1)
        return ": ping\n\n"

    fake.script("POST", "/chat/completions", SSE([*HELLO, "data: [DONE]\n\n", *[ping] * 200], delay=0.02))
    stream = stream_of(client, idle_timeout=0.5, progress_timeout=0.2)
    assert stream.final().choices[0].message.content == "Hello!"
    assert stream.response.is_closed
    assert len(sent) < 200, "the client hung up instead of draining every ping"


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
def test_async_after_done_progress_and_idle_timeouts(fake: FakeVenice, transport: str) -> None:
    from venice_ext import aiohttp_transport

    after_done = b"".join([*map(frame, HELLO[:2]), b"data: [DONE]\n\n", *AFTER_DONE])
    fake.script("POST", "/chat/completions", SSE([after_done], done=False), SSE(PINGS, delay=0.02))
    fake.script("POST", "/chat/completions", SSE(HELLO, delay=1.0))

    async def main() -> list[object]:
        extra = {"transport": aiohttp_transport()} if transport == "aiohttp" else {}
        outcomes: list[object] = []
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, **extra) as client:
            done = await client.chat.completions.stream(model=MODEL, messages=MESSAGES)
            outcomes.append((await done.final()).choices[0].message.content)
            for options in ({"idle_timeout": 0.5, "progress_timeout": 0.2}, {"idle_timeout": 0.2}):
                stream = await client.chat.completions.stream(model=MODEL, messages=MESSAGES, **options)
                try:
                    await stream.final()
                except e.StreamInterruptedError as exc:
                    cause = exc.__cause__
                    outcomes.append((type(cause).__name__, exc.partial["choices"][0]["message"]["content"]))
        return outcomes

    assert asyncio.run(main()) == ["Hello", ("APITimeoutError", "Hel"), ("APITimeoutError", "Hel")]


texts = st.text(max_size=6)


@given(st.lists(st.tuples(st.integers(0, 2), texts, texts), max_size=40))
@settings(max_examples=200)
def test_final_equals_the_concatenation_of_the_deltas(pieces: list[tuple[int, str, str]]) -> None:
    accumulator = ChatCompletionAccumulator()
    for index, content, reasoning in pieces:
        accumulator.add(
            ChatCompletionChunk.from_json(chunk([delta(index, content=content, reasoning_content=reasoning)]))
        )
    assembled = {c["index"]: c["message"] for c in accumulator.to_json()["choices"]}
    for index in {p[0] for p in pieces}:
        assert assembled[index]["content"] == "".join(c for i, c, _ in pieces if i == index)
        assert (assembled[index]["reasoning_content"] or "") == "".join(r for i, _, r in pieces if i == index)


@given(st.lists(st.tuples(st.integers(0, 3), st.text(max_size=5)), max_size=40))
def test_tool_call_arguments_concatenate_per_index(fragments: list[tuple[int, str]]) -> None:
    accumulator = ChatCompletionAccumulator()
    for index, text in fragments:
        call = {"index": index, "id": f"call_{index}", "function": {"name": f"f{index}", "arguments": text}}
        accumulator.add(ChatCompletionChunk.from_json(chunk([delta(tool_calls=[call])])))
    choices = accumulator.to_json()["choices"]
    calls = choices[0]["message"]["tool_calls"] if choices else []
    for call in calls:
        index = int(call["id"].removeprefix("call_"))
        assert call["function"]["arguments"] == "".join(t for i, t in fragments if i == index)


def test_malformed_chunk_is_a_typed_error(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", SSE(["data: {not json\n\n"]), SSE([chunk([delta(content=5)])]))
    with pytest.raises(e.ResponseValidationError, match="not JSON"):
        list(stream_of(client))
    with pytest.raises(e.ResponseValidationError, match="must be a string"):
        list(stream_of(client))


def test_raw_unknown_fields_are_kept(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", SSE([chunk([delta(content="x", finish="stop")], new_top="kept")]))
    [first] = list(stream_of(client))
    assert first.extra == {"new_top": "kept"} and json.loads(json.dumps(first.raw))["new_top"] == "kept"


def test_stall_before_headers_hits_the_read_timeout(fake: FakeVenice) -> None:
    fake.script("POST", "/chat/completions", Stall(2.0, SSE(HELLO)))
    with (
        Venice(api_key=API_KEY, base_url=fake.base_url, timeout=httpx.Timeout(5, read=0.2)) as client,
        pytest.raises(e.APITimeoutError),
    ):
        stream_of(client)


@st.composite
def interleaved_tool_calls(draw: st.DrawFn) -> tuple[list[int], list[tuple[int, str]]]:
    """Indices (not necessarily 0..n-1), and argument fragments for them in any arrival order."""
    indices = draw(st.lists(st.integers(0, 6), min_size=1, max_size=4, unique=True))
    fragments = draw(st.lists(st.tuples(st.sampled_from(indices), st.text(max_size=4)), max_size=20))
    firsts = draw(st.permutations(indices))  # the order in which the calls first show up
    return indices, [(index, "") for index in firsts] + fragments


@given(interleaved_tool_calls())
@settings(max_examples=200)
def test_tool_calls_are_assembled_by_index_whatever_the_arrival_order(
    calls: tuple[list[int], list[tuple[int, str]]],
) -> None:
    indices, fragments = calls
    accumulator = ChatCompletionAccumulator()
    announced: set[int] = set()
    for index, text in fragments:
        call: dict[str, Any] = {"index": index, "function": {"arguments": text}}
        if index not in announced:  # id, type and name come once, in the call's first delta
            announced.add(index)
            call |= {"id": f"call_{index}", "type": "function", "function": {"name": f"f{index}", "arguments": text}}
        accumulator.add(ChatCompletionChunk.from_json(chunk([delta(tool_calls=[call])])))
    [choice] = accumulator.to_json(completed=True)["choices"]
    assert [(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in choice["message"]["tool_calls"]] == [
        (f"call_{index}", f"f{index}", "".join(t for i, t in fragments if i == index)) for index in sorted(indices)
    ]
    assert choice["finish_reason"] == "tool_calls", "[DONE] after tool calls: the answer stopped for them"


def test_tool_calls_that_arrive_out_of_order_come_out_by_index(fake: FakeVenice, client: Venice) -> None:
    def call(index: int, name: str) -> dict[str, Any]:
        fields = {"index": index, "id": f"call_{name}", "type": "function"}
        return chunk([delta(tool_calls=[{**fields, "function": {"name": name, "arguments": "{}"}}])])

    fake.script("POST", "/chat/completions", SSE([call(1, "second"), call(0, "first")]))
    completion = stream_of(client).final()
    assert [c["function"]["name"] for c in completion.choices[0].message.tool_calls] == ["first", "second"]
    assert completion.choices[0].finish_reason == "tool_calls", "[DONE] without a reason after tool calls"


@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([None, None, "stop", "length"])), max_size=20))
def test_finished_once_every_choice_seen_has_finished(events: list[tuple[int, str | None]]) -> None:
    accumulator = ChatCompletionAccumulator()
    for index, finish in events:
        accumulator.add(ChatCompletionChunk.from_json(chunk([delta(index, finish, content="x")])))
    seen = {index for index, _ in events}
    finished = {index for index, finish in events if finish is not None}
    assert accumulator.finished == (bool(seen) and seen <= finished)


def test_one_of_two_choices_finished_is_still_an_interrupted_stream(fake: FakeVenice, client: Venice) -> None:
    fake.script(
        "POST",
        "/chat/completions",
        SSE([chunk([delta(0, content="A"), delta(1, content="B")]), chunk([delta(0, "stop")])], done=False),
    )
    with stream_of(client, n=2) as stream, pytest.raises(e.StreamInterruptedError) as caught:
        list(stream)
    choices = caught.value.partial["choices"]
    assert [(c["message"]["content"], c["finish_reason"]) for c in choices] == [("A", "stop"), ("B", None)]
