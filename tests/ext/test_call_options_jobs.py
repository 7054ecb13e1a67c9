"""Per-call options on the hand-written job methods reach the wire and the parse, on both twins.

`video.quote`, `video.queue`, `audio.quote`, `audio.queue`, `video.generate` and
`audio.generate` against the fake server: extra headers and query parameters arrive,
`max_retries=0` stops the retry the default makes after a 429, `strict_parsing=True` turns
a drifted answer into ResponseValidationError, `timeout` ends a stalled answer,
`retry_ambiguous=True` resends a queue whose connection was reset after the server read it
(never resent by default).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ext.conftest import API_KEY, FakeClock
from venice_ext import AsyncVenice, Venice, aiohttp_transport
from venice_ext import errors as e
from venice_ext.testing import FakeVenice, Reply, Reset, Stall
from venice_ext.testing._canned_media import TINY_MP3, TINY_MP4

VIDEO = {"model": "wan-2.5-preview-text-to-video", "prompt": "Dawn over the lagoon", "duration": "5s"}
QUOTE_VIDEO = {"model": "wan-2.5-preview-text-to-video", "duration": "5s"}
AUDIO = {"model": "elevenlabs-music", "prompt": "A calm piano piece"}
QUOTE_AUDIO = {"model": "elevenlabs-music", "duration_seconds": 30}
RATE_LIMITED = Reply(429, json={"error": "Rate limit exceeded"}, headers={"Retry-After": "1"})
DRIFTED = Reply(json={"quote": "one dollar", "model": 7, "queue_id": 7})
PROBE = {"extra_headers": {"X-Probe": "header"}, "extra_query": {"probe": "query"}}

SyncCall = Callable[[Venice, dict[str, Any]], object]
AsyncCall = Callable[[AsyncVenice, dict[str, Any]], Awaitable[object]]

# (method path, sync call, async call): each call takes the options under test.
CASES: dict[str, tuple[str, SyncCall, AsyncCall]] = {
    "video.quote": (
        "/video/quote",
        lambda client, options: client.video.quote(**options, **QUOTE_VIDEO),
        lambda client, options: client.video.quote(**options, **QUOTE_VIDEO),
    ),
    "video.queue": (
        "/video/queue",
        lambda client, options: client.video.queue(**options, **VIDEO),
        lambda client, options: client.video.queue(**options, **VIDEO),
    ),
    "audio.quote": (
        "/audio/quote",
        lambda client, options: client.audio.quote(**options, **QUOTE_AUDIO),
        lambda client, options: client.audio.quote(**options, **QUOTE_AUDIO),
    ),
    "audio.queue": (
        "/audio/queue",
        lambda client, options: client.audio.queue(**options, **AUDIO),
        lambda client, options: client.audio.queue(**options, **AUDIO),
    ),
}


def _transport(twin: str) -> Any:
    return aiohttp_transport() if twin == "async-aiohttp" else None


def _run(twin: str, fake: FakeVenice, clock: FakeClock, case: str, options: dict[str, Any]) -> object:
    _, sync_call, async_call = CASES[case]
    if twin == "sync":
        with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            return sync_call(client, options)

    async def main() -> object:
        async with AsyncVenice(
            api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks(), transport=_transport(twin)
        ) as client:
            return await async_call(client, options)

    return asyncio.run(main())


TWINS = pytest.mark.parametrize("twin", ["sync", "async", "async-aiohttp"])
METHODS = pytest.mark.parametrize("case", sorted(CASES))


@TWINS
@METHODS
def test_extra_headers_and_query_arrive(twin: str, case: str, fake: FakeVenice, clock: FakeClock) -> None:
    _run(twin, fake, clock, case, PROBE)
    (sent,) = fake.requests_to("POST", CASES[case][0])
    assert sent.headers["x-probe"] == "header" and sent.query == "probe=query"


@TWINS
@METHODS
def test_max_retries_0_stops_the_retry_the_default_makes(
    twin: str, case: str, fake: FakeVenice, clock: FakeClock
) -> None:
    path = CASES[case][0]
    fake.script("POST", path, RATE_LIMITED)
    _run(twin, fake, clock, case, {})
    assert len(fake.requests_to("POST", path)) == 2
    fake.script("POST", path, RATE_LIMITED)
    with pytest.raises(e.RateLimitError):
        _run(twin, fake, clock, case, {"max_retries": 0})
    assert len(fake.requests_to("POST", path)) == 3


@TWINS
@METHODS
def test_strict_parsing_raises_on_a_drifted_answer(twin: str, case: str, fake: FakeVenice, clock: FakeClock) -> None:
    fake.script("POST", CASES[case][0], DRIFTED)
    with pytest.raises(e.ResponseValidationError) as caught:
        _run(twin, fake, clock, case, {"strict_parsing": True})
    assert caught.value.status_code == 200 and b"one dollar" in caught.value.body


@TWINS
@METHODS
def test_timeout_ends_a_stalled_answer(twin: str, case: str, fake: FakeVenice, clock: FakeClock) -> None:
    fake.script("POST", CASES[case][0], Stall(0.5))
    with pytest.raises((e.APITimeoutError, e.QueueOutcomeUnknownError)) as caught:
        _run(twin, fake, clock, case, {"timeout": 0.05, "max_retries": 0})
    # A queue that timed out may have been billed: that is said, with the timeout as the cause.
    timed_out = caught.value.error if isinstance(caught.value, e.QueueOutcomeUnknownError) else caught.value
    assert isinstance(timed_out, e.APITimeoutError) and "read timeout" in str(timed_out)


@TWINS
@METHODS
def test_deadline_bounds_the_retries(twin: str, case: str, fake: FakeVenice, clock: FakeClock) -> None:
    path = CASES[case][0]
    fake.script("POST", path, Reply(429, json={"error": "slow down"}, headers={"Retry-After": "5"}))
    with pytest.raises(e.APITimeoutError) as caught:
        _run(twin, fake, clock, case, {"deadline": 3.0})
    assert "deadline" in str(caught.value) and len(fake.requests_to("POST", path)) == 1


@TWINS
@pytest.mark.parametrize("case", ["video.queue", "audio.queue"])
def test_retry_ambiguous_resends_a_queue_the_default_never_resends(
    twin: str, case: str, fake: FakeVenice, clock: FakeClock
) -> None:
    path = CASES[case][0]
    fake.script("POST", path, Reset(read_body=True))
    with pytest.raises(e.QueueOutcomeUnknownError):
        _run(twin, fake, clock, case, {})
    assert len(fake.requests_to("POST", path)) == 1
    fake.script("POST", path, Reset(read_body=True))
    _run(twin, fake, clock, case, {"retry_ambiguous": True})
    assert len(fake.requests_to("POST", path)) == 3


# kind: (parameters, file name, what the finished job's retrieve answers)
GENERATE: dict[str, tuple[dict[str, Any], str, Reply]] = {
    "video": (VIDEO, "v.mp4", Reply(body=TINY_MP4, content_type="video/mp4")),
    "audio": (AUDIO, "a.mp3", Reply(body=TINY_MP3, content_type="audio/mpeg")),
}
KINDS = pytest.mark.parametrize("kind", sorted(GENERATE))


def _generate(
    twin: str, kind: str, fake: FakeVenice, clock: FakeClock, target: Path, options: dict[str, Any]
) -> object:
    params = GENERATE[kind][0]
    if twin == "sync":
        with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            return getattr(client, kind).generate(path=target, **options, **params)

    async def main() -> object:
        async with AsyncVenice(
            api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks(), transport=_transport(twin)
        ) as client:
            return await getattr(client, kind).generate(path=target, **options, **params)

    return asyncio.run(main())


@TWINS
@KINDS
def test_generate_sends_its_options_with_the_quote_and_the_queue(
    twin: str, kind: str, fake: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    _, name, finished = GENERATE[kind]
    fake.script("POST", f"/{kind}/retrieve", finished)
    _generate(twin, kind, fake, clock, tmp_path / name, PROBE)
    for path in (f"/{kind}/quote", f"/{kind}/queue"):
        (sent,) = fake.requests_to("POST", path)
        assert sent.headers["x-probe"] == "header" and sent.query == "probe=query"
    assert (tmp_path / name).read_bytes() == finished.body


@TWINS
@KINDS
def test_generate_max_retries_strict_parsing_and_deadline_apply_to_its_requests(
    twin: str, kind: str, fake: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    target = tmp_path / GENERATE[kind][1]
    fake.script("POST", f"/{kind}/quote", RATE_LIMITED)
    with pytest.raises(e.RateLimitError):
        _generate(twin, kind, fake, clock, target, {"max_retries": 0})
    fake.script("POST", f"/{kind}/queue", DRIFTED)
    with pytest.raises(e.ResponseValidationError):
        _generate(twin, kind, fake, clock, target, {"strict_parsing": True})
    fake.script("POST", f"/{kind}/quote", Reply(429, json={"error": "slow down"}, headers={"Retry-After": "5"}))
    with pytest.raises(e.APITimeoutError):
        _generate(twin, kind, fake, clock, target, {"deadline": 3.0})
    assert len(fake.requests_to("POST", f"/{kind}/quote")) == 3
    assert len(fake.requests_to("POST", f"/{kind}/queue")) == 1 and not target.exists()


@TWINS
@KINDS
def test_generate_retry_ambiguous_resends_the_queue(
    twin: str, kind: str, fake: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    _, name, finished = GENERATE[kind]
    fake.script("POST", f"/{kind}/queue", Reset(read_body=True))
    fake.script("POST", f"/{kind}/retrieve", finished)
    _generate(twin, kind, fake, clock, tmp_path / name, {"retry_ambiguous": True})
    assert len(fake.requests_to("POST", f"/{kind}/queue")) == 2
