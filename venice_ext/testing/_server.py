"""A fake Venice: a real HTTP/1.1 server on 127.0.0.1, scriptable per test.

It answers every operation of the spec under `/api/v1` with a realistic canned
answer, unless a test scripted something else for that route: answers, SSE
streams with delays, or faults (reset before or after reading the request, drop
after N bytes, stall). Every request it receives is recorded for assertions, and
it counts the TCP connections opened, so tests can check connection reuse.

Paths outside `/api/v1` (a pre-signed download URL, say) are answered only by
what a test scripted for them, by their whole path: `fake.script("GET",
"/downloads/a.mp4", ...)` serves `fake.url + "/downloads/a.mp4"`; the canned
answers never do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import socket
import socketserver
import struct
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from venice_ext.testing._replies import SSE, Action, DropAfter, RecordedRequest, Reply, Reset, Respond, Stall

if TYPE_CHECKING:
    from venice_ext.testing._enclave import FakeEnclave
    from venice_ext.testing._ratelimit import RateLimit

__all__ = ["FakeVenice", "RecordedRequest"]

API_PREFIX = "/api/v1"
_MAX_HEADER_BYTES = 64 * 1024


@dataclass
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    queue: deque[Action] = field(default_factory=deque)
    default: Action | None = None
    # The canned operations live under /api/v1 only; a test's own routes also serve other paths.
    api_only: bool = False


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


class _ConnectionClosed(Exception):
    pass


class FakeVenice:
    """The fake server. Use as a context manager, or call start() and stop().

    `api_key`: requests must carry `Authorization: Bearer <api_key>` (401 otherwise);
    None accepts any request. `routes` maps (METHOD, path template) to default
    answers; by default the canned answers for every operation of the spec.
    `enclave=True` (or a FakeEnclave) adds an E2EE model, `fake.enclave`: it serves
    `/tee/attestation` and `/tee/signature` and answers E2EE chat requests encrypted
    (needs the `e2ee` extra). `port` 0 picks a free one. Every answer carries
    `x-venice-balance-usd` (and `-diem`), counting down from `balance_usd` by
    `COST_PER_POST` for each POST under /api/v1.
    """

    COST_PER_POST = 0.0125

    def __init__(
        self,
        *,
        api_key: str | None = "test-key",
        routes: Mapping[tuple[str, str], Action] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        enclave: bool | FakeEnclave = False,
        port: int = 0,
        balance_usd: float = 42.17,
        rate_limit: RateLimit | None = None,
    ) -> None:
        self.api_key = api_key
        self.requested_port = port
        # Sent as `x-venice-balance-usd` and lowered by every POST, as paid requests lower Venice's.
        self.balance_usd = balance_usd
        self.rate_limit = rate_limit  # limits and prices enforced on /api/v1 (testing/_ratelimit.py)
        self.extra_headers = dict(extra_headers or {})
        self._lock = threading.Lock()
        self._routes: list[_Route] = []
        self._requests: list[RecordedRequest] = []
        self._connections = 0
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None
        for (method, template), action in (routes if routes is not None else _canned_routes()).items():
            route = self._route(method, template)
            route.default = action
            route.api_only = True
        self.enclave: FakeEnclave | None = None
        if enclave:
            from venice_ext.testing._enclave import FakeEnclave

            self.enclave = FakeEnclave() if enclave is True else enclave
            self.enclave.install(self)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        fake = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                fake._serve_connection(self.request)

        server = socketserver.ThreadingTCPServer(("127.0.0.1", self.requested_port), Handler, bind_and_activate=False)
        server.daemon_threads = True
        server.allow_reuse_address = True
        server.request_queue_size = 256  # the default backlog of 5 drops bursts of connects
        server.server_bind()
        server.server_activate()
        self._server = server
        self._stopping.clear()
        # A short poll interval keeps stop() quick: shutdown() waits for the next poll.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-venice", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _close_quietly(sock)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake server is not running; call start()")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}{API_PREFIX}"

    # -- scripting and inspection -------------------------------------------------------

    def script(self, method: str, path: str, *actions: Action) -> None:
        """Queue answers for the next requests to `path` (a template or a concrete path)."""
        route = self._route(method.upper(), path)
        with self._lock:
            route.queue.extend(actions)

    def set_default(self, method: str, path: str, action: Action) -> None:
        """Answer every request to `path` with `action` once its script runs out."""
        self._route(method.upper(), path).default = action

    def wrap_default(self, method: str, path: str, wrap: Callable[[Action | None], Action]) -> None:
        """Replace the default answer of `path` by `wrap(current default)`, e.g. to answer some requests differently."""
        route = self._route(method.upper(), path)
        route.default = wrap(route.default)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        pattern = _compile(path)
        return [r for r in self.requests if r.method == method.upper() and pattern.match(r.path)]

    @property
    def connections_opened(self) -> int:
        with self._lock:
            return self._connections

    def reset(self) -> None:
        """Forget recorded requests and scripted (not default) answers."""
        with self._lock:
            self._requests.clear()
            self._connections = 0
            for route in self._routes:
                route.queue.clear()

    def _route(self, method: str, template: str) -> _Route:
        with self._lock:
            for route in self._routes:
                if route.method == method and route.template == template:
                    return route
            route = _Route(method, template, _compile(template))
            # Concrete paths are tried before templates that would also match them.
            self._routes.insert(0, route) if "{" not in template else self._routes.append(route)
            return route

    def _next_action(self, method: str, path: str, *, in_api: bool = True) -> Action | None:
        with self._lock:
            matches = [
                route
                for route in self._routes
                if route.method == method and route.pattern.match(path) and (in_api or not route.api_only)
            ]
            for route in matches:
                if route.queue:
                    return route.queue.popleft()
            return next((route.default for route in matches if route.default is not None), None)

    # -- serving -------------------------------------------------------------------------

    def _serve_connection(self, sock: socket.socket) -> None:
        # Headers and body go out in separate writes; with Nagle's algorithm on, the body
        # would wait for the client's delayed ACK (40 ms on Linux) like on no real server.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._connections += 1
            connection = self._connections
            self._sockets.add(sock)
        reader = sock.makefile("rb")
        try:
            while not self._stopping.is_set():
                try:
                    if not self._serve_one(sock, reader, connection):
                        return
                except (_ConnectionClosed, OSError):
                    return
        finally:
            with self._lock:
                self._sockets.discard(sock)
            reader.close()
            _close_quietly(sock)

    def _serve_one(self, sock: socket.socket, reader: Any, connection: int) -> bool:
        """Serve one request; False when the connection must end."""
        request_line = reader.readline(_MAX_HEADER_BYTES)
        if not request_line:
            raise _ConnectionClosed
        method, target, _version = request_line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        headers = _read_headers(reader)
        full_path, _, query = target.partition("?")
        in_api = full_path.startswith(API_PREFIX)
        path = full_path[len(API_PREFIX) :] if in_api else full_path
        action: Action | None = self._next_action(method, path, in_api=in_api)
        if isinstance(action, Reset) and not action.read_body:
            self._record(method, path, query, headers, b"", connection, "reset before body")
            _reset(sock)
            return False
        body = _read_body(reader, headers)
        auth_failure = self._auth_failure(headers)
        if auth_failure is not None:
            action = auth_failure
        elif action is None:
            action = Reply(404, json={"error": f"Not found: {method} {full_path}"})
        recorded = self._record(method, path, query, headers, body, connection, type(action).__name__)
        while isinstance(action, Respond):
            action = action.make(recorded)
        if self.rate_limit is not None and in_api and auth_failure is None:
            action = self.rate_limit.apply(body, action)
        return self._perform(sock, _ranged(action, headers.get("range")))

    def _auth_failure(self, headers: Mapping[str, str]) -> Reply | None:
        if self.api_key is None or headers.get("authorization") == f"Bearer {self.api_key}":
            return None
        return Reply(401, json={"error": "Authentication failed"})

    def _record(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        connection: int,
        action: str,
    ) -> RecordedRequest:
        recorded = RecordedRequest(method, path, query, dict(headers), body, connection, time.time(), action)
        with self._lock:
            self._requests.append(recorded)
            if method == "POST" and action not in ("Reset", "reset before body"):
                self.balance_usd = max(0.0, round(self.balance_usd - self.COST_PER_POST, 6))
        return recorded

    def _perform(self, sock: socket.socket, action: Reply | SSE | Reset | DropAfter | Stall) -> bool:
        if isinstance(action, Reset):
            _reset(sock)
            return False
        if isinstance(action, Stall):
            if self._stopping.wait(action.seconds):
                return False
            if action.reply is None:
                return False
            return self._perform(sock, action.reply)
        if isinstance(action, DropAfter):
            if isinstance(action.reply, Reply) and action.reply.body_from is not None:
                self._send_generated(sock, action.reply, limit=action.nbytes)
            else:
                head, *body = self._encode(action.reply)
                sock.sendall(head + b"".join(body)[: action.nbytes])
            _reset(sock)
            return False
        if isinstance(action, Reply) and action.body_from is not None:
            return self._send_generated(sock, action, limit=None)
        for piece, delay in self._paced(action):
            if delay and self._stopping.wait(delay):
                return False
            sock.sendall(piece)
        return True

    def _paced(self, action: Reply | SSE) -> Iterator[tuple[bytes, float]]:
        """The pieces to send, each with the pause before it; SSE events made as sent."""
        if isinstance(action, SSE):
            yield _head(action.status, self._sse_headers(action), chunked=True), 0.0
            for index, frame in enumerate(action.frames()):
                yield _chunk(frame), action.pause_before(index)
            yield b"0\r\n\r\n", 0.0
            return
        pieces = self._encode(action)
        yield pieces[0], 0.0
        for piece in pieces[1:]:
            yield piece, action.chunk_delay

    def _send_generated(self, sock: socket.socket, action: Reply, *, limit: int | None) -> bool:
        """Send a `body_from` answer piece by piece as it is made; with `limit`, only that many body bytes."""
        assert action.body_from is not None
        chunked = action.body_size is None
        headers = {**self._base_headers(), "content-type": action.media_type(), **self._range_headers(action)}
        headers.update(action.headers)
        if not chunked:
            headers["content-length"] = str(action.body_size)
        sock.sendall(_head(action.status, headers, chunked=chunked))
        budget = limit
        for index, data in enumerate(action.body_from(0)):
            piece = _chunk(data) if chunked else data
            if budget is not None:
                piece, budget = piece[:budget], budget - len(piece)
            if index and action.chunk_delay and self._stopping.wait(action.chunk_delay):
                return False
            sock.sendall(piece)
            if budget is not None and budget <= 0:
                return False
        if chunked:
            sock.sendall(b"0\r\n\r\n")
        return limit is None

    @staticmethod
    def _range_headers(action: Reply) -> dict[str, str]:
        return {"accept-ranges": "bytes"} if action.honour_range else {}

    def _base_headers(self) -> dict[str, str]:
        with self._lock:
            balance = self.balance_usd
        return {
            "cf-ray": f"fake-{int(time.time() * 1000) % 10**9:09d}",
            "x-venice-balance-usd": f"{balance:.4f}",
            "x-venice-balance-diem": "12.5000",
            **self.extra_headers,
        }

    def _sse_headers(self, action: SSE) -> dict[str, str]:
        return {
            **self._base_headers(),
            "content-type": "text/event-stream",
            "cache-control": "no-cache",
            **action.headers,
        }

    def _encode(self, action: Reply | SSE) -> list[bytes]:
        """Status line and headers, then the body pieces (chunked when streamed)."""
        if isinstance(action, SSE):
            head = _head(action.status, self._sse_headers(action), chunked=True)
            return [head, *map(_chunk, action.frames()), b"0\r\n\r\n"]
        headers = self._base_headers()
        headers["content-type"] = action.media_type()
        headers.update(self._range_headers(action))
        headers.update(action.headers)
        if action.chunks is not None:
            return [_head(action.status, headers, chunked=True), *map(_chunk, action.chunks), b"0\r\n\r\n"]
        payload = action.payload()
        headers["content-length"] = str(len(payload))
        return [_head(action.status, headers, chunked=False), payload]


def _ranged(
    action: Reply | SSE | Reset | DropAfter | Stall, range_header: str | None
) -> Reply | SSE | Reset | DropAfter | Stall:
    """`action`, answering `Range: bytes=N-` with the part from byte N if it honours ranges."""
    if isinstance(action, (DropAfter, Stall)) and isinstance(action.reply, Reply):
        return dataclasses.replace(action, reply=_ranged_reply(action.reply, range_header))
    return _ranged_reply(action, range_header) if isinstance(action, Reply) else action


def _ranged_reply(action: Reply, range_header: str | None) -> Reply:
    if not action.honour_range or not range_header:
        return action
    match = re.fullmatch(r"\s*bytes=(\d+)-\s*", range_header)
    if match is None:
        return action  # a multi-part or suffix range: the whole body, as RFC 9110 allows
    start = int(match.group(1))
    generated = action.body_from
    size = action.body_size if generated is not None and action.body_size is not None else len(action.payload())
    if start >= size:
        return Reply(416, headers={"content-range": f"bytes */{size}"})
    headers = {**action.headers, "content-range": f"bytes {start}-{size - 1}/{size}"}
    content_type = action.media_type()
    if generated is not None:
        return dataclasses.replace(
            action,
            status=206,
            headers=headers,
            content_type=content_type,
            body_from=lambda offset: generated(start + offset),
            body_size=size - start,
        )
    rest = action.payload()[start:]
    return dataclasses.replace(
        action, status=206, headers=headers, content_type=content_type, json=None, body=rest, chunks=None
    )


def _canned_routes() -> Mapping[tuple[str, str], Action]:
    from venice_ext.testing._defaults import DEFAULT_ROUTES

    return DEFAULT_ROUTES


def _head(status: int, headers: Mapping[str, str], *, chunked: bool) -> bytes:
    reason = _REASONS.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if chunked:
        lines.append("transfer-encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n" if data else b""


def _read_headers(reader: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    total = 0
    while True:
        line = reader.readline(_MAX_HEADER_BYTES)
        total += len(line)
        if not line:
            raise _ConnectionClosed
        if line in (b"\r\n", b"\n") or total > _MAX_HEADER_BYTES:
            return headers
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()


def _read_body(reader: Any, headers: Mapping[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts: list[bytes] = []
        while True:
            size = int(reader.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                reader.readline()
                return b"".join(parts)
            parts.append(reader.read(size))
            reader.readline()
    length = int(headers.get("content-length", "0") or 0)
    return reader.read(length) if length else b""


def _reset(sock: socket.socket) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _close_quietly(sock)


def _close_quietly(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


_REASONS: dict[int, str] = defaultdict(
    lambda: "Status",
    {
        200: "OK",
        201: "Created",
        204: "No Content",
        206: "Partial Content",
        400: "Bad Request",
        401: "Unauthorized",
        402: "Payment Required",
        403: "Forbidden",
        404: "Not Found",
        409: "Conflict",
        410: "Gone",
        413: "Payload Too Large",
        415: "Unsupported Media Type",
        416: "Range Not Satisfiable",
        422: "Unprocessable Entity",
        429: "Too Many Requests",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    },
)
