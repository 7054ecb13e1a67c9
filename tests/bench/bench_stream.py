"""`make bench`, streaming rows: venice_ext against raw httpx and openai-python.

- CPU time per chunk over a 2000-chunk stream (client process CPU only; the server
  runs in its own process), raw httpx being `iter_lines` + `json.loads`;
- added time to first token: the server stamps the first event with the shared
  monotonic clock as it writes it, then pauses 200 ms; the row is the median gap
  between that stamp and the caller holding the chunk;
- connections opened for 10 sequential streams;
- memory growth per chunk while iterating 100 000 chunks without final();
- async twins of the first two rows.
Medians over rounds that alternate the clients, reported as ratios to raw httpx.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import httpx

from tests.bench.fake_process import fake_server
from tests.bench.stream_server import SCENARIOS
from venice_ext import AsyncVenice, Venice
from venice_ext.testing import FakeVenice

KEY = "test-key"
MODEL = "venice-uncensored"
MESSAGES = [{"role": "user", "content": "Tell me a long story."}]
BODY = {"model": MODEL, "messages": MESSAGES, "stream": True}
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))


def server(scenario: str) -> Any:
    return fake_server("tests.bench.stream_server", scenario)


def _raw_lines(lines: Any) -> Any:
    for line in lines:
        if line.startswith("data: ") and line != "data: [DONE]":
            yield json.loads(line[6:])


def sync_clients(base_url: str) -> dict[str, Callable[[], Any]]:
    """For each client, a function returning an iterator over typed (or decoded) chunks."""
    from openai import OpenAI

    raw = httpx.Client(base_url=base_url + "/", headers={"Authorization": f"Bearer {KEY}"})
    venice = Venice(api_key=KEY, base_url=base_url)
    openai_client = OpenAI(api_key=KEY, base_url=base_url, max_retries=0)

    def run_raw() -> Any:
        with raw.stream("POST", "chat/completions", json=BODY) as response:
            yield from _raw_lines(response.iter_lines())

    def run_venice() -> Any:
        with venice.chat.completions.stream(model=MODEL, messages=MESSAGES) as stream:
            yield from stream

    def run_openai() -> Any:
        yield from openai_client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)  # type: ignore[call-overload]

    return {"raw httpx": run_raw, "venice_ext": run_venice, "openai": run_openai}


def cpu_per_chunk() -> dict[str, float]:
    with server("bulk") as base_url:
        clients = sync_clients(base_url)
        samples: dict[str, list[float]] = {name: [] for name in clients}
        for run in clients.values():
            sum(1 for _ in run())
        for _ in range(ROUNDS):
            for name, run in clients.items():
                started = time.process_time()
                count = sum(1 for _ in run())
                samples[name].append((time.process_time() - started) / count)
    return {name: statistics.median(values) for name, values in samples.items()}


def _first_content(item: Any) -> str:
    if isinstance(item, dict):
        return str(item["choices"][0]["delta"]["content"])
    return str(item.choices[0].delta.content)


def time_to_first_token() -> dict[str, float]:
    with server("ttft") as base_url:
        clients = sync_clients(base_url)
        samples: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(ROUNDS * 2):
            for name, run in clients.items():
                iterator = run()
                first = next(iterator)
                samples[name].append((time.monotonic_ns() - int(_first_content(first))) / 1e9)
                for _ in iterator:
                    pass
    return {name: statistics.median(values) for name, values in samples.items()}


def connections_for_ten_streams() -> dict[str, float]:
    results: dict[str, float] = {}
    for name in ("raw httpx", "venice_ext", "openai"):
        with FakeVenice(api_key=None, routes={("POST", "/chat/completions"): SCENARIOS["bulk"]()}) as fake:
            run = sync_clients(fake.base_url)[name]
            for _ in range(10):
                for _ in run():
                    pass
            results[name] = fake.connections_opened
    return results


def memory_per_chunk() -> dict[str, float]:
    with server("memory") as base_url:
        venice = Venice(api_key=KEY, base_url=base_url)
        gc.collect()
        tracemalloc.start()
        with venice.chat.completions.stream(model=MODEL, messages=MESSAGES) as stream:
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


async def _async_clients(base_url: str) -> dict[str, Callable[[], Any]]:
    from openai import AsyncOpenAI

    raw = httpx.AsyncClient(base_url=base_url + "/", headers={"Authorization": f"Bearer {KEY}"})
    venice = AsyncVenice(api_key=KEY, base_url=base_url)
    openai_client = AsyncOpenAI(api_key=KEY, base_url=base_url, max_retries=0)

    async def run_raw() -> Any:
        async with raw.stream("POST", "chat/completions", json=BODY) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    yield json.loads(line[6:])

    async def run_venice() -> Any:
        async with await venice.chat.completions.stream(model=MODEL, messages=MESSAGES) as stream:
            async for item in stream:
                yield item

    async def run_openai() -> Any:
        stream = await openai_client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)  # type: ignore[call-overload]
        async for item in stream:
            yield item

    return {"raw httpx": run_raw, "venice_ext": run_venice, "openai": run_openai}


async def _measure_async(scenario_url: str, first_token: bool) -> dict[str, float]:
    clients = await _async_clients(scenario_url)
    samples: dict[str, list[float]] = {name: [] for name in clients}
    rounds = ROUNDS * 2 if first_token else ROUNDS
    for run in clients.values():  # warm-up
        async for _ in run():
            pass
    for _ in range(rounds):
        for name, run in clients.items():
            started, count, gap = time.process_time(), 0, 0.0
            async for item in run():
                if first_token and count == 0:
                    gap = (time.monotonic_ns() - int(_first_content(item))) / 1e9
                count += 1
            samples[name].append(gap if first_token else (time.process_time() - started) / count)
    return {name: statistics.median(values) for name, values in samples.items()}


def async_rows() -> tuple[dict[str, float], dict[str, float]]:
    with server("bulk") as bulk:
        cpu = asyncio.run(_measure_async(bulk, first_token=False))
    with server("ttft") as ttft:
        first = asyncio.run(_measure_async(ttft, first_token=True))
    return cpu, first


def show(title: str, rows: dict[str, float], unit: str, scale: float, goal: str, ratio: bool = True) -> None:
    print(f"{title}  (goal: {goal})")
    for name, value in rows.items():
        tail = f"   {value / rows['raw httpx']:5.2f}x raw httpx" if ratio and "raw httpx" in rows else ""
        print(f"  {name:<14} {value * scale:10.2f} {unit}{tail}")


def main() -> None:
    show("CPU per chunk, 2000-chunk stream", cpu_per_chunk(), "us", 1e6, "venice_ext <= 1.3x raw httpx")
    show("added time to first token", time_to_first_token(), "ms", 1e3, "<= 1 ms", ratio=False)
    show("connections opened for 10 sequential streams", connections_for_ten_streams(), "", 1, "1", ratio=False)
    show("memory growth per chunk, 100k chunks, no final()", memory_per_chunk(), "bytes", 1, "<= 2 bytes")
    cpu, first = async_rows()
    show("async: CPU per chunk, 2000-chunk stream", cpu, "us", 1e6, "venice_ext <= 1.3x raw httpx")
    show("async: added time to first token", first, "ms", 1e3, "<= 1 ms", ratio=False)


if __name__ == "__main__":
    main()
