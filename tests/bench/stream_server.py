"""The benchmarks' fake Venice: raw sockets, so that the framing of every answer is exact.

python -m tests.bench.stream_server   prints VENICE_BASE_URL=..., serves on 127.0.0.1
until its stdin closes or it is terminated (by its PID, tests/bench/fake_process.py).
It runs in its own process so that it never competes with the client for the GIL.

A streamed chat completion's `model` names the scenario:

  burst-N    N chunks packed into 48 KiB writes: how tokens arrive when a proxy or a
             fast upstream buffers them, many events per read
  tiny-N     like burst-N, each chunk's text one character (for memory per chunk: the
             text itself is kept for final(), a byte a character)
  event-N    N chunks, one per write (TCP_NODELAY: one event per segment, per read)
  trickle-N  N chunks, one per write, 1 ms apart: a model generating in real time
  ttft-N     one chunk at once, N ms of silence (200 if no N), then the last chunk

Chunks are shaped like Venice's (`id`, `object`, `created`, `model`, `choices` with
`index`, `delta`, `logprobs: null`, `finish_reason`), the last with a finish reason.
A non-streamed chat completion gets a canned answer (with `received_ns`, when the
request arrived, on the same clock); GET /models the real 328-model
listing when a snapshot is given (`--models PATH`), and GET /connections the number of
connections accepted so far.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BURST = 48 * 1024
TRICKLE = 0.001
PREFIX = "/api/v1"


def chunk(content: str, finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1760000000,
        "model": "venice-uncensored",
        "choices": [{"index": 0, "delta": {"content": content}, "logprobs": None, "finish_reason": finish}],
    }


def event(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


TOKEN = event(chunk(" token"))
TINY = event(chunk("x"))
LAST = event(chunk("", "stop"))
DONE = b"data: [DONE]\n\n"
COMPLETION = {
    "id": "chatcmpl-bench",
    "object": "chat.completion",
    "created": 1760000000,
    "model": "venice-uncensored",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Rayleigh scattering.", "reasoning_content": None},
            "logprobs": None,
            "finish_reason": "stop",
            "stop_reason": None,
        }
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16},
}


def writes(scenario: str) -> Iterator[tuple[bytes, float]]:
    """The SSE body of a scenario as (bytes of one write, pause before it)."""
    name, _, count_text = scenario.partition("-")
    count = int(count_text or 0)
    if name == "ttft":
        yield TOKEN, 0.0
        yield LAST + DONE, (count or 200) / 1000
    elif name in ("burst", "tiny"):
        token = TOKEN if name == "burst" else TINY
        per_write = max(1, BURST // len(token))
        left = count - 1
        while left > 0:
            take = min(per_write, left)
            yield token * take, 0.0
            left -= take
        yield LAST + DONE, 0.0
    elif name in ("event", "trickle"):
        pause = TRICKLE if name == "trickle" else 0.0
        for index in range(count - 1):
            yield TOKEN, pause if index else 0.0
        yield LAST, pause
        yield DONE, 0.0
    else:
        raise ValueError(f"unknown scenario {scenario!r}")


class Server:
    def __init__(self, models: bytes | None) -> None:
        self.models = models
        self.connections = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))

    def serve(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self.connection, args=(sock,), daemon=True).start()

    def connection(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = sock.makefile("rb")
        try:
            while self.one(sock, reader):
                pass
        except (OSError, ValueError):
            pass
        finally:
            reader.close()
            sock.close()

    def one(self, sock: socket.socket, reader: Any) -> bool:
        line = reader.readline(65536)
        received = time.monotonic_ns()
        if not line:
            return False
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers = {}
        while (header := reader.readline(65536)) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", "0")))
        path = target.split("?")[0].removeprefix(PREFIX)
        if method == "POST" and path == "/chat/completions":
            request = json.loads(body)
            if request.get("stream"):
                self.stream(sock, request["model"])
                return True
            # The arrival time, for the first-call row: an unknown field every client keeps.
            return self.reply(sock, json.dumps({**COMPLETION, "received_ns": received}).encode())
        if method == "GET" and path == "/models" and self.models is not None:
            return self.reply(sock, self.models)
        if method == "GET" and path == "/connections":
            return self.reply(sock, str(self.connections).encode())
        return self.reply(sock, b'{"error": "not found"}', status="404 Not Found")

    @staticmethod
    def reply(sock: socket.socket, payload: bytes, status: str = "200 OK") -> bool:
        head = f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(payload)}\r\n\r\n"
        sock.sendall(head.encode() + payload)
        return True

    @staticmethod
    def stream(sock: socket.socket, scenario: str) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        for data, pause in writes(scenario):
            if pause:
                time.sleep(pause)
            sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))
        sock.sendall(b"0\r\n\r\n")


def listing(path: Path) -> bytes:
    # The documentation snapshot leaves out `object` and `owned_by`, which the live API sends.
    models = [{**entry, "object": "model", "owned_by": "venice.ai"} for entry in json.loads(path.read_bytes())]
    return json.dumps({"object": "list", "type": "all", "data": models}).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, help="a GET /models snapshot (a JSON list of models)")
    args = parser.parse_args()
    server = Server(listing(args.models) if args.models else None)
    threading.Thread(target=server.serve, daemon=True).start()
    print(f"VENICE_BASE_URL=http://127.0.0.1:{server.listener.getsockname()[1]}{PREFIX}", flush=True)
    sys.stdin.read()
    server.listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
