"""`make bench`, core rows: what venice_ext costs per request, per parse, per start, against raw httpx.

Every client talks to the benchmarks' fake Venice (tests/bench/stream_server.py) in
its own process; rows are medians of rounds in alternating order, as ratios to a
baseline measured in the same run (tests/bench/_measure.py):

- chat.completions.create against a raw httpx post + json.loads (and openai-python), in CPU
  time and in Python bytecode instructions per request (a count the machine's noise cannot move;
  raw httpx with venice_ext's cookie pass shows how much of the gap is venice_ext's own work);
- call(list_models) on the real 328-model listing against httpx + json.loads;
- ListModelsResponse.from_dict against json.loads of the same bytes, and
  CreateChatCompletionResponse.from_dict in microseconds;
- Venice() against httpx.Client();
- import time and the first chat call of a fresh process (import to request sent), in
  subprocesses;
- 32 concurrent chat completions: venice_ext over httpx and over aiohttp against raw
  httpx and raw aiohttp (wall clock: this row is about waiting well).
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

from tests.bench._measure import ROUNDS, SNAPSHOT, alternating, bench_server, bytecode_instructions, cpu_per_call, show
from tests.bench.stream_server import COMPLETION, listing
from venice_api.api.chat import create_chat_completion
from venice_api.api.models import list_models
from venice_api.models import ChatCompletionRequest, CreateChatCompletionResponse, ListModelsResponse
from venice_ext import AsyncVenice, FailureBudget, Venice
from venice_ext._core._cookies import HTTPClient

KEY = "test-key"
BODY = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "Why is the sky blue?"}]}
SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", "150"))
CONCURRENT_TOTAL = int(os.environ.get("BENCH_CONCURRENT", "640"))
CONCURRENCY = 32


def _chat_calls(base_url: str) -> dict[str, Callable[[], object]]:
    """A chat completion through raw httpx and through venice_ext, each on its own client."""
    raw = httpx.Client(base_url=base_url + "/", headers={"Authorization": f"Bearer {KEY}"})
    venice = Venice(api_key=KEY, base_url=base_url)
    return {
        "raw httpx": lambda: json.loads(raw.post("chat/completions", json=BODY).content),
        "venice_ext chat.completions.create": lambda: venice.chat.completions.create(**BODY),  # type: ignore[arg-type]
    }


def chat_create(base_url: str) -> dict[str, float]:
    from openai import OpenAI

    openai_client = OpenAI(api_key=KEY, base_url=base_url, max_retries=0)
    calls = {
        **_chat_calls(base_url),
        "openai": lambda: openai_client.chat.completions.create(**BODY),  # type: ignore[call-overload]
    }
    for call in calls.values():
        for _ in range(20):
            call()
    return alternating({name: cpu_per_call(call, SEQUENTIAL) for name, call in calls.items()})


def chat_create_instructions(base_url: str) -> dict[str, float]:
    """The chat call's instructions, and raw httpx's on a client whose cookie pass is
    venice_ext's (AnswerCookies): the gap to that row is venice_ext's own work."""
    calls = _chat_calls(base_url)
    skipping = HTTPClient(
        base_url=base_url + "/",
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=httpx.Timeout(5.0),
        transport=httpx.HTTPTransport(),
    )
    calls["raw httpx, venice_ext's cookie pass"] = lambda: json.loads(
        skipping.post("chat/completions", json=BODY).content
    )
    return {name: bytecode_instructions(call) for name, call in calls.items()}


def list_models_call(base_url: str) -> dict[str, float]:
    raw = httpx.Client(base_url=base_url + "/", headers={"Authorization": f"Bearer {KEY}"})
    venice = Venice(api_key=KEY, base_url=base_url)
    calls: dict[str, Callable[[], object]] = {
        "raw httpx + json.loads": lambda: json.loads(raw.get("models").content),
        "venice_ext call(list_models)": lambda: venice.call(list_models),
    }
    assert isinstance(venice.call(list_models), ListModelsResponse)
    return alternating({name: cpu_per_call(call, 20) for name, call in calls.items()})


def parsing() -> tuple[dict[str, float], dict[str, float]]:
    body = listing(SNAPSHOT)
    decoded = json.loads(body)
    ListModelsResponse.from_dict(decoded)
    listing_rows = alternating(
        {
            "json.loads": cpu_per_call(lambda: json.loads(body), 20),
            "ListModelsResponse.from_dict": cpu_per_call(lambda: ListModelsResponse.from_dict(decoded), 20),
        },
        ROUNDS * 2,
    )
    chat = json.loads(json.dumps(COMPLETION))
    one = alternating(
        {
            "CreateChatCompletionResponse.from_dict": cpu_per_call(
                lambda: CreateChatCompletionResponse.from_dict(chat), 2000
            )
        },
        ROUNDS * 2,
    )
    return listing_rows, one


def construction() -> dict[str, float]:
    def close_after(make: Callable[[], Any]) -> Callable[[], object]:
        return lambda: make().close()

    return alternating(
        {
            "httpx.Client()": cpu_per_call(close_after(httpx.Client), 10),
            "Venice()": cpu_per_call(close_after(lambda: Venice(api_key=KEY)), 10),
        },
        ROUNDS * 2,
    )


# This venv has the cli extra (click, rich) and pygments (pytest's): when they are
# installed, `import httpx` loads them for httpx's own command line. A base install of
# venice-client has none of them; blocking them reproduces that here.
WITHOUT_CLI_EXTRA = "import sys; sys.modules.update(dict.fromkeys(('click', 'rich', 'pygments')))"


def _subprocess_seconds(code: str) -> float:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def _compile_bytecode() -> None:
    """Write the .pyc files a pip install writes, so fresh processes load what users load.

    httpx arrives from PyPI compiled; venice_ext and venice_api here are an editable
    install, and with PYTHONDONTWRITEBYTECODE set (as on these machines) every fresh
    process would recompile them from source: that measures the compiler, not us.
    """
    import compileall

    import venice_api
    import venice_ext

    for package in (venice_ext, venice_api):
        compileall.compile_dir(os.path.dirname(package.__file__ or ""), quiet=1)


def import_time() -> dict[str, float]:
    """Cumulative import time in a fresh interpreter, seconds (-X importtime would count its own cost)."""
    _compile_bytecode()

    def runner(statement: str, prelude: str) -> Callable[[], float]:
        timed = f"started = time.perf_counter()\n{statement}\nprint(time.perf_counter() - started)"
        code = f"{prelude}\nimport time\n{timed}"
        return lambda: _subprocess_seconds(code)

    return alternating(
        {
            "httpx (base install)": runner("import httpx", WITHOUT_CLI_EXTRA),
            "venice_ext (base install)": runner("import venice_ext", WITHOUT_CLI_EXTRA),
            "from venice_ext import Venice, AsyncVenice, APIStatusError": runner(
                "from venice_ext import Venice, AsyncVenice, APIStatusError", WITHOUT_CLI_EXTRA
            ),
            # httpx loads click and rich for its own command line when they are installed.
            "httpx (with the cli extra)": runner("import httpx", ""),
            "venice_ext (with the cli extra)": runner("import venice_ext", ""),
        },
        # A fresh process's import is a wall-clock figure of ~60 ms that this shared
        # machine moves by a third either way: three times the rounds (about 10 s more).
        ROUNDS * 3,
    )


def first_chat_call(base_url: str) -> dict[str, float]:
    """From a fresh process's first import to its first chat request reaching the server (seconds).

    The server stamps the request's arrival with the monotonic clock every process shares.
    """
    _compile_bytecode()
    start = f"{WITHOUT_CLI_EXTRA}\nimport time\nstarted = time.monotonic_ns()\n"
    raw = (
        f"{start}import httpx, json\nclient = httpx.Client(base_url={base_url + '/'!r})\n"
        f"body = json.loads(client.post('chat/completions', json={BODY!r}).content)\n"
        "print((body['received_ns'] - started) / 1e9)"
    )
    venice = (
        f"{start}from venice_ext import Venice\nclient = Venice(api_key='k', base_url={base_url!r})\n"
        f"completion = client.chat.completions.create(**{BODY!r})\n"
        "print((completion['received_ns'] - started) / 1e9)"
    )
    return alternating(
        {"raw httpx": lambda: _subprocess_seconds(raw), "venice_ext": lambda: _subprocess_seconds(venice)}
    )


async def _gather(call: Callable[[], Awaitable[Any]]) -> None:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with semaphore:
            await call()

    await asyncio.gather(*(one() for _ in range(CONCURRENT_TOTAL)))


def concurrent(base_url: str) -> dict[str, float]:
    """Wall seconds per request with 32 in flight."""
    import aiohttp

    from venice_ext import aiohttp_transport

    async def measure() -> dict[str, float]:
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        raw = httpx.AsyncClient(base_url=base_url + "/", headers={"Authorization": f"Bearer {KEY}"}, limits=limits)
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY))
        venice = AsyncVenice(api_key=KEY, base_url=base_url, transport=httpx.AsyncHTTPTransport(limits=limits))
        venice_aiohttp = AsyncVenice(api_key=KEY, base_url=base_url, transport=aiohttp_transport(limits=limits))
        # The default failure budget lets `limit` (15) requests be in flight at once, so that
        # no crowd can fail more than that; the opt-out shows what the guarantee costs here.
        unreserved = FailureBudget(reserve_in_flight=False)
        venice_unreserved = AsyncVenice(
            api_key=KEY, base_url=base_url, transport=httpx.AsyncHTTPTransport(limits=limits), failure_budget=unreserved
        )
        body_model = ChatCompletionRequest.from_dict(BODY)

        async def run_raw() -> None:
            json.loads((await raw.post("chat/completions", json=BODY)).content)

        async def run_aiohttp() -> None:
            async with session.post(f"{base_url}/chat/completions", json=BODY) as response:
                json.loads(await response.read())

        runners: dict[str, Callable[[], Awaitable[Any]]] = {
            "raw httpx": run_raw,
            "raw aiohttp": run_aiohttp,
            "venice_ext (httpx transport)": lambda: venice.call(create_chat_completion, body=body_model),
            "venice_ext + aiohttp transport": lambda: venice_aiohttp.call(create_chat_completion, body=body_model),
            "venice_ext (httpx, reserve_in_flight=False)": lambda: venice_unreserved.call(
                create_chat_completion, body=body_model
            ),
        }
        for runner in runners.values():
            await _gather(runner)
        names = list(runners)
        samples: dict[str, list[float]] = {name: [] for name in names}
        for index in range(max(3, ROUNDS // 2)):
            for name in names if index % 2 == 0 else reversed(names):
                started = time.perf_counter()
                await _gather(runners[name])
                samples[name].append((time.perf_counter() - started) / CONCURRENT_TOTAL)
        await raw.aclose()
        await session.close()
        await venice.aclose()
        await venice_aiohttp.aclose()
        await venice_unreserved.aclose()
        return {name: statistics.median(values) for name, values in samples.items()}

    return asyncio.run(measure())


def main() -> None:
    with bench_server() as base_url:
        show(
            "chat.completions.create, client CPU per request",
            chat_create(base_url),
            unit="us",
            scale=1e6,
            baseline="raw httpx",
            goal="venice_ext <= 1.1x raw httpx",
        )
        show(
            "chat.completions.create, Python bytecode instructions per request (a count: no noise, C work not seen)",
            chat_create_instructions(base_url),
            unit="instr",
            scale=1,
            baseline="raw httpx",
        )
        if SNAPSHOT.is_file():
            show(
                "GET /models, the 328-model snapshot, client CPU per request",
                list_models_call(base_url),
                unit="us",
                scale=1e6,
                baseline="raw httpx + json.loads",
                goal="venice_ext <= 3x",
            )
            listing_rows, chat_rows = parsing()
            show(
                "parsing the snapshot",
                listing_rows,
                unit="us",
                scale=1e6,
                baseline="json.loads",
                goal="from_dict <= 3x json.loads",
            )
            show("parsing a chat completion", chat_rows, unit="us", scale=1e6, goal="<= 10 us")
        else:
            print(f"(no {SNAPSHOT}: the snapshot rows are skipped)")
        show(
            "client construction, CPU",
            construction(),
            unit="ms",
            scale=1e3,
            baseline="httpx.Client()",
            goal="Venice() <= 1.2x httpx.Client()",
        )
        show(
            "import time, in a fresh process",
            import_time(),
            unit="ms",
            scale=1e3,
            baseline="httpx (base install)",
            goal="venice_ext <= 1.4x httpx",
        )
        show(
            "first chat call of a fresh process: import to request received",
            first_chat_call(base_url),
            unit="ms",
            scale=1e3,
            baseline="raw httpx",
        )
        show(
            f"{CONCURRENCY} concurrent chat completions, wall time per request",
            concurrent(base_url),
            unit="us",
            scale=1e6,
            baseline="raw httpx",
        )


if __name__ == "__main__":
    main()
