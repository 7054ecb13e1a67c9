"""`make bench`, streaming rows: typed venice_ext streams against raw httpx and openai-python.

Raw httpx is `client.stream` + `iter_lines` + `json.loads` per `data:` line: the least
any client must do. The server (tests/bench/stream_server.py, its own process) sends
Venice-shaped chunks in three framings: bursts (48 KiB writes, many events per read),
one event per write, and a 1 ms trickle. Rows:

- client CPU per chunk, per framing, sync and async;
- added time to first token: from the call to the caller holding the first chunk
  (which the server sends at once, then pauses 20 ms), less raw httpx's; the same
  server and connection for all, so the difference is the client's own. A single
  gap is wall time, which other jobs on a shared machine stretch at random: the row
  takes TTFT_ROUNDS rounds in alternating order (raw httpx and venice_ext always run
  next to each other), and reports the median of the per-round differences, not
  the difference of two medians. (A stamp on the monotonic clock shared by the
  processes read negative gaps on these VMs.)
- connections opened for 10 sequential streams (keep-alive after a drained stream);
- memory growth per chunk over 100 000 chunks iterated without final().
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx

from tests.bench._measure import ROUNDS, Rows, alternating, bench_server, show
from venice_ext import AsyncVenice, Venice

KEY = "test-key"
MESSAGES = [{"role": "user", "content": "Tell me a long story."}]
FRAMINGS = {"burst": "burst-2000", "one event per write": "event-2000", "1 ms trickle": "trickle-300"}
GOALS = {"burst": "venice_ext <= 0.7x raw httpx", "one event per write": "venice_ext <= 0.95x raw httpx"}
TTFT = "ttft-20"
TTFT_ROUNDS = int(os.environ.get("BENCH_TTFT_ROUNDS", "61"))
StreamFactory = Callable[[str], Iterator[Any]]
AsyncStreamFactory = Callable[[str], AsyncIterator[Any]]


def sync_clients(base_url: str) -> dict[str, StreamFactory]:
    """For each client, a function of the scenario returning an iterator over its chunks."""
    from openai import OpenAI

    raw = httpx.Client(base_url=base_url + "/", headers={"Authorization": f"Bearer {KEY}"})
    venice = Venice(api_key=KEY, base_url=base_url)
    openai_client = OpenAI(api_key=KEY, base_url=base_url, max_retries=0)

    def run_raw(model: str) -> Iterator[Any]:
        body = {"model": model, "messages": MESSAGES, "stream": True}
        with raw.stream("POST", "chat/completions", json=body) as response:
            for line in response.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    yield json.loads(line[6:])

    def run_venice(model: str) -> Iterator[Any]:
        with venice.chat.completions.stream(model=model, messages=MESSAGES) as stream:
            yield from stream

    def run_openai(model: str) -> Iterator[Any]:
        yield from openai_client.chat.completions.create(model=model, messages=MESSAGES, stream=True)  # type: ignore[call-overload]

    return {"raw httpx": run_raw, "venice_ext": run_venice, "openai": run_openai}


def async_clients(base_url: str) -> dict[str, AsyncStreamFactory]:
    from openai import AsyncOpenAI

    raw = httpx.AsyncClient(base_url=base_url + "/", headers={"Authorization": f"Bearer {KEY}"})
    venice = AsyncVenice(api_key=KEY, base_url=base_url)
    openai_client = AsyncOpenAI(api_key=KEY, base_url=base_url, max_retries=0)

    async def run_raw(model: str) -> AsyncIterator[Any]:
        body = {"model": model, "messages": MESSAGES, "stream": True}
        async with raw.stream("POST", "chat/completions", json=body) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    yield json.loads(line[6:])

    async def run_venice(model: str) -> AsyncIterator[Any]:
        async with await venice.chat.completions.stream(model=model, messages=MESSAGES) as stream:
            async for item in stream:
                yield item

    async def run_openai(model: str) -> AsyncIterator[Any]:
        stream = await openai_client.chat.completions.create(model=model, messages=MESSAGES, stream=True)  # type: ignore[call-overload]
        async for item in stream:
            yield item

    return {"raw httpx": run_raw, "venice_ext": run_venice, "openai": run_openai}


def _added(samples: dict[str, list[float]]) -> dict[str, float]:
    """Per client, the median over rounds of its gap less raw httpx's in the same round."""
    base = samples["raw httpx"]
    return {
        name: statistics.median(gap - raw for gap, raw in zip(values, base, strict=True))
        for name, values in samples.items()
        if name != "raw httpx"
    }


