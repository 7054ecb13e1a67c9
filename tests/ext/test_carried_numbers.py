"""The cap and quote a call hands the spend transport in headers: taken off every request,
looked for only when the request may carry them.

`http_request` marks a request whose headers hold neither (`NONE_CARRIED`); hypothesis
holds the mark to the headers (any case, any mix) and `taken_numbers` to what looking
through the headers finds. Then real sockets: a cap given by `with_options` reaches the
transport down every path that builds a request (whole calls, streams on every client
flavour, a hand-built request), and no internal header ever reaches the server.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from venice_api.api.chat import create_chat_completion
from venice_api.models import ChatCompletionRequest
from venice_ext import AsyncVenice, Venice, aiohttp_transport
from venice_ext._core._calls import apply_defaults, http_request
from venice_ext._core._carried import NONE_CARRIED, QUOTE_HEADER, SPEND_CAP_HEADER, taken_numbers
from venice_ext._core._transport import EXTENSION
from venice_ext.cost import estimate_cost
from venice_ext.errors import RequestValidationError, SpendCapExceededError
from venice_ext.testing import FakeVenice, RateLimit
from venice_ext.testing._canned_models import models as canned_models

FLAVORS = ["sync", "async-httpx", "async-aiohttp"]
MODEL = "venice-uncensored-1-2"
MESSAGES = [{"role": "user", "content": "hi"}]

_names = st.sampled_from(
    [SPEND_CAP_HEADER, SPEND_CAP_HEADER.upper(), "X-Venice-Ext-Quote-Usd", "X-Trace", "x-venice-ext-other", "Accept"]
)
_numbers = st.floats(0, 100, allow_nan=False).map(repr)
_extra_headers = st.dictionaries(_names, _numbers, max_size=4).filter(
    lambda headers: len({name.lower() for name in headers}) == len(headers)
)


def _built(extra_headers: dict[str, str]) -> httpx.Request:
    kwargs = http_request(
        create_chat_completion,
        {},
        ChatCompletionRequest.from_dict({"model": MODEL, "messages": MESSAGES}),
        {"extra_headers": extra_headers} if extra_headers else {},
    )
    kwargs.pop("json")
    return httpx.Request(kwargs["method"], "https://api.venice.ai/api/v1" + kwargs["url"], **_sendable(kwargs))


def _sendable(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"headers": kwargs.get("headers"), "extensions": kwargs["extensions"]}


def _looked_through(request: httpx.Request) -> tuple[float | None, float | None]:
    """What taken_numbers finds on a copy of the request without the mark."""
    copy = httpx.Request(request.method, request.url, headers=request.headers, extensions={})
    return taken_numbers(copy)


@given(extra_headers=_extra_headers)
def test_the_mark_says_exactly_that_no_number_is_carried(extra_headers: dict[str, str]) -> None:
    request = _built(extra_headers)
    carried = any(name.lower() in (SPEND_CAP_HEADER, QUOTE_HEADER) for name in extra_headers)
    assert (NONE_CARRIED in request.extensions[EXTENSION]) is not carried


@given(extra_headers=_extra_headers)
def test_the_numbers_taken_are_those_the_headers_hold(extra_headers: dict[str, str]) -> None:
    request = _built(extra_headers)
    expected = _looked_through(request)
    assert taken_numbers(request) == expected
    assert SPEND_CAP_HEADER not in request.headers and QUOTE_HEADER not in request.headers


@pytest.mark.parametrize(
    "headers",
    [{SPEND_CAP_HEADER: "1.0", SPEND_CAP_HEADER.upper(): "2.0"}, {QUOTE_HEADER: "a dollar"}],
    ids=["twice", "not-a-number"],
)
def test_a_number_spelt_out_wrong_is_a_typed_error(headers: dict[str, str]) -> None:
    with pytest.raises(RequestValidationError, match="must be given once, as a number"):
        taken_numbers(_built(headers))


@given(own=_extra_headers, defaults=_extra_headers)
def test_a_clients_default_headers_added_later_are_looked_for(own: dict[str, str], defaults: dict[str, str]) -> None:
    request = _built(own)
    apply_defaults(request, {"extra_headers": defaults} if defaults else {})
    expected = _looked_through(request)
    assert taken_numbers(request) == expected


# --- real sockets ---------------------------------------------------------------------


def _estimate() -> float:
    body = {"model": MODEL, "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    return estimate_cost(canned_models().json["data"], "/chat/completions", body).usd


def _stream_with_cap(flavor: str, fake: FakeVenice, cap: float) -> None:
    if flavor == "sync":
        with Venice(api_key="test-key", base_url=fake.base_url, max_retries=0) as client:
            capped = client.with_options(max_usd=cap).chat.completions
            with capped.stream(model=MODEL, messages=MESSAGES) as chunks:
                chunks.final()
        return

    async def run() -> None:
        transport = {"transport": aiohttp_transport()} if flavor == "async-aiohttp" else {}
        async with AsyncVenice(api_key="test-key", base_url=fake.base_url, max_retries=0, **transport) as client:
            stream = await client.with_options(max_usd=cap).chat.completions.stream(model=MODEL, messages=MESSAGES)
            async with stream as chunks:
                await chunks.final()

    asyncio.run(run())


@pytest.fixture
def priced() -> Any:
    with FakeVenice(rate_limit=RateLimit(balance_usd=100.0)) as fake:
        yield fake


def _internal_headers_seen(fake: FakeVenice) -> list[str]:
    return [name for request in fake.requests for name in request.headers if name.lower().startswith("x-venice-ext")]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_default_cap_bounds_a_stream(flavor: str, priced: FakeVenice) -> None:
    with pytest.raises(SpendCapExceededError):
        _stream_with_cap(flavor, priced, _estimate() / 2)
    assert priced.requests_to("POST", "/chat/completions") == []
    _stream_with_cap(flavor, priced, _estimate() * 10)
    assert len(priced.requests_to("POST", "/chat/completions")) == 1
    assert _internal_headers_seen(priced) == []


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_cap_on_a_request_built_by_hand_is_taken_off(flavor: str, priced: FakeVenice) -> None:
    hand_built = {SPEND_CAP_HEADER.upper(): "5.0", QUOTE_HEADER: "0.1"}
    if flavor == "sync":
        with Venice(api_key="test-key", base_url=priced.base_url, max_retries=0) as client:
            client.with_options(max_usd=5.0).models.list()
            assert client.http_client.get("models", headers=hand_built).status_code == 200
    else:

        async def run() -> None:
            transport = {"transport": aiohttp_transport()} if flavor == "async-aiohttp" else {}
            async with AsyncVenice(api_key="test-key", base_url=priced.base_url, max_retries=0, **transport) as client:
                await client.with_options(max_usd=5.0).models.list()
                assert (await client.http_client.get("models", headers=hand_built)).status_code == 200

        asyncio.run(run())
    assert len(priced.requests_to("GET", "/models")) == 2
    assert _internal_headers_seen(priced) == []


def test_a_marked_request_s_headers_are_not_looked_through() -> None:
    request = _built({"X-Trace": "1"})
    looks: list[object] = []
    original = httpx.Headers.__contains__

    def counted(self: httpx.Headers, key: object) -> bool:
        looks.append(key)
        return original(self, key)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.Headers, "__contains__", counted)
        assert taken_numbers(request) == (None, None)
        assert looks == []
        request.extensions[EXTENSION].pop(NONE_CARRIED)
        assert taken_numbers(request) == (None, None)
        assert looks == [SPEND_CAP_HEADER, QUOTE_HEADER]
