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
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from venice_ext.testing._catalogue import ModelCatalogue, new_entry
from venice_ext.testing._defaults import default_routes
from venice_ext.testing._ranges import ranged
from venice_ext.testing._replies import Action, RecordedRequest, Reply, Reset, Respond
from venice_ext.testing._routes import RouteTable, path_pattern
from venice_ext.testing._sender import ReplySender
from venice_ext.testing._wire import MAX_HEADER_BYTES, ConnectionClosed, close_quietly, read_body, read_headers, reset

if TYPE_CHECKING:
    from venice_ext.testing._enclave import FakeEnclave
    from venice_ext.testing._ratelimit import RateLimit

__all__ = ["FakeVenice", "RecordedRequest"]

API_PREFIX = "/api/v1"


class FakeVenice:
    """The fake server. Use as a context manager, or call start() and stop().

    `api_key`: requests must carry `Authorization: Bearer <api_key>` (401 otherwise);
    None accepts any request. `routes` maps (METHOD, path template) to default
    answers; by default the canned answers for every operation of the spec.
    `models`: the `/models` entries the fake lists, by default Venice's real listing
    (every type); the canned answers refuse any other model as Venice does (404, or
    400 where the spec enumerates the field). `add_model` lists one more.
    `enclave=True` (or a FakeEnclave) adds an E2EE model, `fake.enclave`: it serves
    `/tee/attestation` and `/tee/signature` and answers E2EE chat requests encrypted
    (needs the `e2ee` extra). `port` 0 picks a free one. Every answer carries
    `x-venice-balance-usd` (and `-diem`), counting down from `balance_usd` by
    `COST_PER_POST` for each POST under /api/v1.
    """

    COST_PER_POST = 0.0125
    # The canned answers' instant (2026-08-21T09:30:00Z), so an added model is as old as the rest.
    ADDED_MODEL_CREATED = 1787304600

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
        models: Iterable[Mapping[str, Any]] | None = None,
    ) -> None:
        self.api_key = api_key
        self.requested_port = port
        # Sent as `x-venice-balance-usd` and lowered by every POST, as paid requests lower Venice's.
        self.balance_usd = balance_usd
        self.rate_limit = rate_limit  # limits and prices enforced on /api/v1 (testing/_ratelimit.py)
        self.extra_headers = dict(extra_headers or {})
        self._lock = threading.Lock()
        self._routes = RouteTable()
        self._catalogue = ModelCatalogue(models)
        self._requests: list[RecordedRequest] = []
        self._connections = 0
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None
        self._sender = ReplySender(self._base_headers, self._stopping)
        for (method, template), action in (routes if routes is not None else default_routes(self._catalogue)).items():
            self._routes.add_api_default(method, template, action)
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
            close_quietly(sock)
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
        self._routes.script(method.upper(), path, actions)

    def set_default(self, method: str, path: str, action: Action) -> None:
        """Answer every request to `path` with `action` once its script runs out."""
        self._routes.set_default(method.upper(), path, action)

    def wrap_default(self, method: str, path: str, wrap: Callable[[Action | None], Action]) -> None:
        """Replace the default answer of `path` by `wrap(current default)`, e.g. to answer some requests differently."""
        self._routes.wrap_default(method.upper(), path, wrap)

    def add_model(self, model_id: str, type: str = "text", **model_spec: Any) -> dict[str, Any]:
        """List `model_id` (of `type`: text, image, video, tts...) from now on, so the canned answers take it.

        `model_spec` goes into its listing entry (`capabilities={...}`, `pricing={...}`,
        `traits=[...]`); what the spec requires and is not given is filled in (a text
        model's capabilities default to off). An id already listed is replaced. Returns the entry.
        """
        entry = new_entry(model_id, type, self.ADDED_MODEL_CREATED, model_spec)
        self._catalogue.add(entry)
        return entry

    @property
    def models(self) -> list[dict[str, Any]]:
        """The models the fake lists (`GET /models?type=all`), a copy."""
        return self._catalogue.entries()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        pattern = path_pattern(path)
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
        self._routes.clear_scripts()

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
                except (ConnectionClosed, OSError):
                    return
        finally:
            with self._lock:
                self._sockets.discard(sock)
            reader.close()
            close_quietly(sock)

    def _serve_one(self, sock: socket.socket, reader: Any, connection: int) -> bool:
        """Serve one request; False when the connection must end."""
        request_line = reader.readline(MAX_HEADER_BYTES)
        if not request_line:
            raise ConnectionClosed
        method, target, _version = request_line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        headers = read_headers(reader)
        full_path, _, query = target.partition("?")
        in_api = full_path.startswith(API_PREFIX)
        path = full_path[len(API_PREFIX) :] if in_api else full_path
        action: Action | None = self._routes.next_action(method, path, in_api=in_api)
        if isinstance(action, Reset) and not action.read_body:
            self._record(method, path, query, headers, b"", connection, "reset before body")
            reset(sock)
            return False
        body = read_body(reader, headers)
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
        return self._sender.perform(sock, ranged(action, headers.get("range")))

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

    def _base_headers(self) -> dict[str, str]:
        with self._lock:
            balance = self.balance_usd
        return {
            "cf-ray": f"fake-{int(time.time() * 1000) % 10**9:09d}",
            "x-venice-balance-usd": f"{balance:.4f}",
            "x-venice-balance-diem": "12.5000",
            **self.extra_headers,
        }