def cpu_per_chunk(clients: dict[str, StreamFactory], model: str) -> dict[str, float]:
    def runner(run: StreamFactory) -> Callable[[], float]:
        def measure() -> float:
            started = time.process_time()
            count = sum(1 for _ in run(model))
            return (time.process_time() - started) / count

        return measure

    for run in clients.values():  # warm the pools and the code paths
        sum(1 for _ in run(model))
    return alternating({name: runner(run) for name, run in clients.items()})


def first_token_gap(clients: dict[str, StreamFactory]) -> dict[str, list[float]]:
    def runner(run: StreamFactory) -> Callable[[], float]:
        def measure() -> float:
            started = time.perf_counter()
            iterator = run(TTFT)
            next(iterator)
            gap = time.perf_counter() - started
            for _ in iterator:
                pass
            return gap

        return measure

    for run in clients.values():
        sum(1 for _ in run(TTFT))
    return alternating({name: runner(run) for name, run in clients.items()}, TTFT_ROUNDS).samples


async def _async_rows(base_url: str) -> tuple[dict[str, dict[str, float]], dict[str, list[float]]]:
    clients = async_clients(base_url)

    async def cpu(run: AsyncStreamFactory, model: str) -> float:
        started, count = time.process_time(), 0
        async for _ in run(model):
            count += 1
        return (time.process_time() - started) / count

    async def gap(run: AsyncStreamFactory) -> float:
        started, first = time.perf_counter(), 0.0
        async for _ in run(TTFT):
            first = first or time.perf_counter() - started
        return first

    async def alternate(measure: Callable[[AsyncStreamFactory], Any], rounds: int) -> dict[str, list[float]]:
        names = list(clients)
        samples: dict[str, list[float]] = {name: [] for name in names}
        for index in range(rounds):
            for name in names if index % 2 == 0 else reversed(names):
                samples[name].append(await measure(clients[name]))
        return samples

    per_framing = {}
    for framing, model in FRAMINGS.items():
        for run in clients.values():
            await cpu(run, model)
        per_framing[framing] = Rows(await alternate(lambda run, model=model: cpu(run, model), ROUNDS))
    for run in clients.values():
        await gap(run)
    return per_framing, await alternate(gap, TTFT_ROUNDS)


def connections_for_ten_streams(base_url: str, names: list[str]) -> dict[str, float]:
    results: dict[str, float] = {}
    for name in names:
        before = int(httpx.get(f"{base_url}/connections").text)
        fresh = sync_clients(base_url)[name]  # a new pool: its first stream opens the one connection
        for _ in range(10):
            for _ in fresh("burst-200"):
                pass
        results[name] = int(httpx.get(f"{base_url}/connections").text) - before - 1  # less our own GET
    return results


def memory_per_chunk(base_url: str) -> dict[str, float]:
    venice = Venice(api_key=KEY, base_url=base_url)
    gc.collect()
    tracemalloc.start()
    with venice.chat.completions.stream(model="tiny-100000", messages=MESSAGES) as stream:
        iterator = iter(stream)
        for _ in range(1000):  # past warm-up allocations (pools, caches)
            next(iterator)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        count = sum(1 for _ in iterator)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    venice.close()
    return {"venice_ext": (after - before) / count}


def main() -> None:
    with bench_server() as base_url:
        clients = sync_clients(base_url)
        for framing, model in FRAMINGS.items():
            rows = cpu_per_chunk(clients, model)
            show(
                f"sync: CPU per chunk, {framing}",
                rows,
                unit="us",
                scale=1e6,
                baseline="raw httpx",
                goal=GOALS.get(framing, ""),
            )
        gaps = first_token_gap(clients)
        show(f"sync: time to first token (median of {TTFT_ROUNDS})", Rows(gaps), unit="ms", scale=1e3)
        show("sync: time to first token added to raw httpx's", _added(gaps), unit="ms", scale=1e3, goal="<= 0.5 ms")
        per_framing, async_gaps = asyncio.run(_async_rows(base_url))
        for framing, rows in per_framing.items():
            show(
                f"async: CPU per chunk, {framing}",
                rows,
                unit="us",
                scale=1e6,
                baseline="raw httpx",
                goal=GOALS.get(framing, ""),
            )
        show(f"async: time to first token (median of {TTFT_ROUNDS})", Rows(async_gaps), unit="ms", scale=1e3)
        show("async: time to first token added", _added(async_gaps), unit="ms", scale=1e3, goal="<= 0.5 ms")
        show(
            "connections opened for 10 sequential streams",
            connections_for_ten_streams(base_url, list(clients)),
            unit="",
            scale=1,
            goal="1",
        )
        show(
            "memory growth per chunk, 100k chunks, no final()",
            memory_per_chunk(base_url),
            unit="bytes",
            scale=1,
            goal="< 2 bytes",
        )


if __name__ == "__main__":
    main()
