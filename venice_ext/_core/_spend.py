"""The spend cap's hook: a transport around the retry transport that meters billable requests.

Every request passes here once per call (retries happen inside). A request that is not
billable (`safety_of` in `_retry.py`) passes untouched, and so does everything when no
cap is set (client or call). A billable one is priced with `estimate_cost` from the model
listing (fetched once through the client, cached by `client.models`), reserved in the
`SpendLedger`, sent, and settled with its actual cost, taken from, in this order:

1. the answer's `usage` (prompt and completion tokens) priced from the listing;
2. the difference of `x-venice-balance-usd` before and after, when no other request
   was in flight meanwhile (so the difference is this request's alone);
3. the estimate itself, when neither is available (streams, images, audio).

A failure that certainly cost nothing (an error status other than 502/504, a connection
that never reached Venice, a call the failure budget refused) releases the estimate; an
ambiguous one (a read timeout, a lost connection, a cancelled task) keeps it as spent.
A request the estimator cannot price is refused with CostUnknownError, unless the client
was built with `allow_unpriced=True`: then it is reserved at $0 and settled from the
balance difference when there is one. `SPEND_CAP_HEADER` carries a call's own cap
from `call(..., max_usd=...)` to here; it is removed before the request leaves.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from venice_ext._core._ledger import Reservation, SpendLedger
from venice_ext._core._retry import Safety, safety_of
from venice_ext.errors import (
    APIConnectionError,
    APIStatusError,
    CostUnknownError,
    FailureBudgetSpentError,
    RetryBudgetExceededError,
)

__all__ = ["SPEND_CAP_HEADER", "AsyncSpendCapTransport", "Listing", "SpendCapTransport", "usage_cost"]

SPEND_CAP_HEADER = "x-venice-ext-max-usd"
BALANCE_HEADER = "x-venice-balance-usd"
Listing = list[dict[str, Any]]
# Failed before the request left: Venice never saw it, so it cost nothing.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_AMBIGUOUS_STATUSES = (502, 504)


def _json_of(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _relative(path: str, base_path: str) -> str:
    base = base_path.rstrip("/")
    return path[len(base) :] if base and path.startswith(base) else path


def _price(listing: Listing, model: str, kind: str) -> float | None:
    for entry in listing:
        if entry.get("id") == model:
            price = entry.get("model_spec", {}).get("pricing", {}).get(kind)
            usd = price.get("usd") if isinstance(price, Mapping) else None
            return float(usd) if isinstance(usd, (int, float)) else None
    return None


def usage_cost(listing: Listing, body: Any, answer: Any) -> float | None:
    """The answer's `usage` priced per million tokens from the listing, or None when it cannot be."""
    if not isinstance(answer, Mapping) or not isinstance(answer.get("usage"), Mapping):
        return None
    usage = answer["usage"]
    model = body.get("model") if isinstance(body, Mapping) else None
    if not isinstance(model, str):
        return None
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens", 0)
    input_price, output_price = _price(listing, model, "input"), _price(listing, model, "output")
    if not isinstance(prompt, int) or not isinstance(completion, int) or input_price is None:
        return None
    return (prompt * input_price + completion * (output_price or 0.0)) / 1e6


def _balance_of(response: httpx.Response) -> float | None:
    try:
        return float(response.headers[BALANCE_HEADER])
    except (KeyError, ValueError):
        return None


def _call_cap(request: httpx.Request) -> float | None:
    # `in` first: httpx.Headers.pop of an absent name raises and catches a KeyError inside.
    if SPEND_CAP_HEADER not in request.headers:
        return None
    return float(request.headers.pop(SPEND_CAP_HEADER))


def _is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")


def _cost_nothing(error: BaseException) -> bool:
    """Whether a call that raised certainly cost nothing; anything unsure counts its estimate."""
    if isinstance(error, FailureBudgetSpentError):
        return True  # refused by the retry transport before sending
    if isinstance(error, RetryBudgetExceededError):
        return error.last_error is not None and _cost_nothing(error.last_error)
    if isinstance(error, APIStatusError):
        return error.status_code not in _AMBIGUOUS_STATUSES
    if isinstance(error, APIConnectionError):
        return not error.may_have_been_processed
    return isinstance(error, _NOT_SENT)


