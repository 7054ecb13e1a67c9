"""The spend cap on video/audio jobs (estimated at Venice's quote) and on streams (settled at
their final usage), sync and async, default transport and aiohttp, against the fake."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import venice_ext
from venice_ext import AsyncVenice, Venice
from venice_ext._core._quotes import quote_body
from venice_ext._core._spend_meter import UsageScanner
from venice_ext.cost import estimate_cost
from venice_ext.errors import BadRequestError, SpendCapExceededError
from venice_ext.testing import FakeVenice, RateLimit, Reply
from venice_ext.testing._canned_models import models as canned_models
from venice_ext.testing._ratelimit import canned_prices

MODEL = "venice-uncensored-1-2"
TWINS = ["sync", "async"]
# aiohttp is an async transport: the sync twin runs on httpx's.
RUNS = [("sync", "httpx"), ("async", "httpx"), ("async", "aiohttp")]
VIDEO = {"model": "wan-2.5-preview-text-to-video", "prompt": "Dawn over the lagoon", "duration": "5s"}
AUDIO = {"model": "elevenlabs-music", "prompt": "A slow waltz for strings", "duration_seconds": 60}
QUEUED = {"model": VIDEO["model"], "queue_id": "7f1c2d3e-0000-4a5b-9c8d-112233445566"}
BALANCE = "x-venice-balance-usd"


def chat(**extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], **extra}


def estimate() -> float:
    return estimate_cost(canned_models().json["data"], "/chat/completions", chat()).usd


def usage_cost() -> float:
    """What the fake's canned completion (24 prompt, 41 completion tokens) costs at the listing's prices."""
    input_price, output_price = canned_prices()[MODEL]
    return (24 * input_price + 41 * output_price) / 1e6


def options(transport: str) -> dict[str, Any]:
    return {"transport": venice_ext.aiohttp_transport()} if transport == "aiohttp" else {}


def paths(fake: FakeVenice) -> list[str]:
    return [request.path for request in fake.requests if not request.path.startswith("/models")]


# -- streams ------------------------------------------------------------------------------


@pytest.fixture
def priced() -> Any:
    with FakeVenice(rate_limit=RateLimit(balance_usd=100.0)) as fake:
        yield fake


def _stream(twin: str, transport: str, base_url: str, body: dict[str, Any], stop_early: bool = False) -> list[Any]:
    """Spend while the stream is open and after it is closed: [(spent, estimated), (spent, estimated)]."""
    seen: list[Any] = []
    if twin == "sync":
        with Venice(api_key="test-key", base_url=base_url, max_usd=1.0, max_retries=0, **options(transport)) as client:
            with client.chat.completions.stream(**body) as stream:
                for _ in stream:
                    seen.append((client.spend.spent, client.spend.estimated))
                    if stop_early:
                        break
            seen.append((client.spend.spent, client.spend.estimated))
        return [seen[0], seen[-1]]

    async def main() -> None:
        async with AsyncVenice(
            api_key="test-key", base_url=base_url, max_usd=1.0, max_retries=0, **options(transport)
        ) as client:
            async with await client.chat.completions.stream(**body) as stream:
                async for _ in stream:
                    seen.append((client.spend.spent, client.spend.estimated))
                    if stop_early:
                        break
            seen.append((client.spend.spent, client.spend.estimated))

    asyncio.run(main())
    return [seen[0], seen[-1]]


@pytest.mark.parametrize(("twin", "transport"), RUNS)
def test_a_stream_with_usage_settles_at_its_actual_cost_when_closed(
    priced: FakeVenice, twin: str, transport: str
) -> None:
    _, (spent, estimated) = _stream(twin, transport, priced.base_url, chat())
    assert spent == pytest.approx(usage_cost()) and estimated == 0.0
    assert usage_cost() != pytest.approx(estimate())  # so the two cannot be confused


@pytest.mark.parametrize(("twin", "transport"), RUNS)
def test_a_stream_without_usage_settles_at_its_estimate(priced: FakeVenice, twin: str, transport: str) -> None:
    body = chat(stream_options={"include_usage": False})  # chat streams ask for usage unless told not to
    _, (spent, estimated) = _stream(twin, transport, priced.base_url, body)
    assert spent == pytest.approx(estimate()) and estimated == 0.0


@pytest.mark.parametrize("twin", TWINS)
def test_a_stream_left_early_is_settled_when_closed(priced: FakeVenice, twin: str) -> None:
    body = chat(stream_options={"include_usage": True})
    _, (spent, estimated) = _stream(twin, "httpx", priced.base_url, body, stop_early=True)
    # Settled once, when closed: at its estimate, or at its usage if those bytes had arrived already.
    assert estimated == 0.0 and spent in (pytest.approx(estimate()), pytest.approx(usage_cost()))


@settings(max_examples=200, deadline=None)
@given(
    cuts=st.lists(st.integers(0, 400), max_size=12),
    usages=st.lists(st.integers(0, 10_000), min_size=0, max_size=3),
)
def test_the_usage_scanner_finds_the_last_usage_however_the_bytes_are_cut(cuts: list[int], usages: list[int]) -> None:
    events = [{"choices": [{"delta": {"content": "a\nb"}}]}]
    events += [{"choices": [], "usage": {"prompt_tokens": n, "completion_tokens": n + 1}} for n in usages]
    stream = b"".join(b"data: " + json.dumps(event).encode() + b"\n\n" for event in events) + b"data: [DONE]\n\n"
    scanner = UsageScanner()
    start = 0
    for cut in sorted(min(cut, len(stream)) for cut in cuts):
        scanner.feed(stream[start:cut])
        start = cut
    scanner.feed(stream[start:])
    expected = {"prompt_tokens": usages[-1], "completion_tokens": usages[-1] + 1} if usages else None
    assert scanner.usage == expected


# -- video and audio jobs -----------------------------------------------------------------


def _queue(twin: str, transport: str, base_url: str, kind: str, max_usd: float, **params: Any) -> tuple[Any, Any]:
    """Queue a job on a capped client: (the job or the error raised, client.spend after)."""
    if twin == "sync":
        with Venice(
            api_key="test-key", base_url=base_url, max_usd=max_usd, max_retries=0, **options(transport)
        ) as client:
            jobs = client.video if kind == "video" else client.audio
            try:
                outcome: Any = jobs.queue(**params)
            except venice_ext.errors.VeniceError as error:
                outcome = error
            return outcome, client.spend

    async def main() -> tuple[Any, Any]:
        async with AsyncVenice(
            api_key="test-key", base_url=base_url, max_usd=max_usd, max_retries=0, **options(transport)
        ) as client:
            jobs = client.video if kind == "video" else client.audio
            try:
                outcome: Any = await jobs.queue(**params)
            except venice_ext.errors.VeniceError as error:
                outcome = error
            return outcome, client.spend

    return asyncio.run(main())


@pytest.mark.parametrize(("twin", "transport"), RUNS)
def test_a_capped_client_queues_a_video_at_its_quote(fake: FakeVenice, twin: str, transport: str) -> None:
    # The queue answer shows no charge (a job billed when it completes): the quote stands.
    fake.script("POST", "/video/quote", Reply(json={"quote": 1.12}, headers={BALANCE: "10.0"}))
    fake.script("POST", "/video/queue", Reply(json=QUEUED, headers={BALANCE: "10.0"}))
    job, spend = _queue(twin, transport, fake.base_url, "video", 2.0, **VIDEO)
    assert job.queue_id == QUEUED["queue_id"], job
    assert paths(fake) == ["/video/quote", "/video/queue"]
    quote, queue = (r for r in fake.requests if not r.path.startswith("/models"))
    assert quote.json() == {"model": VIDEO["model"], "duration": "5s"}, "the quote gets the fields it knows"
    assert queue.json() == VIDEO
    assert spend.spent == pytest.approx(1.12) and spend.estimated == 0.0


@pytest.mark.parametrize("twin", TWINS)
def test_a_queued_job_settles_at_the_charge_the_balance_shows(fake: FakeVenice, twin: str) -> None:
    fake.script("POST", "/video/quote", Reply(json={"quote": 1.12}, headers={BALANCE: "10.0"}))
    fake.script("POST", "/video/queue", Reply(json=QUEUED, headers={BALANCE: "8.95"}))
    _, spend = _queue(twin, "httpx", fake.base_url, "video", 2.0, **VIDEO)
    assert spend.spent == pytest.approx(1.05)


@pytest.mark.parametrize(("twin", "transport"), RUNS)
def test_a_job_whose_quote_crosses_the_cap_is_refused_before_queueing(
    fake: FakeVenice, twin: str, transport: str
) -> None:
    fake.script("POST", "/video/quote", Reply(json={"quote": 1.12}))
    refused, spend = _queue(twin, transport, fake.base_url, "video", 1.0, **VIDEO)
    assert isinstance(refused, SpendCapExceededError), refused
    assert refused.estimate == pytest.approx(1.12) and refused.limit == 1.0
    assert paths(fake) == ["/video/quote"], "nothing was queued"
    assert spend.spent == 0.0 and spend.estimated == 0.0


@pytest.mark.parametrize("twin", TWINS)
def test_an_audio_job_is_estimated_at_its_quote(fake: FakeVenice, twin: str) -> None:
    refused, _ = _queue(twin, "httpx", fake.base_url, "audio", 0.5, **AUDIO)  # the canned quote is $0.69
    assert isinstance(refused, SpendCapExceededError) and refused.estimate == pytest.approx(0.69)
    job, spend = _queue(twin, "httpx", fake.base_url, "audio", 1.0, **AUDIO)
    assert job.queue_id and spend.estimated == 0.0 and spend.spent > 0.0
    quotes = [r.json() for r in fake.requests if r.path == "/audio/quote"]
    assert quotes == [{"model": AUDIO["model"], "duration_seconds": 60}] * 2
    assert paths(fake).count("/audio/queue") == 1


@pytest.mark.parametrize("twin", TWINS)
def test_a_failing_quote_is_its_typed_error_and_nothing_is_queued(fake: FakeVenice, twin: str) -> None:
    fake.script("POST", "/video/quote", Reply(400, json={"error": "duration not offered"}))
    error, _ = _queue(twin, "httpx", fake.base_url, "video", 5.0, **VIDEO)
    assert isinstance(error, BadRequestError), error
    assert paths(fake) == ["/video/quote"]


def test_generate_under_a_cap_quotes_once(fake: FakeVenice, tmp_path: Path) -> None:
    fake.script("POST", "/video/queue", Reply(json=QUEUED))
    fake.script(
        "POST", "/video/retrieve", Reply(body=b"\x00\x00\x00\x18ftypmp42" + bytes(64), content_type="video/mp4")
    )
    fake.script("POST", "/video/complete", Reply(json={"success": True}))
    with Venice(api_key="test-key", base_url=fake.base_url, max_usd=2.0, max_retries=0) as client:
        client.video.generate(path=tmp_path / "v.mp4", **VIDEO)
        assert client.spend.estimated == 0.0 and client.spend.spent > 0.0
    assert paths(fake) == ["/video/quote", "/video/queue", "/video/retrieve", "/video/complete"]
    queued = next(r for r in fake.requests if r.path == "/video/queue")
    assert not any(name.startswith("x-venice-ext") for name in queued.headers), "internal headers never leave"


def test_an_audio_model_priced_per_character_is_quoted_for_its_prompt() -> None:
    listing = [{"id": "tts-x", "model_spec": {"pricing": {"per_thousand_characters": {"usd": 0.3}}}}]
    body = {"model": "tts-x", "prompt": "twelve chars"}
    assert quote_body("/audio/queue", body, listing) == {"model": "tts-x", "character_count": 12}
    assert quote_body("/audio/queue", {**body, "character_count": 5}, listing)["character_count"] == 5
    assert "character_count" not in quote_body("/audio/queue", {**body, "model": "other"}, listing)


def test_the_quote_request_keeps_the_queue_requests_headers_and_base() -> None:
    from venice_ext._core._quotes import quote_request

    queue = httpx.Request("POST", "https://api.example/api/v1/video/queue", headers={"Authorization": "Bearer k"})
    quote = quote_request(queue, "/video/queue", {"model": "m", "duration": "5s"})
    assert str(quote.url) == "https://api.example/api/v1/video/quote"
    assert quote.headers["authorization"] == "Bearer k" and json.loads(quote.content) == {
        "model": "m",
        "duration": "5s",
    }
