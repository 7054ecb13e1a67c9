"""A raw HTTP/1.1 server on 127.0.0.1 that answers each request with a scripted fault.

Every accepted connection carries one request and is then closed. `script` is
consumed one action per request, the last one repeating; `seen` counts the
requests whose head arrived, `paths` their targets (absolute-form when proxied),
`most_at_once` the most requests ever waiting for their answer at the same time.
Stopped by `stop()`, which closes the listener and joins every thread it started.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from types import TracebackType
from typing import Self

from venice_ext.testing._canned_text import chat_completion

_MAX_CONNECTIONS = 2048  # a bound for the load tests: 128 callers, a few calls each

OK_CHAT = chat_completion().payload()
OK_MODELS = b'{"object":"list","type":"text","data":[]}'


def reply(status: int, body: bytes = b'{"error":"x"}', headers: dict[str, str] | None = None) -> bytes:
    head = [f"HTTP/1.1 {status} X", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class RawServer:
    """Actions: bytes (sent as the answer), "reset-before" (RST once the head is read),
    "reset-after" (RST once the whole request is read), "close" (FIN, no answer),
    "garbage" (a status line that is not HTTP), ("stall", seconds) then close,
    ("after", seconds, answer) the answer sent once `seconds` have passed."""

    def __init__(self, *script: object) -> None:
        self.script = list(script) or [reply(200, OK_CHAT)]
        self.seen = 0
        self.paths: list[str] = []
        self.most_at_once = 0
        self._at_once = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._accepting = threading.Thread(target=self._accept, name="raw-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def __enter__(self) -> Self:
        self._accepting.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    def _accept(self) -> None:
        self._listener.settimeout(0.05)
        accepted = 0
        while accepted < _MAX_CONNECTIONS and not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted += 1
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            with self._lock:
                self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(10)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                with self._lock:
                    action = self.script[min(self.seen, len(self.script) - 1)]
                    self.seen += 1
                    self.paths.append(head.split(b" ", 2)[1].decode())
                if action == "reset-before":
                    return self._reset(connection)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(body) < length:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    body += chunk
                if action == "reset-after":
                    return self._reset(connection)
                if action == "close":
                    return
                if action == "garbage":
                    connection.sendall(b"HELLO THERE\r\n\r\n")
                    return
                if isinstance(action, tuple) and action[0] == "after":
                    action = self._after(float(action[1]), action[2])
                if isinstance(action, tuple):
                    self._stopping.wait(float(action[1]))
                    return
                assert isinstance(action, bytes)
                connection.sendall(action)
                connection.shutdown(socket.SHUT_WR)
                time.sleep(0.01)  # let the client read before the close
            except OSError:
                return

    def _after(self, seconds: float, answer: bytes) -> bytes:
        with self._lock:
            self._at_once += 1
            self.most_at_once = max(self.most_at_once, self._at_once)
        self._stopping.wait(seconds)
        with self._lock:
            self._at_once -= 1
        return answer

    @staticmethod
    def _reset(connection: socket.socket) -> None:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def stop(self) -> None:
        self._stopping.set()
        self._accepting.join(timeout=5)
        self._listener.close()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=5)
