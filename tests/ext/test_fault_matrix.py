"""The fault matrix: each fault, through the real sync and async transports, against the fake server.

For every case: the outcome (success, or the typed error), how many requests the
server saw (a billable request is never seen twice unless the caller opted in),
and the total sleep the retry loop asked for (injected, so nothing really waits).
"""

from __future__ import annotations

import asyncio
import http.server
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.ext.conftest import API_KEY, FakeClock
from venice_api.api.chat import create_chat_completion
from venice_api.api.crypto_rpc import crypto_rpc_proxy
from venice_api.api.models import list_models
from venice_api.api.video import queue_video, retrieve_video
from venice_api.models import ChatCompletionRequest, QueueVideoRequest, RetrieveVideoRequest
from venice_ext import AsyncVenice, FailureBudget, Venice
from venice_ext import errors as e
from venice_ext.testing import SSE, Action, DropAfter, FakeVenice, Reply, Reset, Stall
from venice_ext.testing._canned_text import chat_completion

CHAT_BODY = ChatCompletionRequest.from_dict(
    {"model": "venice-uncensored-1-2", "messages": [{"role": "user", "content": "hi"}]}
)
VENICE_500 = Reply(500, json={"error": "Inference failed"})
OK_MODELS = Reply(json={"object": "list", "type": "text", "data": []})


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    script: tuple[Action, ...]
    expect: type[Exception] | None
    requests: int
    slept: float
    call: dict[str, Any] = field(default_factory=dict)


def chat(
    name: str, script: tuple[Action, ...], expect: type[Exception] | None, requests: int, slept: float, **call: Any
) -> Case:
    return Case(name, "POST", "/chat/completions", script, expect, requests, slept, call)


def models(
    name: str, script: tuple[Action, ...], expect: type[Exception] | None, requests: int, slept: float, **call: Any
) -> Case:
    return Case(name, "GET", "/models", script, expect, requests, slept, call)


# Backoff with the fixed jitter of 0.5: 0.375 s, then 0.75 s.
CASES = [
    models(
        "429 with Retry-After then OK",
        (Reply(429, json={"error": "Rate limit"}, headers={"Retry-After": "2"}), OK_MODELS),
        None,
        2,
        2.0,
    ),
    chat("429 without a wait then OK", (Reply(429, json={"error": "Rate limit exceeded"}),), None, 2, 0.375),
    chat("429 retry-after-ms", (Reply(429, json={"error": "x"}, headers={"retry-after-ms": "1500"}),), None, 2, 1.5),
    chat(
        "429 asks for too long a wait",
        (Reply(429, json={"error": "x"}, headers={"Retry-After": "120"}),),
        e.RateLimitError,
        1,
        0.0,
    ),
    chat("503 three times", (Reply(503, json={"error": "at capacity"}),) * 3, e.ModelAtCapacityError, 3, 1.125),
    chat("500 with a Venice body then OK", (VENICE_500,), None, 2, 0.375),
    chat(
        "500 HTML page is not retried",
        (Reply(500, body="<html>oops</html>", content_type="text/html"),),
        e.ServerError,
        1,
        0.0,
    ),
    chat("502 is ambiguous for chat", (Reply(502, json={"error": "bad gateway"}),), e.ServerError, 1, 0.0),
    chat("504 is ambiguous for chat", (Reply(504, json={"error": "timeout"}),), e.ServerError, 1, 0.0),
    chat(
        "502 retried when the call opts in",
        (Reply(502, json={"error": "bad gateway"}),),
        None,
        2,
        0.375,
        retry_ambiguous=True,
    ),
    models("502 on a GET is retried", (Reply(502, body=b"bad gateway"), OK_MODELS), None, 2, 0.375),
    chat("reset after the request was read", (Reset(read_body=True),), e.APIConnectionError, 1, 0.0),
    chat("reset before the body was read", (Reset(read_body=False),), e.APIConnectionError, 1, 0.0),
    models("reset on a GET is retried", (Reset(), OK_MODELS), None, 2, 0.375),
    chat("dropped mid-answer", (DropAfter(60, Reply(json={"id": "x" * 200})),), e.APIConnectionError, 1, 0.0),
    chat("read timeout", (Stall(2.0, Reply(json={})),), e.APITimeoutError, 1, 0.0, timeout=httpx.Timeout(5, read=0.3)),
    models(
        "read timeout on a GET is retried",
        (Stall(2.0, OK_MODELS), OK_MODELS),
        None,
        2,
        0.375,
        timeout=httpx.Timeout(5, read=0.3),
    ),
    chat("400 is final", (Reply(400, json={"error": "Invalid request parameters"}),), e.BadRequestError, 1, 0.0),
    chat("max_retries=0 per call", (Reply(429, json={"error": "x"}),), e.RateLimitError, 1, 0.0, max_retries=0),
    Case("video retrieve reset then OK", "POST", "/video/retrieve", (Reset(),), None, 2, 0.375),
    Case("video queue reset is not repeated", "POST", "/video/queue", (Reset(),), e.APIConnectionError, 1, 0.0),
]


