"""What both spend-cap transports share (`_spend.py`): pricing a request before it is
sent, and settling its cost from the answer. No I/O of its own."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from venice_ext._core._errors_from import error_from_response
from venice_ext._core._ledger import Reservation, SpendLedger
from venice_ext._core._quotes import pricing_of, quote_body, quote_of, quote_path, quote_request
from venice_ext._core._retry import Safety, safety_of
from venice_ext.errors import (
    APIConnectionError,
    APIStatusError,
    CostUnknownError,
    FailureBudgetSpentError,
    RetryBudgetExceededError,
)

__all__ = [
    "Listing",
    "Meter",
    "UsageScanner",
    "is_event_stream",
    "is_json",
    "usage_cost",
]

Listing = list[dict[str, Any]]
BALANCE_HEADER = "x-venice-balance-usd"
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


def _usd(pricing: Mapping[str, Any], kind: str) -> float | None:
    price = pricing.get(kind)
    usd = price.get("usd") if isinstance(price, Mapping) else None
    return float(usd) if isinstance(usd, (int, float)) else None


def usage_cost(listing: Listing, body: Any, answer: Any) -> float | None:
    """The answer's `usage` priced per million tokens from the listing, or None when it cannot be."""
    if not isinstance(answer, Mapping) or not isinstance(answer.get("usage"), Mapping):
        return None
    usage = answer["usage"]
    model = body.get("model") if isinstance(body, Mapping) else None
    if not isinstance(model, str):
        return None
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens", 0)
    pricing = pricing_of(listing, model)
    input_price, output_price = _usd(pricing, "input"), _usd(pricing, "output")
    if not isinstance(prompt, int) or not isinstance(completion, int) or input_price is None:
        return None
    return (prompt * input_price + completion * (output_price or 0.0)) / 1e6


def _balance_of(response: httpx.Response) -> float | None:
    try:
        return float(response.headers[BALANCE_HEADER])
    except (KeyError, ValueError):
        return None


def is_json(response: httpx.Response) -> bool:
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


def is_event_stream(response: httpx.Response) -> bool:
    return response.status_code < 400 and "text/event-stream" in response.headers.get("content-type", "")


class UsageScanner:
    """The last `usage` object among a stream's `data:` lines, found as the bytes pass."""

    def __init__(self) -> None:
        self.usage: Mapping[str, Any] | None = None
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            # Only the lines that may hold it are parsed: a stream has many, one holds usage.
            if line.startswith(b"data:") and b'"usage"' in line:
                event = _json_of(line[5:])
                usage = event.get("usage") if isinstance(event, Mapping) else None
                if isinstance(usage, Mapping):
                    self.usage = usage


class Meter:
    """What both twins share: the estimate before sending and the settlement after."""

    def __init__(self, ledger: SpendLedger, base_path: str, allow_unpriced: bool) -> None:
        self.ledger = ledger
        self.base_path = base_path
        self.allow_unpriced = allow_unpriced

    def metered(self, request: httpx.Request, call_cap: float | None) -> bool:
        if self.ledger.limit is None and call_cap is None:
            return False  # no cap: the path (an unquoting parse of the URL) is not needed
        return safety_of(request.method, _relative(request.url.path, self.base_path)) is Safety.BILLABLE

    def read(self, request: httpx.Request) -> tuple[str, Any]:
        """The (read) request's path relative to the API base, and its JSON body (None if not JSON)."""
        return _relative(request.url.path, self.base_path), _json_of(request.content) if request.content else None

    def quote_request(self, request: httpx.Request, path: str, body: Any, listing: Listing) -> httpx.Request | None:
        """The quote to fetch as this request's estimate (a video or audio job), else None."""
        if quote_path(path) is None or not isinstance(body, Mapping):
            return None
        return quote_request(request, path, quote_body(path, body, listing))

    def quoted(self, response: httpx.Response, path: str) -> float:
        """The price in a (read) quote answer; its balance is the one the job's difference starts from."""
        if response.status_code >= 400:
            raise error_from_response(response)
        balance = _balance_of(response)
        if balance is not None:
            self.ledger.observe_balance(balance)
        return quote_of(response, path)

    def reserve(
        self,
        path: str,
        body: Any,
        listing: Listing,
        call_cap: float | None,
        quote: float | CostUnknownError | None = None,
    ) -> Reservation:
        from venice_ext.cost import estimate_cost  # loaded by capped clients only: import time

        try:
            if isinstance(quote, CostUnknownError):
                raise quote
            if not isinstance(body, Mapping):
                raise CostUnknownError(f"{path}: the body is not JSON, so it cannot be priced")
            if quote is not None:
                model = body.get("model")
                return self.ledger.reserve(quote, call_limit=call_cap, model=model if isinstance(model, str) else None)
            estimate = estimate_cost(listing, path, body)
        except CostUnknownError as error:
            if not self.allow_unpriced:
                raise CostUnknownError(
                    f"{error}; under max_usd a request that cannot be priced is not sent "
                    "(build the client with allow_unpriced=True to send it anyway)"
                ) from None
            return self.ledger.reserve(0.0, call_limit=call_cap)
        return self.ledger.reserve(estimate.usd, call_limit=call_cap, model=estimate.model)

    def failed(self, reservation: Reservation, error: BaseException) -> None:
        if _cost_nothing(error):
            self.ledger.release(reservation)
        else:
            self.ledger.settle(reservation, reservation.estimate)

    def answered(
        self, reservation: Reservation, listing: Listing, path: str, body: Any, response: httpx.Response
    ) -> None:
        if response.status_code >= 400:
            if response.status_code in _AMBIGUOUS_STATUSES:
                self.ledger.settle(reservation, reservation.estimate)
            else:
                self.ledger.release(reservation)
            return
        balance = _balance_of(response)
        actual = usage_cost(listing, body, _json_of(response.content)) if is_json(response) else None
        if actual is None and balance is not None:
            actual = self.ledger.balance_cost(reservation, balance)
            if actual == 0.0 and quote_path(path) is not None:
                actual = None  # a job charged when it completes: its quote stands
        if balance is not None:
            self.ledger.observe_balance(balance)
        self.ledger.settle(reservation, reservation.estimate if actual is None else actual)

    def streamed(self, reservation: Reservation, listing: Listing, body: Any, usage: Mapping[str, Any] | None) -> None:
        """A streamed answer's stream was closed: settle at its final usage, else its estimate."""
        actual = None if usage is None else usage_cost(listing, body, {"usage": usage})
        self.ledger.settle(reservation, reservation.estimate if actual is None else actual)
