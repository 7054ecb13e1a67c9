"""Streamed Responses API answers against the fake server: typed events, final(), errors, create()."""

from __future__ import annotations

import asyncio
import json
import warnings
from typing import Any

import httpx
import pytest

from tests.ext.conftest import API_KEY
from venice_api.types import UNSET
from venice_ext import AsyncVenice, ResponseStreamEvent, Venice, aiohttp_transport
from venice_ext import errors as e
from venice_ext._core import _drift
from venice_ext._core._drift import DriftedBody, SpecDriftWarning
from venice_ext._core._symbols import CreateResponseResponse, create_response
from venice_ext.resources._response_events import NullsAsAbsent
from venice_ext.testing import SSE, DropAfter, FakeVenice, Reply

MODEL = "venice-uncensored-1-2"
ITEM_ID = "msg_3a7f0c9e5d2b4e18"
PIECES = ["Paris", " is the", " capital", " of France."]
TEXT = "".join(PIECES)
USAGE = {
    "input_tokens": 19,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 8,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 27,
}


def response(status: str, output: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    # Shaped as OpenAI sends it, nulls included: Venice passes OpenAI models' events through as is.
    return {
        "id": "resp_6c1d8e4a2f9b4b07",
        "object": "response",
        "created_at": 1_760_000_000,
        "model": MODEL,
        "status": status,
        "output": output,
        "error": None,
        "incomplete_details": None,
        "usage": None,
        "temperature": 0.7,
        **fields,
    }


def message(status: str, text: str | None) -> dict[str, Any]:
    content = [] if text is None else [{"type": "output_text", "text": text, "annotations": []}]
    return {"type": "message", "id": ITEM_ID, "status": status, "role": "assistant", "content": content}


def frame(event: dict[str, Any], sequence: int) -> str:
    """One event as Venice sends it: the type in `event:` and in the JSON."""
    return f"event: {event['type']}\ndata: {json.dumps({**event, 'sequence_number': sequence})}\n\n"


def text_ids() -> dict[str, Any]:
    return {"item_id": ITEM_ID, "output_index": 0, "content_index": 0}


def events(*, terminal: str = "response.completed", **final_fields: Any) -> list[dict[str, Any]]:
    done = response("completed", [message("completed", TEXT)], usage=USAGE)
    done.update(final_fields)
    return [
        {"type": "response.created", "response": response("in_progress", [])},
        {"type": "response.in_progress", "response": response("in_progress", [])},
        {"type": "response.output_item.added", "output_index": 0, "item": message("in_progress", None)},
        {"type": "response.content_part.added", **text_ids(), "part": {"type": "output_text", "text": ""}},
        *({"type": "response.output_text.delta", **text_ids(), "delta": piece} for piece in PIECES),
        {"type": "response.output_text.done", **text_ids(), "text": TEXT},
        {"type": "response.content_part.done", **text_ids(), "part": {"type": "output_text", "text": TEXT}},
        {"type": "response.output_item.done", "output_index": 0, "item": message("completed", TEXT)},
        {"type": terminal, "response": done},
    ]


def sse(items: list[dict[str, Any]], **options: Any) -> SSE:
    return SSE([frame(item, n) for n, item in enumerate(items)], **{"done": False, **options})


def stream_of(client: Venice, **params: Any) -> Any:
    return client.responses.stream(model=MODEL, input="What is the capital of France?", **params)


def test_typed_events_text_deltas_and_final(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/responses", sse(events()), sse(events()))
    with stream_of(client) as stream:
        received = list(stream)
    assert [event.type for event in received] == [item["type"] for item in events()]
    assert all(isinstance(event, ResponseStreamEvent) for event in received)
    assert [event.sequence_number for event in received] == list(range(len(received)))
    created, delta = received[0], received[4]
    assert created.response is not None and created.response["status"] == "in_progress" and created.delta is None
    assert (delta.item_id, delta.output_index, delta.content_index, delta.delta) == (ITEM_ID, 0, 0, "Paris")
    assert received[2].item == message("in_progress", None)

    with stream_of(client) as stream:
        assert list(stream.text_deltas()) == PIECES
        final = stream.final()
    assert isinstance(final, CreateResponseResponse)
    assert (final.id, final.status, final.model) == ("resp_6c1d8e4a2f9b4b07", "completed", MODEL)
    assert final.output[0].content[0].text == TEXT
    assert final.usage.total_tokens == 27
    assert final["temperature"] == 0.7, "fields the spec does not know are kept"
    sent = fake.requests[-1]
    assert sent.json() == {"model": MODEL, "input": "What is the capital of France?", "stream": True}
    assert sent.headers["accept"] == "text/event-stream"


def test_final_reads_the_rest_and_data_only_frames_work_too(fake: FakeVenice, client: Venice) -> None:
    # Without `event:` lines and with [DONE] after the terminal event, as a translating proxy might send.
    fake.script("POST", "/responses", SSE([{**item, "sequence_number": n} for n, item in enumerate(events())]))
    with stream_of(client) as stream:
        assert next(stream).type == "response.created"
        assert stream.final().output[0].content[0].text == TEXT
    assert stream.response.is_closed


def test_incomplete_is_final_with_its_status(fake: FakeVenice, client: Venice) -> None:
    details = {"reason": "max_output_tokens"}
    fake.script(
        "POST",
        "/responses",
        sse(events(terminal="response.incomplete", status="incomplete", incomplete_details=details)),
    )
    final = stream_of(client, max_output_tokens=8).final()
    assert final.status == "incomplete"
    assert final["incomplete_details"] == details
    assert fake.requests[-1].json()["max_output_tokens"] == 8


def test_failed_raises_the_typed_error_with_the_response(fake: FakeVenice, client: Venice) -> None:
    failed = response("failed", [], error={"code": "server_error", "message": "The model crashed"})
    fake.script("POST", "/responses", sse([*events()[:5], {"type": "response.failed", "response": failed}]))
    seen: list[str] = []
    with stream_of(client) as stream, pytest.raises(e.ServerError) as caught:
        seen.extend(stream.text_deltas())
    assert seen == ["Paris"]
    assert (caught.value.code, caught.value.message) == ("server_error", "The model crashed")
    assert caught.value.body["response"]["status"] == "failed"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (frame({"type": "error", "code": "server_error", "message": "Inference failed", "param": None}, 5), 500),
        ({"type": "error", "code": "rate_limited", "message": "Slow down", "status": 429}, 429),
        ({"error": {"message": "context too long", "code": "context_length_exceeded", "status": 400}}, 400),
        ('event: error\ndata: {"error": "Inference failed"}\n\n', 500),
    ],
    ids=["openai-event", "type-only", "nested", "venice-plain"],
)
def test_an_error_event_raises_the_typed_error(
    fake: FakeVenice, client: Venice, error: dict[str, Any] | str, status: int
) -> None:
    fake.script("POST", "/responses", SSE([frame(item, n) for n, item in enumerate(events()[:5])] + [error]))
    with stream_of(client) as stream, pytest.raises(e.APIStatusError) as caught:
        list(stream)
    assert caught.value.status_code == status
    assert type(caught.value) is {500: e.ServerError, 429: e.RateLimitError, 400: e.BadRequestError}[status]