def operation(case: Case) -> tuple[Any, dict[str, Any]]:
    """The generated operation a case calls, and its arguments besides the case's own."""
    if case.path == "/chat/completions":
        return create_chat_completion, {"body": CHAT_BODY}
    if case.path == "/models":
        return list_models, {}
    if case.path == "/video/retrieve":
        return retrieve_video, {"body": RetrieveVideoRequest(model="wan-2-7-text-to-video", queue_id="q")}
    body = QueueVideoRequest.from_dict({"model": "wan-2.5-preview-text-to-video", "prompt": "a cat", "duration": "5s"})
    return queue_video, {"body": body}


def send(client: Venice, case: Case) -> Any:
    function, arguments = operation(case)
    return client.call(function, **arguments, **case.call)


def send_async(client: AsyncVenice, case: Case) -> Any:
    function, arguments = operation(case)

    async def run() -> Any:
        async with client:
            return await client.call(function, **arguments, **case.call)

    return asyncio.run(run())


# Every case runs through both transports: the async one has a retry loop of its own.
twins = pytest.mark.parametrize("twin", ["sync", "async"])


@twins
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_fault_matrix(
    case: Case, twin: str, fake: FakeVenice, client: Venice, async_client: AsyncVenice, clock: FakeClock
) -> None:
    fake.script(case.method, case.path, *case.script)

    def call() -> Any:
        return send(client, case) if twin == "sync" else send_async(async_client, case)

    if case.expect is None:
        call()
    else:
        with pytest.raises(case.expect) as caught:
            call()
        if case.path in ("/chat/completions", "/video/queue") and isinstance(caught.value, e.APIConnectionError):
            assert caught.value.may_have_been_processed, "the error says the paid request may have gone through"
    assert len(fake.requests_to(case.method, case.path)) == case.requests
    assert sum(clock.sleeps) == pytest.approx(case.slept)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call_twin(
    twin: str, base_url: str, clock: FakeClock, function: Any, options: dict[str, Any] | None = None, **arguments: Any
) -> Any:
    """`function(**arguments)` called once through a new sync or async client made with `options`."""
    options = {"api_key": API_KEY, "base_url": base_url, "hooks": clock.hooks(), **(options or {})}
    if twin == "sync":
        with Venice(**options) as client:
            return client.call(function, **arguments)

    async def run() -> Any:
        async with AsyncVenice(**options) as client:
            return await client.call(function, **arguments)

    return asyncio.run(run())


@twins
def test_connection_refused_is_retried_then_reported(twin: str, clock: FakeClock) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}/api/v1"
    with pytest.raises(e.APIConnectionError) as caught:
        call_twin(twin, base_url, clock, create_chat_completion, body=CHAT_BODY)
    assert not caught.value.may_have_been_processed
    assert clock.sleeps == [0.375, 0.75]


class LateServer:
    """A one-route HTTP server on a port chosen in advance, listening only once `start()` is called."""

    def __init__(self, port: int, body: bytes) -> None:
        self.port = port
        self.seen: list[str] = []
        late = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                late.seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.handler = Handler
        self.server: http.server.ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)


@twins
def test_a_connect_error_is_retried_and_the_retry_is_answered(twin: str, clock: FakeClock) -> None:
    # Refused while nothing listens; the server comes up during the backoff, as a restarted proxy would.
    late = LateServer(closed_port(), chat_completion().payload())

    def sleep_then_start(seconds: float) -> None:
        clock.sleeps.append(seconds)
        if late.server is None:
            late.start()

    async def async_sleep_then_start(seconds: float) -> None:
        sleep_then_start(seconds)

    clock.sleep = sleep_then_start  # type: ignore[method-assign]
    clock.async_sleep = async_sleep_then_start  # type: ignore[method-assign]
    try:
        completion = call_twin(
            twin, f"http://127.0.0.1:{late.port}/api/v1", clock, create_chat_completion, body=CHAT_BODY
        )
    finally:
        late.stop()
    assert completion.choices[0].message.content
    assert late.seen == ["/api/v1/chat/completions"], "a chat completion, retried because it was never sent"
    assert clock.sleeps == [0.375]


