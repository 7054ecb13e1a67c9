"""Batches: the rate gate's decisions (properties), input lines, and runs against a rate-limited fake."""

from __future__ import annotations

import asyncio
import heapq
import json
import random
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import venice_ext
from venice_ext import AsyncVenice, Venice
from venice_ext._core._limits import RateLimits
from venice_ext.batch import RateGate, parse_request, run_batch
from venice_ext.errors import NotFoundError, RequestValidationError
from venice_ext.testing import FakeVenice, RateLimit, Reply

LIMIT = 60
WINDOW = 1.0  # 60 requests per minute, scaled down to a second


def chat(i: int) -> dict[str, Any]:
    return {
        "custom_id": f"req-{i}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "venice-uncensored-1-2", "messages": [{"role": "user", "content": f"hi {i}"}]},
    }


# -- the gate -----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(1, 50),
    concurrency=st.integers(1, 20),
    latencies=st.lists(st.floats(0.001, 0.5), min_size=1, max_size=120),
    skew=st.floats(-0.015, 0.015),
)
def test_gate_never_sends_past_a_fixed_window_limit(
    limit: int, concurrency: int, latencies: list[float], skew: float
) -> None:
    """Simulated server with a fixed window counting each request as it is sent (answers
    take `latency`, in any order): the gate never sends one past the limit."""
    gate = RateGate(concurrency)
    window = 1.0
    now = 1_700_000_000.0  # reset headers are Unix timestamps
    server_window_start: float | None = None
    used = 0
    out: list[tuple[float, RateLimits]] = []  # answer time, headers
    to_send = list(latencies)
    while to_send or out:
        pause = gate.wait(now)
        if to_send and pause == 0:
            latency = to_send.pop()
            arrival = now
            if server_window_start is None or arrival >= server_window_start + window:
                server_window_start, used = arrival, 0
            assert used < limit, "a request past the limit was sent"
            used += 1
            reset_at = server_window_start + window + skew
            out.append(
                (
                    now + latency,
                    RateLimits(limit_requests=limit, remaining_requests=limit - used, reset_requests_at=reset_at),
                )
            )
            gate.dispatched()
            continue
        assert out or pause < float("inf"), "the gate waits for an answer while none is out"
        next_answer = min(out, key=lambda entry: entry[0])[0] if out else float("inf")
        if to_send and pause < float("inf") and now + pause < next_answer:
            now += pause
            continue
        out.sort(key=lambda entry: entry[0])
        answered_at, limits = out.pop(0)
        now = answered_at
        gate.answered(limits, now)


class _SimulatedServer:
    """A fixed window anchored at the first request after the last one expired (as the fake's),
    counting each request when it arrives: `uplink` after its dispatch, answered `downlink` later."""

    def __init__(self, limit: int, window: float, skew: float) -> None:
        self.limit, self.window, self.skew = limit, window, skew
        self.window_start: float | None = None
        self.counts: list[int] = []  # requests counted per window, in order
        self.rejected = 0

    def arrive(self, now: float) -> RateLimits:
        if self.window_start is None or now >= self.window_start + self.window:
            self.window_start = now
            self.counts.append(0)
        if self.counts[-1] >= self.limit:
            self.rejected += 1
        else:
            self.counts[-1] += 1
        reset_at = self.window_start + self.window + self.skew
        return RateLimits(
            limit_requests=self.limit, remaining_requests=self.limit - self.counts[-1], reset_requests_at=reset_at
        )


def _simulate(gate: RateGate, server: _SimulatedServer, latencies: list[tuple[float, float]]) -> None:
    """Run `latencies` (uplink, downlink) through the gate against `server`, in simulated time."""
    now = 1_700_000_000.0  # reset headers are Unix timestamps
    events: list[tuple[float, int, str, Any]] = []  # time, tie-breaker, kind, payload
    to_send = list(latencies)
    order = 0
    while to_send or events:
        pause = gate.wait(now)
        if to_send and pause == 0:
            uplink, downlink = to_send.pop()
            gate.dispatched()
            heapq.heappush(events, (now + uplink, order, "arrive", downlink))
            order += 1
            continue
        assert events or pause < float("inf"), "the gate waits for an answer while none is out"
        if to_send and pause < float("inf") and (not events or now + pause < events[0][0]):
            now += pause
            continue
        now, _, kind, payload = heapq.heappop(events)
        if kind == "arrive":
            heapq.heappush(events, (now + payload, order, "answer", server.arrive(now)))
            order += 1
        else:
            gate.answered(payload, now)