def test_an_error_status_before_the_stream_raises(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/responses", Reply(401, json={"error": "Authentication failed"}))
    with pytest.raises(e.AuthenticationError):
        stream_of(client)


def test_a_stream_that_stops_before_completed_raises_with_what_arrived(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/responses", sse(events()[:6]), sse(events()[:6], done=True))
    for _ in range(2):  # the body just ending, then [DONE] without response.completed
        with stream_of(client) as stream, pytest.raises(e.StreamInterruptedError) as caught:
            list(stream)
        assert caught.value.chunks_received == 6
        partial = caught.value.partial
        assert partial["id"] == "resp_6c1d8e4a2f9b4b07" and partial["status"] == "in_progress"
        assert partial["output"][0]["content"][0]["text"] == "Paris is the"


def test_a_connection_lost_mid_stream_is_an_interruption(fake: FakeVenice, client: Venice) -> None:
    frames = [frame(item, n) for n, item in enumerate(events())]
    wire = sum(len(f"{len(f.encode()):x}\r\n") + len(f.encode()) + 2 for f in frames[:7]) + 20
    fake.script("POST", "/responses", DropAfter(wire, SSE(frames, done=False)))
    with stream_of(client) as stream, pytest.raises(e.StreamInterruptedError) as caught:
        list(stream)
    assert caught.value.partial["output"][0]["content"][0]["text"] == "Paris is the capital"
    assert len(fake.requests_to("POST", "/responses")) == 1, "never retried once the stream began"


def test_unknown_event_types_pass_through_typed(fake: FakeVenice, client: Venice) -> None:
    results = [{"title": "Paris", "url": "https://example.com/paris"}]
    odd = [
        {"type": "response.venice_search.results", "results": results},
        {"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "delta": "Hmm"},
    ]
    nameless = 'event: response.venice.heartbeat\ndata: {"at": 1760000001}\n\n'
    late = frame({"type": "response.venice.late"}, 99)
    frames = [frame(item, n) for n, item in enumerate([events()[0], *odd, *events()[1:]])]
    fake.script("POST", "/responses", SSE([*frames[:3], nameless, *frames[3:], late], done=False))
    received = list(stream_of(client))
    search, reasoning, heartbeat = received[1:4]
    assert search.type == "response.venice_search.results"
    assert search.extra == {"results": results} and search.raw["results"] == results
    assert (reasoning.type, reasoning.delta) == ("response.reasoning_summary_text.delta", "Hmm")
    assert (heartbeat.type, heartbeat.raw) == ("response.venice.heartbeat", {"at": 1760000001})
    assert received[-1].type == "response.completed", "nothing after the terminal event is an event"


def test_a_malformed_event_is_a_typed_error(fake: FakeVenice, client: Venice) -> None:
    fake.script(
        "POST",
        "/responses",
        SSE(["data: {not json\n\n"], done=False),
        sse([events()[0], {"type": "response.output_text.delta", "output_index": "zero", "delta": "x"}]),
        sse([events()[0], {"type": "response.output_text.delta", "output_index": 0, "delta": 5}]),
    )
    with pytest.raises(e.ResponseValidationError, match="not JSON"):
        list(stream_of(client))
    with pytest.raises(e.ResponseValidationError, match="output_index must be an integer"):
        list(stream_of(client))
    with pytest.raises(e.ResponseValidationError, match="delta must be a string"):
        list(stream_of(client))


def test_create_against_the_canned_answer(fake: FakeVenice, client: Venice) -> None:
    result = client.responses.create(
        model=MODEL,
        input=[{"type": "message", "role": "user", "content": "What is the capital of France?"}],
        temperature=0.2,
        extra_body={"brand_new_option": True},
    )
    assert isinstance(result, CreateResponseResponse)
    assert result.output[0].content[0].text == "Paris is the capital of France."
    sent = fake.requests[-1].json()
    assert sent["input"][0]["content"] == "What is the capital of France?"
    assert sent["temperature"] == 0.2 and sent["brand_new_option"] is True and "stream" not in sent


def _created(flavour: str, fake: FakeVenice, *, strict: bool) -> Any:
    """responses.create on one flavour of client: sync, async over httpx, async over aiohttp."""
    if flavour == "sync":
        with Venice(api_key=API_KEY, base_url=fake.base_url, strict_parsing=strict) as client:
            return client.responses.create(model=MODEL, input="hi")

    async def run() -> Any:
        transport = {"transport": aiohttp_transport()} if flavour == "async-aiohttp" else {}
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, strict_parsing=strict, **transport) as client:
            return await client.responses.create(model=MODEL, input="hi")

    return asyncio.run(run())


FLAVOURS = ["sync", "async-httpx", "async-aiohttp"]


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_create_reads_openai_nulls_as_absent_without_a_drift_warning(
    fake: FakeVenice, flavour: str, strict: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_drift, "_warned", set())  # else a warning given earlier in the process is not repeated
    reasoning = {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": None}
    fake.script("POST", "/responses", Reply(json=response("completed", [reasoning, message("completed", TEXT)])))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecDriftWarning)
        result = _created(flavour, fake, strict=strict)
    assert isinstance(result, CreateResponseResponse)
    assert result.output[1].content[0].text == TEXT


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_create_answer_that_fits_neither_reading_is_still_drift(
    fake: FakeVenice, flavour: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_drift, "_warned", set())  # one warning per schema path per process
    drifted = {**response("completed", [message("completed", TEXT)]), "created_at": "not-a-number"}
    fake.script("POST", "/responses", Reply(json=drifted), Reply(json=drifted))
    with pytest.warns(SpecDriftWarning, match="created_at"):
        result = _created(flavour, fake, strict=False)
    assert isinstance(result, DriftedBody) and result.raw["created_at"] == "not-a-number"
    with pytest.raises(e.ResponseValidationError, match="created_at") as caught:
        _created(flavour, fake, strict=True)
    assert b"not-a-number" in caught.value.body


def test_both_readings_decode_the_body_once() -> None:
    reasoning = {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": None}
    body = response("completed", [reasoning, message("completed", TEXT)])
    decoded: list[bytes] = []

    def counting(content: bytes) -> Any:
        decoded.append(content)
        return json.loads(content)

    parsed = NullsAsAbsent(create_response).parse_success(httpx.Response(200, json=body), decode_json=counting)
    assert isinstance(parsed, CreateResponseResponse) and parsed.output[0].encrypted_content is UNSET
    assert len(decoded) == 1


def test_create_refuses_stream_and_names_unknown_parameters(client: Venice) -> None:
    with pytest.raises(e.RequestValidationError, match=r"responses.stream"):
        client.responses.create(model=MODEL, input="hi", stream=True)
    with pytest.raises(e.RequestValidationError, match="max_tokens"):
        client.responses.stream(model=MODEL, input="hi", max_tokens=5)
    with pytest.raises(e.RequestValidationError, match="temperature"):
        client.responses.create(model=MODEL, input="hi", temperature="warm")


def test_async_twin(fake: FakeVenice) -> None:
    fake.script("POST", "/responses", sse(events()), sse(events()[:4]))

    async def main() -> tuple[list[str], str, type[BaseException] | None, str]:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url) as client:
            async with await client.responses.stream(model=MODEL, input="hi") as stream:
                texts = [text async for text in stream.text_deltas()]
                final = await stream.final()
            failure: type[BaseException] | None = None
            try:
                async with await client.responses.stream(model=MODEL, input="hi") as broken:
                    async for _ in broken:
                        pass
            except e.StreamInterruptedError as exc:
                failure = type(exc)
            created = await client.responses.create(model=MODEL, input="hi")  # the script is used up: canned
            return texts, final.output[0].content[0].text, failure, created.output[0].content[0].text

    assert asyncio.run(main()) == (PIECES, TEXT, e.StreamInterruptedError, "Paris is the capital of France.")