@twins
def test_transport_errors_count_in_the_failure_budget(twin: str, fake: FakeVenice, clock: FakeClock) -> None:
    budget = FailureBudget(limit=2, window=30)
    fake.script("GET", "/models", Reset(), Reset(), OK_MODELS)
    with pytest.raises(e.RetryBudgetExceededError) as caught:
        call_twin(twin, fake.base_url, clock, list_models, {"failure_budget": budget})
    assert isinstance(caught.value.last_error, e.APIConnectionError)
    assert len(fake.requests_to("GET", "/models")) == 2, "the second reset spent the budget: no third request"
    assert budget.failures(clock.now) == 2


def test_crypto_rpc_gets_an_idempotency_key_and_is_retried_with_the_same_one(fake: FakeVenice, client: Venice) -> None:
    from venice_api.models import CryptoRpcProxyBodyType0

    fake.script("POST", "/crypto/rpc/{network}", Reset(), Reply(json={"jsonrpc": "2.0", "id": 1, "result": "0x1"}))
    body = CryptoRpcProxyBodyType0.from_dict({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []})
    client.call(crypto_rpc_proxy, network="base-mainnet", body=body)
    seen = fake.requests_to("POST", "/crypto/rpc/{network}")
    assert len(seen) == 2
    keys = {request.headers.get("idempotency-key") for request in seen}
    assert len(keys) == 1 and None not in keys


def test_retry_ambiguous_client_wide_switch(fake: FakeVenice, clock: FakeClock) -> None:
    fake.script("POST", "/chat/completions", Reply(504, json={"error": "timeout"}))
    with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks(), retry_ambiguous=True) as client:
        client.call(create_chat_completion, body=CHAT_BODY)
        fake.script("POST", "/chat/completions", Reply(504, json={"error": "timeout"}))
        with pytest.raises(e.ServerError):
            client.call(create_chat_completion, body=CHAT_BODY, retry_ambiguous=False)
    assert len(fake.requests_to("POST", "/chat/completions")) == 3


def test_failure_budget_stops_retrying_before_venice_blocks_the_key(fake: FakeVenice, clock: FakeClock) -> None:
    budget = FailureBudget(limit=4, window=30)
    fake.set_default("GET", "/models", Reply(503, json={"error": "at capacity"}))
    with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks(), failure_budget=budget) as client:
        with pytest.raises(e.ModelAtCapacityError):
            client.call(list_models)  # 3 failures: still under the budget
        with pytest.raises(e.RetryBudgetExceededError) as caught:
            client.call(list_models)  # the 4th failure spends it: no retry
    assert isinstance(caught.value.last_error, e.ModelAtCapacityError)
    assert "Venice blocks a key" in str(caught.value)
    assert len(fake.requests_to("GET", "/models")) == 4


def test_raw_generated_calls_retry_through_the_same_transport(
    fake: FakeVenice, client: Venice, clock: FakeClock
) -> None:
    fake.script("GET", "/models", Reply(429, json={"error": "x"}, headers={"Retry-After": "1"}), OK_MODELS)
    response = list_models.sync_detailed(client=client.raw)
    assert response.status_code == 200
    assert len(fake.requests_to("GET", "/models")) == 2 and clock.sleeps == [1.0]


def test_retries_are_logged_at_info(fake: FakeVenice, client: Venice, caplog: pytest.LogCaptureFixture) -> None:
    fake.script("GET", "/models", Reply(503, json={"error": "busy"}), OK_MODELS)
    with caplog.at_level("INFO", logger="venice_ext"):
        client.call(list_models)
    [record] = [r for r in caplog.records if r.name == "venice_ext"]
    assert record.levelname == "INFO"
    assert "retrying GET /models after 503 Service Unavailable" in record.getMessage()
    assert "waiting 0.38 s" in record.getMessage()


def test_streamed_sse_answer_passes_through_untouched(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", SSE([{"choices": [{"delta": {"content": "hi"}}]}]))
    with client.http_client.stream("POST", "chat/completions", json={"model": "m", "messages": []}) as response:
        body = response.read()
    assert b'data: {"choices"' in body and body.endswith(b"data: [DONE]\n\n")
