"""Fake Venice servers for the streaming benchmarks, one scenario per process.

python -m tests.bench.stream_server bulk     2000 chunks, sent as fast as possible
python -m tests.bench.stream_server ttft     one chunk stamped with the send time, then a 200 ms pause
python -m tests.bench.stream_server memory   100 000 one-character chunks
"""

from __future__ import annotations

import sys
import time
from typing import Any

from venice_ext.testing import SSE, FakeVenice


def chunk(content: str, finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1760000000,
        "model": "venice-uncensored",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}],
    }


def stream_of(count: int, text: str) -> SSE:
    return SSE([*(chunk(text) for _ in range(count - 1)), chunk(text, "stop")])


def stamped() -> dict[str, Any]:
    # The clock every process shares on Linux: the client subtracts this from its own reading.
    return chunk(str(time.monotonic_ns()))


SCENARIOS = {
    "bulk": lambda: stream_of(2000, " token"),
    "ttft": lambda: SSE([stamped, chunk("", "stop")], delays=[0.0, 0.2]),
    "memory": lambda: stream_of(100_000, "x"),
}


def main() -> int:
    scenario = SCENARIOS[sys.argv[1]]()
    with FakeVenice(api_key=None, routes={("POST", "/chat/completions"): scenario}) as fake:
        print(f"VENICE_BASE_URL={fake.base_url}", flush=True)
        sys.stdin.read()  # the benchmark closes our stdin (or terminates us) when done
    return 0


if __name__ == "__main__":
    sys.exit(main())
