"""`make bench` rows for batches: 10,000 small chat requests through the async batch
against the fake with an enforced rate limit, default transport and aiohttp.

Venice's limits are per minute; a minute is scaled down to WINDOW seconds, and the
limit set (480 per 4 s: 120 requests/s) so a row takes under 90 s (BENCH_BATCH_PER_WINDOW requests
per window). Reported: 429s that reached the caller (retries are off, so every 429
the server sent would), the achieved rate as a share of the allowed one, peak RSS.
"""

from __future__ import annotations

import asyncio
import os
import resource
import time
from typing import Any

import venice_ext
from tests.bench.fake_process import fake_server
from venice_ext import AsyncVenice
from venice_ext.errors import RateLimitError

REQUESTS = int(os.environ.get("BENCH_BATCH_REQUESTS", "10000"))
PER_WINDOW = int(os.environ.get("BENCH_BATCH_PER_WINDOW", "480"))
WINDOW = float(os.environ.get("BENCH_BATCH_WINDOW", "4"))


def _requests() -> list[dict[str, Any]]:
    return [
        {
            "custom_id": str(i),
            "method": "POST",
            "url": "/chat/completions",
            "body": {"model": "venice-uncensored-1-2", "messages": [{"role": "user", "content": f"hi {i}"}]},
        }
        for i in range(REQUESTS)
    ]


async def _run(base_url: str, transport: str) -> tuple[float, float, int, int]:
    extra: dict[str, Any] = {"transport": venice_ext.aiohttp_transport()} if transport == "aiohttp" else {}
    async with AsyncVenice(api_key="test-key", base_url=base_url, max_retries=0, **extra) as client:
        started, cpu_started = time.perf_counter(), time.process_time()
        results = await client.batch(_requests(), max_concurrency=100)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    rate_limited = sum(isinstance(r.error, RateLimitError) for r in results)
    failed = sum(not r.ok for r in results)
    return elapsed, cpu, rate_limited, failed


def main() -> None:
    allowed = PER_WINDOW / WINDOW
    print(
        f"batch: {REQUESTS} chat requests, limit {PER_WINDOW} per {WINDOW:.0f} s window "
        f"(60 s scaled to {WINDOW:.0f} s), {allowed:.0f} requests/s allowed"
    )
    for transport in ("httpx", "aiohttp"):
        with fake_server("tests.bench.ratelimited_server", str(PER_WINDOW), str(WINDOW)) as base_url:
            elapsed, cpu, rate_limited, failed = asyncio.run(_run(base_url, transport))
        # The first window's requests go out at once, so the best possible time is one
        # window short of REQUESTS / allowed.
        best = max(WINDOW, (REQUESTS / PER_WINDOW - 1) * WINDOW)
        share = best / elapsed
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        verdict = "ok" if rate_limited == 0 and failed == 0 and share >= 0.9 else "BELOW TARGET"
        figures = f"{elapsed:6.1f} s  {REQUESTS / elapsed:6.1f} req/s  {share:6.1%} of allowed"
        load = f"client CPU {cpu / elapsed:4.0%} of wall  peak RSS {rss_mb:.0f} MB"
        print(f"  {transport:8s} {figures}  429s to caller {rate_limited}  failed {failed}  {load}  {verdict}")


if __name__ == "__main__":
    main()