class _Meter:
    """What both twins share: the estimate before sending and the settlement after."""

    def __init__(self, ledger: SpendLedger, base_path: str, allow_unpriced: bool) -> None:
        self.ledger = ledger
        self.base_path = base_path
        self.allow_unpriced = allow_unpriced

    def metered(self, request: httpx.Request, call_cap: float | None) -> bool:
        if self.ledger.limit is None and call_cap is None:
            return False  # no cap: the path (an unquoting parse of the URL) is not needed
        return safety_of(request.method, _relative(request.url.path, self.base_path)) is Safety.BILLABLE

    def reserve(self, request: httpx.Request, listing: Listing, call_cap: float | None) -> tuple[Reservation, Any]:
        from venice_ext.cost import estimate_cost  # loaded by capped clients only: import time

        path = _relative(request.url.path, self.base_path)
        body = _json_of(request.content) if request.content else None
        try:
            if not isinstance(body, Mapping):
                raise CostUnknownError(f"{path}: the body is not JSON, so it cannot be priced")
            estimate = estimate_cost(listing, path, body)
        except CostUnknownError as error:
            if not self.allow_unpriced:
                raise CostUnknownError(
                    f"{error}; under max_usd a request that cannot be priced is not sent "
                    "(build the client with allow_unpriced=True to send it anyway)"
                ) from None
            return self.ledger.reserve(0.0, call_limit=call_cap), body
        return self.ledger.reserve(estimate.usd, call_limit=call_cap, model=estimate.model), body

    def failed(self, reservation: Reservation, error: BaseException) -> None:
        if _cost_nothing(error):
            self.ledger.release(reservation)
        else:
            self.ledger.settle(reservation, reservation.estimate)

    def answered(self, reservation: Reservation, listing: Listing, body: Any, response: httpx.Response) -> None:
        if response.status_code >= 400:
            if response.status_code in _AMBIGUOUS_STATUSES:
                self.ledger.settle(reservation, reservation.estimate)
            else:
                self.ledger.release(reservation)
            return
        balance = _balance_of(response)
        actual = usage_cost(listing, body, _json_of(response.content)) if _is_json(response) else None
        if actual is None and balance is not None:
            actual = self.ledger.balance_cost(reservation, balance)
        if balance is not None:
            self.ledger.observe_balance(balance)
        self.ledger.settle(reservation, reservation.estimate if actual is None else actual)


# unasync: begin async source
class AsyncSpendCapTransport(httpx.AsyncBaseTransport):
    """Refuses a billable request whose estimate would cross the cap; settles each answer's cost."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        ledger: SpendLedger,
        listing: Callable[[], Awaitable[Listing]],
        base_path: str,
        allow_unpriced: bool = False,
    ) -> None:
        self._inner = inner
        self._listing = listing
        self._meter = _Meter(ledger, base_path, allow_unpriced)
        # Many first requests at once fetch the listing once; the listing's GET is not
        # billable, so it passes here without the lock.
        self._listing_lock = asyncio.Lock()  # unasync: async-only
        # unasync: sync-only: self._listing_lock = threading.Lock()

    async def _priced_listing(self) -> Listing:
        async with self._listing_lock:
            return await self._listing()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        call_cap = _call_cap(request)
        if not self._meter.metered(request, call_cap):
            return await self._inner.handle_async_request(request)
        listing = await self._priced_listing()
        await request.aread()
        reservation, body = self._meter.reserve(request, listing, call_cap)
        try:
            response = await self._inner.handle_async_request(request)
            if _is_json(response):
                await response.aread()
        except BaseException as error:
            self._meter.failed(reservation, error)
            raise
        self._meter.answered(reservation, listing, body, response)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class SpendCapTransport(httpx.BaseTransport):
    """Refuses a billable request whose estimate would cross the cap; settles each answer's cost."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        ledger: SpendLedger,
        listing: Callable[[], Listing],
        base_path: str,
        allow_unpriced: bool = False,
    ) -> None:
        self._inner = inner
        self._listing = listing
        self._meter = _Meter(ledger, base_path, allow_unpriced)
        # Many first requests at once fetch the listing once; the listing's GET is not
        # billable, so it passes here without the lock.
        self._listing_lock = threading.Lock()

    def _priced_listing(self) -> Listing:
        with self._listing_lock:
            return self._listing()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        call_cap = _call_cap(request)
        if not self._meter.metered(request, call_cap):
            return self._inner.handle_request(request)
        listing = self._priced_listing()
        request.read()
        reservation, body = self._meter.reserve(request, listing, call_cap)
        try:
            response = self._inner.handle_request(request)
            if _is_json(response):
                response.read()
        except BaseException as error:
            self._meter.failed(reservation, error)
            raise
        self._meter.answered(reservation, listing, body, response)
        return response

    def close(self) -> None:
        self._inner.close()


# unasync: end sync twin
