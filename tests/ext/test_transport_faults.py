"""The fault matrix over raw sockets: each fault x sync/async x default transport, aiohttp, proxy.

A raw server (tests/support/raw_server.py) answers with the fault, so the faults
httpx-aiohttp misreports (a reset or close after the request was read, a garbage
status line) are real bytes on a real socket. Each case asserts the outcome and how
many requests the server saw: a billable chat completion is never seen twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.ext.conftest import API_KEY, FakeClock
from tests.support.raw_server import OK_CHAT, OK_MODELS, RawServer, reply
from tests.support.recording_proxy import RecordingProxy
from venice_api.api.chat import create_chat_completion
from venice_api.api.models import list_models
from venice_api.models import ChatCompletionRequest
from venice_ext import AsyncVenice, Venice, aiohttp_transport
from venice_ext import errors as e

CHAT_BODY = ChatCompletionRequest.from_dict(
    {"model": "venice-uncensored", "messages": [{"role": "user", "content": "hi"}]}
)
RATE_LIMITED = reply(429, headers={"Retry-After": "0"})
RATE_LIMITED_NO_WAIT = reply(429)


@dataclass(frozen=True)
class Fault:
    name: str
    script: tuple[object, ...]
    expect: type[Exception] | None
    requests: int
    chat: bool = True


FAULTS = [
    Fault("reset before the request is read", ("reset-before",), e.APIConnectionError, 1),
    Fault("reset after the request is read", ("reset-after",), e.APIConnectionError, 1),
    Fault("close after the request is read", ("close",), e.APIConnectionError, 1),
    Fault("garbage status line", ("garbage",), e.APIConnectionError, 1),
    Fault("429 Retry-After then OK", (RATE_LIMITED, reply(200, OK_CHAT)), None, 2),
    Fault("429 without a wait then OK", (RATE_LIMITED_NO_WAIT, reply(200, OK_CHAT)), None, 2),
    Fault("503 three times", (reply(503),), e.ModelAtCapacityError, 3),
    Fault("500 Venice body then OK", (reply(500, b'{"error":"Inference failed"}'), reply(200, OK_CHAT)), None, 2),
    Fault("502 on chat is ambiguous", (reply(502),), e.ServerError, 1),
    Fault("read timeout", (("stall", 3.0),), e.APITimeoutError, 1),
    Fault("reset after read on a GET is retried", ("reset-after", reply(200, OK_MODELS)), None, 2, chat=False),
    Fault("close on a GET is retried", ("close", reply(200, OK_MODELS)), None, 2, chat=False),
    Fault("garbage on a GET is retried", ("garbage", reply(200, OK_MODELS)), None, 2, chat=False),
]

TRANSPORTS = [("sync", "default"), ("async", "default"), ("async", "aiohttp"), ("sync", "proxy"), ("async", "proxy")]


def run_call(twin: str, transport: str, base_url: str, fault: Fault, proxy_port: int | None) -> Any:
    clock = FakeClock()
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "base_url": base_url,
        "hooks": clock.hooks(),
        "timeout": httpx.Timeout(5, read=0.5),
    }
    if proxy_port is not None:
        options["proxy"] = f"http://127.0.0.1:{proxy_port}"
    function, arguments = (create_chat_completion, {"body": CHAT_BODY}) if fault.chat else (list_models, {})
    if twin == "sync":
        with Venice(**options) as client:
            return client.call(function, **arguments)

    async def run() -> Any:
        if transport == "aiohttp":
            options["transport"] = aiohttp_transport()
        async with AsyncVenice(**options) as client:
            return await client.call(function, **arguments)

    return asyncio.run(run())


@pytest.mark.parametrize(("twin", "transport"), TRANSPORTS, ids=lambda value: str(value))
@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_fault_matrix_over_raw_sockets(twin: str, transport: str, fault: Fault) -> None:
    with RawServer(*fault.script) as server:
        proxy = RecordingProxy(server.port) if transport == "proxy" else None
        try:
            if proxy is not None:
                proxy.__enter__()
            proxy_port = proxy.port if proxy is not None else None
            if fault.expect is None:
                run_call(twin, transport, server.base_url, fault, proxy_port)
            else:
                with pytest.raises(fault.expect) as caught:
                    run_call(twin, transport, server.base_url, fault, proxy_port)
                if (
                    fault.chat
                    and isinstance(caught.value, e.APIConnectionError)
                    and fault.name != "garbage status line"
                ):
                    assert caught.value.may_have_been_processed or fault.script == ("reset-before",)
        finally:
            if proxy is not None:
                proxy.stop()
        assert server.seen == fault.requests, f"{fault.name}: the server saw {server.seen} requests"
        if proxy is not None:
            assert all(path.startswith("http://127.0.0.1:") for path in server.paths), "went through the proxy"


@pytest.mark.parametrize("how", ["environment", "http_client"])
@pytest.mark.parametrize("twin", ["sync", "async"])
def test_a_proxy_from_the_environment_or_a_users_http_client_keeps_the_retry_policy(
    twin: str, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 429 then OK: answered only if our retry layer sits under the proxy transport httpx mounts.
    with RawServer(RATE_LIMITED, reply(200, OK_MODELS)) as server, RecordingProxy(server.port) as proxy:
        proxy_url = f"http://127.0.0.1:{proxy.port}"
        clock = FakeClock()
        options: dict[str, Any] = {"api_key": API_KEY, "base_url": server.base_url, "hooks": clock.hooks()}
        if how == "environment":
            monkeypatch.setenv("HTTP_PROXY", proxy_url)
            monkeypatch.delenv("NO_PROXY", raising=False)
            monkeypatch.delenv("no_proxy", raising=False)
        if twin == "sync":
            if how == "http_client":
                options["http_client"] = httpx.Client(proxy=proxy_url)
            with Venice(**options) as client:
                client.call(list_models)
        else:

            async def run() -> None:
                if how == "http_client":
                    options["http_client"] = httpx.AsyncClient(proxy=proxy_url)
                async with AsyncVenice(**options) as client:
                    await client.call(list_models)

            asyncio.run(run())
        assert server.seen == 2 and proxy.connections >= 1
        assert all(path.startswith("http://127.0.0.1:") for path in server.paths)


def test_an_http_client_that_already_carries_a_retry_policy_is_refused() -> None:
    with (
        Venice(api_key=API_KEY, base_url="http://127.0.0.1:9/api/v1", allow_insecure_http=True) as first,
        pytest.raises(e.ConfigurationError, match="already carries"),
    ):
        Venice(api_key=API_KEY, http_client=first.http_client)


def test_proxy_with_a_transport_of_ones_own_is_refused() -> None:
    with pytest.raises(e.ConfigurationError, match="proxy="):
        Venice(api_key=API_KEY, proxy="http://127.0.0.1:9", transport=httpx.HTTPTransport())


@pytest.mark.parametrize("twin", ["sync", "async"])
def test_a_client_deadline_bounds_retries_and_waits(twin: str) -> None:
    # Retry-After: 5 three times fits max_retry_wait, but not a 7 s deadline: one wait, then the timeout error.
    with RawServer(reply(429, headers={"Retry-After": "5"})) as server:
        clock = FakeClock()
        options: dict[str, Any] = {"api_key": API_KEY, "base_url": server.base_url, "hooks": clock.hooks()}
        options["deadline"] = 7.0
        with pytest.raises(e.APITimeoutError, match="deadline") as caught:
            if twin == "sync":
                with Venice(**options) as client:
                    client.call(list_models)
            else:

                async def run() -> None:
                    async with AsyncVenice(**options) as client:
                        await client.call(list_models)

                asyncio.run(run())
        assert isinstance(caught.value.__cause__, e.RateLimitError)
        assert server.seen == 2 and clock.sleeps == [5.0]


@pytest.mark.parametrize("twin", ["sync", "async"])
def test_the_total_wait_cap_bounds_a_call_whose_waits_are_each_allowed(twin: str) -> None:
    with RawServer(reply(429, headers={"Retry-After": "59"})) as server:
        clock = FakeClock()
        options: dict[str, Any] = {"api_key": API_KEY, "base_url": server.base_url, "hooks": clock.hooks()}
        options.update(max_retries=3, max_total_retry_wait=100.0)
        with pytest.raises(e.RateLimitError):
            if twin == "sync":
                with Venice(**options) as client:
                    client.call(list_models)
            else:

                async def run() -> None:
                    async with AsyncVenice(**options) as client:
                        await client.call(list_models)

                asyncio.run(run())
        assert clock.sleeps == [59.0], "a second 59 s wait would pass the 100 s cap"
        assert server.seen == 2


def test_a_per_request_deadline_in_the_extension_wins_over_the_clients() -> None:
    with RawServer(reply(429, headers={"Retry-After": "5"}), reply(200, OK_MODELS)) as server:
        clock = FakeClock()
        with Venice(api_key=API_KEY, base_url=server.base_url, hooks=clock.hooks(), deadline=2.0) as client:
            response = client.http_client.get("models", extensions={"venice": {"deadline": 60.0}})
        assert response.status_code == 200 and server.seen == 2 and clock.sleeps == [5.0]
        assert response.extensions["venice_deadline_at"] == pytest.approx(clock.now - 5.0 + 60.0)
