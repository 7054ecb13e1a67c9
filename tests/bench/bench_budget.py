"""`make bench` rows for the failure budget's price: a healthy crowd against a slow server.

Every request in flight holds one of the budget's `limit` slots (so no crowd can make
Venice see more failures than `limit`); a crowd larger than `limit` therefore waits
for slots. Against a server answering after LATENCY seconds, CALLERS concurrent tasks
make CALLS requests each, with the default budget and with
`FailureBudget(reserve_in_flight=False)`, taking turns in each round; reported:
the median wall time of each and their ratio. The cap costs in proportion to
callers / limit once the latency dominates; a larger `limit` or the opt-out lifts it.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import Any

import venice_ext
from tests.bench._measure import alternating
from tests.support.raw_server import OK_MODELS, RawServer, reply
from venice_api.api.models import list_models
from venice_ext import AsyncVenice, FailureBudget

CALLERS = int(os.environ.get("BENCH_BUDGET_CALLERS", "64"))
CALLS = int(os.environ.get("BENCH_BUDGET_CALLS", "3"))
LATENCY = float(os.environ.get("BENCH_BUDGET_LATENCY", "0.05"))
ROUNDS = int(os.environ.get("BENCH_BUDGET_ROUNDS", "3"))


def _crowd(base_url: str, transport: str, budget: FailureBudget) -> float:
    async def run() -> float:
        extra: dict[str, Any] = {"transport": venice_ext.aiohttp_transport()} if transport == "aiohttp" else {}
        async with AsyncVenice(api_key="test-key", base_url=base_url, failure_budget=budget, **extra) as client:

            async def caller() -> None:
                for _ in range(CALLS):
                    await client.call(list_models)

            started = time.perf_counter()
            await asyncio.gather(*(caller() for _ in range(CALLERS)))
            return time.perf_counter() - started

    return asyncio.run(run())


def _runners(base_url: str, transport: str) -> dict[str, Callable[[], float]]:
    return {
        "reserving": lambda: _crowd(base_url, transport, FailureBudget()),
        "opt-out": lambda: _crowd(base_url, transport, FailureBudget(reserve_in_flight=False)),
    }


def main() -> None:
    print(
        f"failure budget: {CALLERS} concurrent tasks x {CALLS} calls, server latency {LATENCY * 1000:.0f} ms, "
        f"median of {ROUNDS} rounds"
    )
    for transport in ("httpx", "aiohttp"):
        # Each round is a fresh crowd; the raw server takes 2048 connections in all.
        with RawServer(("after", LATENCY, reply(200, OK_MODELS))) as server:
            times = alternating(_runners(server.base_url, transport), rounds=ROUNDS)
        ratio = times["reserving"] / times["opt-out"]
        print(
            f"  {transport:8s} reserving in flight (limit 15) {times['reserving']:6.2f} s   "
            f"reserve_in_flight=False {times['opt-out']:6.2f} s   ratio {ratio:4.2f}x"
        )


if __name__ == "__main__":
    main()