@settings(max_examples=300, deadline=None)
@given(
    limit=st.integers(1, 50),
    concurrency=st.integers(1, 20),
    latencies=st.lists(st.tuples(st.floats(0.0005, 0.3), st.floats(0.0005, 0.3)), min_size=1, max_size=150),
    skew=st.floats(-0.015, 0.015),
)
def test_gate_never_sends_past_the_limit_when_requests_land_after_a_reset(
    limit: int, concurrency: int, latencies: list[tuple[float, float]], skew: float
) -> None:
    """Requests still travelling when the window resets land in the next one: no 429 either way."""
    server = _SimulatedServer(limit, 1.0, skew)
    _simulate(RateGate(concurrency), server, latencies)
    assert server.rejected == 0, f"{server.rejected} requests past the limit were sent"


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(1, 60),
    concurrency=st.integers(1, 40),
    latencies=st.lists(st.tuples(st.floats(0.0005, 0.004), st.floats(0.0005, 0.02)), min_size=1, max_size=200),
)
def test_gate_fills_every_window_to_the_limit(
    limit: int, concurrency: int, latencies: list[tuple[float, float]]
) -> None:
    """Answers back well inside the window: every window but the last carries exactly `limit`
    requests (a gate that only lowers its allowance leaves about `concurrency` of each unsent)."""
    server = _SimulatedServer(limit, 10.0, 0.0)
    _simulate(RateGate(concurrency), server, latencies)
    assert server.rejected == 0
    assert server.counts[:-1] == [limit] * (len(server.counts) - 1)
    assert sum(server.counts) == len(latencies)


@pytest.mark.parametrize(("uplink", "downlink"), [(0.002, 0.002), (0.0005, 0.02), (0.02, 0.0005)])
def test_gate_fills_windows_at_the_bench_scale(uplink: float, downlink: float) -> None:
    """480 per window at concurrency 100 with answers out of order: the loss the property
    above rarely finds at small sizes (an allowance only lowered left ~20% of each unsent)."""
    rng = random.Random(17)
    latencies = [(rng.uniform(0.0001, uplink), rng.uniform(0.0001, downlink)) for _ in range(3000)]
    server = _SimulatedServer(480, 4.0, 0.0)
    _simulate(RateGate(100), server, latencies)
    assert server.rejected == 0
    assert server.counts == [480] * 6 + [120]


@given(st.integers(1, 30), st.integers(0, 40))
def test_gate_bounds_concurrency_without_headers(concurrency: int, extra: int) -> None:
    gate = RateGate(concurrency)
    gate.dispatched()
    gate.answered(None, 0.0)
    for _ in range(concurrency):
        assert gate.wait(0.0) == 0
        gate.dispatched()
    assert gate.wait(0.0) == float("inf")
    gate.answered(RateLimits(), 0.0)
    assert gate.wait(0.0) == 0


def test_gate_probes_once_then_waits_for_the_reset() -> None:
    t0 = 1_700_000_000.0
    gate = RateGate(8)
    gate.dispatched()
    assert gate.wait(t0) == float("inf")
    gate.answered(RateLimits(limit_requests=2, remaining_requests=1, reset_requests_at=t0 + 10), t0 + 1)
    assert gate.wait(t0 + 1) == 0
    gate.dispatched()
    assert gate.wait(t0 + 1) == pytest.approx(9.02)
    assert gate.wait(t0 + 10.1) == 0  # refilled: the limit less the one still out
    gate.dispatched()
    assert gate.wait(t0 + 10.1) == float("inf")  # spent again, with no word on the next reset
    gate.answered(RateLimits(limit_requests=2, remaining_requests=0, reset_requests_at=t0 + 20), t0 + 10.2)
    assert gate.wait(t0 + 10.2) == pytest.approx(9.82)


def test_gate_reads_a_small_reset_as_seconds() -> None:
    gate = RateGate(8)
    gate.dispatched()
    gate.answered(RateLimits(limit_requests=5, remaining_requests=0, reset_requests_at=3.0), 100.0)
    assert gate.wait(100.0) == pytest.approx(3.02)


def test_gate_tokens_window() -> None:
    gate = RateGate(8)
    gate.dispatched(100)
    gate.answered(RateLimits(limit_tokens=1000, remaining_tokens=150, reset_tokens_in=5.0), 1.0, tokens=100)
    assert gate.wait(1.0, tokens=100) == 0
    gate.dispatched(100)
    assert gate.wait(1.0, tokens=100) == pytest.approx(5.02)


