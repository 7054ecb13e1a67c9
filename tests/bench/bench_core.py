"""`make bench`, core rows: request overhead of venice_ext against raw httpx and openai-python.

All clients talk to the same fake Venice, run in its own process so the server
never competes with the client for this interpreter's GIL. Clients take turns in
every round (ABCABC...), and each row reports the median of the rounds, as a
ratio to raw httpx measured in the same run: the machines are shared and noisy,
so only ratios taken side by side mean anything.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.bench.fake_process import fake_server
from venice_api.api.chat import create_chat_completion
from venice_api.models import ChatCompletionRequest
from venice_ext import AsyncVenice, Venice

KEY = "test-key"
BODY = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "Why is the sky blue?"}]}
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", "150"))
CONCURRENT_TOTAL = int(os.environ.get("BENCH_CONCURRENT", "640"))
CONCURRENCY = 32


def _median_per_call(samples: dict[str, list[float]], calls: int) -> dict[str, float]:
    return {name: statistics.median(values) / calls for name, values in samples.items()}


def sequential(base_url: str) -> dict[str, float]:
    """Seconds per non-streamed chat completion, one after another."""
    from openai import OpenAI

    raw = httpx.Client(base_url=base_url + "/", headers={"Authorization": f"Bearer {KEY}"})
    venice = Venice(api_key=KEY, base_url=base_url)
    openai_client = OpenAI(api_key=KEY, base_url=base_url, max_retries=0)
    body_model = ChatCompletionRequest.from_dict(BODY)

    def run_raw() -> None:
        json.loads(raw.post("chat/completions", json=BODY).content)

    def run_venice() -> None:
        venice.call(create_chat_completion, body=body_model)

    def run_openai() -> None:
        openai_client.chat.completions.create(model=BODY["model"], messages=BODY["messages"])  # type: ignore[arg-type]

    runners: dict[str, Callable[[], None]] = {"raw httpx": run_raw, "venice_ext": run_venice, "openai": run_openai}
    for runner in runners.values():  # warm the pools and the code paths
        for _ in range(20):
            runner()
    samples: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(ROUNDS):
        for name, runner in runners.items():
            started = time.perf_counter()
            for _ in range(SEQUENTIAL):
                runner()
            samples[name].append(time.perf_counter() - started)
    raw.close()
    venice.close()
    openai_client.close()
    return _median_per_call(samples, SEQUENTIAL)


async def _gather(call: Callable[[], Awaitable[Any]]) -> None:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with semaphore:
            await call()

    await asyncio.gather(*(one() for _ in range(CONCURRENT_TOTAL)))


def concurrent(base_url: str) -> dict[str, float]:
    """Seconds per request with 32 in flight."""
    from openai import AsyncOpenAI

    from venice_ext import aiohttp_transport

    async def measure() -> dict[str, float]:
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        raw = httpx.AsyncClient(base_url=base_url + "/", headers={"Authorization": f"Bearer {KEY}"}, limits=limits)
        venice = AsyncVenice(api_key=KEY, base_url=base_url, transport=httpx.AsyncHTTPTransport(limits=limits))
        venice_aiohttp = AsyncVenice(api_key=KEY, base_url=base_url, transport=aiohttp_transport(limits=limits))
        openai_client = AsyncOpenAI(api_key=KEY, base_url=base_url, max_retries=0)
        body_model = ChatCompletionRequest.from_dict(BODY)

        async def run_raw() -> None:
            json.loads((await raw.post("chat/completions", json=BODY)).content)

        runners: dict[str, Callable[[], Awaitable[Any]]] = {
            "raw httpx": run_raw,
            "venice_ext": lambda: venice.call(create_chat_completion, body=body_model),
            "venice_ext + aiohttp transport": lambda: venice_aiohttp.call(create_chat_completion, body=body_model),
            "openai": lambda: openai_client.chat.completions.create(
                model=BODY["model"],
                messages=BODY["messages"],  # type: ignore[arg-type]
            ),
        }
        for runner in runners.values():
            await _gather(runner)
        samples: dict[str, list[float]] = {name: [] for name in runners}
        for _ in range(max(3, ROUNDS // 2)):
            for name, runner in runners.items():
                started = time.perf_counter()
                await _gather(runner)
                samples[name].append(time.perf_counter() - started)
        await raw.aclose()
        await venice.aclose()
        await venice_aiohttp.aclose()
        await openai_client.close()
        return _median_per_call(samples, CONCURRENT_TOTAL)

    return asyncio.run(measure())


# This venv has the cli extra (click, rich) and pygments (pytest's): when they are
# installed, `import httpx` loads them for httpx's own command line. A base install of
# venice-client has none of them; blocking them reproduces that here.
WITHOUT_CLI_EXTRA = "import sys; sys.modules.update(dict.fromkeys(('click', 'rich', 'pygments')))"


def import_time() -> dict[str, float]:
    """Cumulative import time of a module in a fresh interpreter (median of 7), in seconds."""
    rows = {
        "httpx (base install)": ("httpx", WITHOUT_CLI_EXTRA),
        "venice_ext (base install)": ("venice_ext", WITHOUT_CLI_EXTRA),
        "venice_ext (with the cli extra)": ("venice_ext", ""),
        "openai": ("openai", ""),
    }
    results: dict[str, float] = {}
    for label, (module, prelude) in rows.items():
        runs = []
        for _ in range(7):
            done = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", f"{prelude}\nimport {module}"],
                capture_output=True,
                text=True,
                check=True,
            )
            line = next(row for row in reversed(done.stderr.splitlines()) if row.rstrip().endswith(f"| {module}"))
            runs.append(int(line.split("|")[1]) / 1e6)
        results[label] = statistics.median(runs)
    return results


def table(title: str, rows: dict[str, float], baseline: str, unit: str, scale: float, goal: str = "") -> str:
    lines = [f"{title}{f'  (goal: {goal})' if goal else ''}"]
    for name, value in rows.items():
        ratio = value / rows[baseline]
        lines.append(f"  {name:<32} {value * scale:9.1f} {unit}   {ratio:5.2f}x {baseline}")
    return "\n".join(lines)


def main() -> None:
    with fake_server() as base_url:
        print(
            table(
                "sequential chat completions, per request",
                sequential(base_url),
                "raw httpx",
                "us",
                1e6,
                "venice_ext <= 1.2x raw httpx",
            ),
            flush=True,
        )
        print(
            table(
                f"{CONCURRENCY} concurrent chat completions, per request", concurrent(base_url), "raw httpx", "us", 1e6
            ),
            flush=True,
        )
    print(
        table("import time, cumulative", import_time(), "httpx (base install)", "ms", 1e3, "venice_ext <= 150 ms"),
        flush=True,
    )


if __name__ == "__main__":
    main()
