"""Per-call options on `client.billing.export_usage_history` reach the wire, on both twins.

Against the fake Venice's CSV answer: extra headers and query parameters arrive with the
CSV's Accept header kept, `max_retries=0` stops the retry the default makes after a 429,
`timeout` ends a stalled answer, `deadline` bounds the retries; the file only appears
once whole, so a failed export leaves nothing behind.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.ext.conftest import API_KEY, FakeClock
from venice_ext import AsyncVenice, Venice, aiohttp_transport
from venice_ext import errors as e
from venice_ext.testing import FakeVenice, Reply, Stall
from venice_ext.testing._canned import ALTERNATES

PATH = "/billing/usage-history"
RATE_LIMITED = Reply(429, json={"error": "Rate limit exceeded"}, headers={"Retry-After": "1"})
TWINS = pytest.mark.parametrize("twin", ["sync", "async", "async-aiohttp"])


@pytest.fixture(autouse=True)
def _csv_answers(fake: FakeVenice) -> None:
    fake.set_default("GET", PATH, ALTERNATES[("GET", PATH)]["text/csv"])


def _export(twin: str, fake: FakeVenice, clock: FakeClock, target: Path, **options: Any) -> Path:
    if twin == "sync":
        with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            return client.billing.export_usage_history(target, currency="USD", **options)

    async def main() -> Path:
        transport = aiohttp_transport() if twin == "async-aiohttp" else None
        async with AsyncVenice(
            api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks(), transport=transport
        ) as client:
            return await client.billing.export_usage_history(target, currency="USD", **options)

    return asyncio.run(main())


@TWINS
def test_extra_headers_and_query_arrive_with_the_csv_accept(
    twin: str, fake: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    target = _export(twin, fake, clock, tmp_path / "usage.csv", extra_headers={"X-Probe": "h"}, extra_query={"p": "q"})
    (sent,) = fake.requests_to("GET", PATH)
    assert sent.headers["x-probe"] == "h" and sent.headers["accept"] == "text/csv"
    assert "p=q" in sent.query and "currency=USD" in sent.query
    assert target.read_text().count("\n") >= 1


@TWINS
def test_max_retries_timeout_and_deadline(twin: str, fake: FakeVenice, clock: FakeClock, tmp_path: Path) -> None:
    target = tmp_path / "usage.csv"
    fake.script("GET", PATH, RATE_LIMITED)
    _export(twin, fake, clock, target)
    assert len(fake.requests_to("GET", PATH)) == 2
    target.unlink()
    fake.script("GET", PATH, RATE_LIMITED)
    with pytest.raises(e.RateLimitError):
        _export(twin, fake, clock, target, max_retries=0)
    fake.script("GET", PATH, Stall(0.5))
    with pytest.raises(e.APITimeoutError):
        _export(twin, fake, clock, target, timeout=0.05, max_retries=0)
    fake.script("GET", PATH, Reply(429, json={"error": "slow down"}, headers={"Retry-After": "5"}))
    with pytest.raises(e.APITimeoutError) as caught:
        _export(twin, fake, clock, target, deadline=3.0)
    assert "deadline" in str(caught.value)
    assert len(fake.requests_to("GET", PATH)) == 5 and not target.exists()