def test_gate_keeps_the_lowest_remaining_when_a_seconds_reset_drifts_within_a_window() -> None:
    """`x-ratelimit-reset-tokens` is seconds from the answer, so a later answer of the same
    window announces a later reset: it is no new window, and its staler `remaining` is no news."""
    gate = RateGate(8)
    for _ in range(3):
        gate.dispatched(100)
    gate.answered(RateLimits(limit_tokens=1000, remaining_tokens=500, reset_tokens_in=5.0), 1.0, tokens=100)
    gate.answered(RateLimits(limit_tokens=1000, remaining_tokens=700, reset_tokens_in=4.95), 1.1, tokens=100)
    # 500 left, 100 still out: 400 may go, not 600.
    assert gate.wait(1.1, tokens=400) == 0
    assert gate.wait(1.1, tokens=401) > 0


def test_gate_refuses_zero_concurrency() -> None:
    with pytest.raises(ValueError):
        RateGate(0)


# -- input lines --------------------------------------------------------------------------


def test_batch_input_forms() -> None:
    line = parse_request(chat(3), 3)
    assert (line.custom_id, line.method, line.path) == ("req-3", "POST", "/chat/completions")
    bare = parse_request({"model": "m", "messages": []}, 7)
    assert (bare.custom_id, bare.path) == ("7", "/chat/completions")
    embeddings = parse_request({"custom_id": "e", "method": "POST", "url": "/embeddings", "body": {}}, 0)
    assert embeddings.resolve()[0].PATH == "/embeddings"
    for bad in (
        {"url": "/nope", "method": "POST"},
        {"custom_id": "x"},
        [1],
        {"url": "chat", "body": {}},
        {"url": "/chat/completions", "body": {"stream": True}},
        {"url": "/models", "bogus": 1},
    ):
        with pytest.raises(RequestValidationError):
            parse_request(bad, 0)


# -- against the fake ---------------------------------------------------------------------

TRANSPORTS = ["httpx", "aiohttp"]


@pytest.fixture
def limited() -> Any:
    with FakeVenice(rate_limit=RateLimit(requests=LIMIT, window=WINDOW)) as fake:
        yield fake


def test_sync_batch_at_60_per_minute_never_sees_a_429(limited: FakeVenice) -> None:
    with Venice(api_key="test-key", base_url=limited.base_url, max_retries=0) as client:
        results = client.batch([chat(i) for i in range(150)], max_concurrency=8)
    assert [r.custom_id for r in results] == [f"req-{i}" for i in range(150)]
    assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
    assert limited.rate_limit is not None and limited.rate_limit.rejected == 0
    assert len(limited.requests_to("POST", "/chat/completions")) == 150


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_async_batch_at_60_per_minute_never_sees_a_429(limited: FakeVenice, transport: str) -> None:
    async def main() -> list[Any]:
        extra: dict[str, Any] = {"transport": venice_ext.aiohttp_transport()} if transport == "aiohttp" else {}
        async with AsyncVenice(api_key="test-key", base_url=limited.base_url, max_retries=0, **extra) as client:
            return await client.batch([chat(i) for i in range(150)], max_concurrency=16)

    results = asyncio.run(main())
    assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
    assert [r.index for r in results] == list(range(150))
    assert limited.rate_limit is not None and limited.rate_limit.rejected == 0


def test_fake_rate_limit_answers_429_past_the_limit() -> None:
    with FakeVenice(rate_limit=RateLimit(requests=2, tokens=10_000, window=60.0)) as fake:
        headers = {"Authorization": "Bearer test-key"}
        answers = [httpx.get(fake.base_url + "/models", headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["x-ratelimit-remaining-requests"] for a in answers] == ["1", "0", "0"]
    assert answers[0].headers["x-ratelimit-limit-tokens"] == "10000"
    assert 0 < int(answers[2].headers["retry-after"]) <= 60
    assert float(answers[0].headers["x-ratelimit-reset-requests"]) > 1_000_000_000


def test_failures_fill_their_slot_and_stop_on_error(fake: FakeVenice) -> None:
    fake.script("POST", "/chat/completions", Reply(404, json={"error": "no such model"}))
    with Venice(api_key="test-key", base_url=fake.base_url, max_retries=0) as client:
        results = run_batch(client.requester, [chat(i) for i in range(5)], max_concurrency=1)
        assert isinstance(results[0].error, NotFoundError)
        assert all(r.ok for r in results[1:])
        line = json.loads(results[0].to_line())
        assert line["error"]["status_code"] == 404 and line["response"] is None
        fake.script("POST", "/chat/completions", Reply(404, json={"error": "no such model"}))
        stopped = run_batch(client.requester, [chat(i) for i in range(5)], max_concurrency=1, stop_on_error=True)
    assert len(stopped) == 1
