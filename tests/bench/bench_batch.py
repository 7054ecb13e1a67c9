"""`make bench` rows for batches: 10,000 small chat requests through the async batch
against the fake with an enforced rate limit, default transport and aiohttp.

Venice's limits are per minute; a minute is scaled down to WINDOW seconds, and the
limit set (480 per 4 s: 120 requests/s) so a row takes under 90 s (BENCH_BATCH_PER_WINDOW
requests per window). The limit is the fake's own (a separate process, fixed windows,
429 past the limit); retries are off, so every 429 the server sent would reach the caller.

Reported per row: 429s that reached the caller; the time against the best a client could
do under that limit (a fixed window lets the first one's requests go at once, so the best
is the start of the last window needed: 80 s for 10,000 at 480 per 4 s); and memory: the results are consumed as
they finish (`aiter_batch`, as a pipeline of this size would), so resident memory should
stay flat: RSS after the first 10% of answers, at the end, and the peak. Each row runs in
its own process, so its peak RSS is its own.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import venice_ext
from tests.bench.fake_process import fake_server
from venice_ext import AsyncVenice
from venice_ext.batch import aiter_batch
from venice_ext.errors import RateLimitError

REQUESTS = int(os.environ.get("BENCH_BATCH_REQUESTS", "10000"))
PER_WINDOW = int(os.environ.get("BENCH_BATCH_PER_WINDOW", "480"))
WINDOW = float(os.environ.get("BENCH_BATCH_WINDOW", "4"))
CONCURRENCY = 100
TRANSPORTS = ("httpx", "aiohttp")


def _requests() -> Iterator[dict[str, Any]]:
    for i in range(REQUESTS):
        yield {
            "custom_id": str(i),
            "method": "POST",
            "url": "/chat/completions",
            "body": {"model": "venice-uncensored-1-2", "messages": [{"role": "user", "content": f"hi {i}"}]},
        }


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def _run(base_url: str, transport: str) -> dict[str, Any]:
    extra: dict[str, Any] = {"transport": venice_ext.aiohttp_transport()} if transport == "aiohttp" else {}
    answered = rate_limited = failed = 0
    early_rss = 0.0
    async with AsyncVenice(api_key="test-key", base_url=base_url, max_retries=0, **extra) as client:
        started, cpu_started = time.perf_counter(), time.process_time()
        async for result in aiter_batch(client.requester, _requests(), max_concurrency=CONCURRENCY):
            answered += 1
            rate_limited += isinstance(result.error, RateLimitError)
            failed += not result.ok
            if answered == REQUESTS // 10:
                early_rss = _rss_mb()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    return {
        "answered": answered,
        "elapsed": elapsed,
        "cpu": cpu,
        "rate_limited": rate_limited,
        "failed": failed,
        "early_rss": early_rss,
        "end_rss": _rss_mb(),
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _row(transport: str) -> None:
    """One row, in this process: its figures as one JSON line."""
    with fake_server("tests.bench.ratelimited_server", str(PER_WINDOW), str(WINDOW)) as base_url:
        print(json.dumps(asyncio.run(_run(base_url, transport))), flush=True)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--row":
        _row(sys.argv[2])
        return
    allowed = PER_WINDOW / WINDOW
    # The fixed window lets the first window's requests go at once: the best possible is the
    # start of the last window needed, (ceil(REQUESTS / PER_WINDOW) - 1) windows in.
    best = max(WINDOW, (math.ceil(REQUESTS / PER_WINDOW) - 1) * WINDOW)
    print(
        f"batch: {REQUESTS} chat requests through aiter_batch (concurrency {CONCURRENCY}), the fake's limit "
        f"{PER_WINDOW} per {WINDOW:g} s window (60 s scaled to {WINDOW:g} s): {allowed:.0f} requests/s allowed, "
        f"best possible {best:.1f} s  (goal: no 429 to the caller, >= 90% of allowed, flat memory)"
    )
    for transport in TRANSPORTS:
        child = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_batch", "--row", transport],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(child.stdout.strip().splitlines()[-1])
        elapsed = row["elapsed"]
        share = best / elapsed
        ok = row["rate_limited"] == 0 and row["failed"] == 0 and row["answered"] == REQUESTS and share >= 0.9
        figures = f"{elapsed:6.1f} s  {REQUESTS / elapsed:6.1f} req/s  {share:6.1%} of allowed"
        errors = f"429s to caller {row['rate_limited']}  failed {row['failed']}"
        rss = row["early_rss"], row["end_rss"], row["peak_rss"]
        memory = "RSS {:.0f} MB at 10% -> {:.0f} MB at end, peak {:.0f} MB".format(*rss)
        load = f"client CPU {row['cpu'] / elapsed:4.0%} of wall"
        verdict = "ok" if ok else "BELOW TARGET"
        print(f"  {transport:8s} {figures}  {errors}  {load}  {memory}  {verdict}", flush=True)


if __name__ == "__main__":
    main()
