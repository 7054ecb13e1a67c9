"""The spend cap's hook: a transport around the retry transport that meters billable requests.

Every request passes here once per call (retries happen inside). A request that is not
billable (`safety_of` in `_retry.py`) passes untouched, and so does everything when no
cap is set (client or call). A billable one is priced with `estimate_cost` from the model
listing (fetched once through the client, cached by `client.models`), reserved in the
`SpendLedger`, sent, and settled with its actual cost, taken from, in this order:

1. the answer's `usage` (prompt and completion tokens) priced from the listing;
2. the difference of `x-venice-balance-usd` before and after, when no other request
   was in flight meanwhile (so the difference is this request's alone);
3. the estimate itself, when neither is available (images, audio).

A streamed answer (`text/event-stream`) is settled when its stream is closed, from the
`usage` its last events carry (chat with `stream_options={"include_usage": True}`), else
at its estimate: its balance header was sent before the answer was, so it says nothing.

A video or audio job (`/video/queue`, `/audio/queue`) is estimated at Venice's quote for
it (`_quotes.py`), fetched just before it is queued, and settled at the balance
difference when that shows a charge, else at the quote (a job may be charged later).

A failure that certainly cost nothing (an error status other than 502/504, a connection
that never reached Venice, a call the failure budget refused) releases the estimate; an
ambiguous one (a read timeout, a lost connection, a cancelled task) keeps it as spent.
A request the estimator cannot price is refused with CostUnknownError, unless the client
was built with `allow_unpriced=True`: then it is reserved at $0 and settled from the
balance difference when there is one. A call's own cap (`call(..., max_usd=...)`) and a
quote already fetched come in request headers, taken off before the request leaves
(`_carried.py`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

import httpx

from venice_ext._core._carried import taken_numbers
from venice_ext._core._ledger import SpendLedger
from venice_ext._core._spend_meter import (
    Listing,
    Meter,
    UsageScanner,
    is_event_stream,
    is_json,
    usage_cost,
)
from venice_ext.errors import CostUnknownError

__all__ = ["AsyncSpendCapTransport", "Listing", "SpendCapTransport", "usage_cost"]

# The bodies a streamed answer arrives as, named so that each twin finds its own.
_AsyncBody = httpx.AsyncByteStream
_Body = httpx.SyncByteStream


# unasync: begin async source
class _AsyncSettlingStream(_AsyncBody):
    """A streamed answer's body, passed on as it is; closing it settles the request's cost."""

    def __init__(self, inner: _AsyncBody, settle: Callable[[Mapping[str, Any] | None], None]) -> None:
        self._inner = inner
        self._settle: Callable[[Mapping[str, Any] | None], None] | None = settle
        self._scanner = UsageScanner()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._scanner.feed(chunk)
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            settle, self._settle = self._settle, None
            if settle is not None:
                settle(self._scanner.usage)


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
        self._meter = Meter(ledger, base_path, allow_unpriced)
        # Many first requests at once fetch the listing once; the listing's GET is not
        # billable, so it passes here without the lock.
        # asyncio loads here, not at import: a sync-only program never needs it.  # unasync: async-only
        import asyncio  # unasync: async-only

        self._listing_lock = asyncio.Lock()  # unasync: async-only
        # unasync: sync-only: self._listing_lock = threading.Lock()

    async def _priced_listing(self) -> Listing:
        async with self._listing_lock:
            return await self._listing()

    async def _quote(
        self, request: httpx.Request, path: str, body: Any, listing: Listing
    ) -> float | CostUnknownError | None:
        try:
            quote_request = self._meter.quote_request(request, path, body, listing)
            if quote_request is None:
                return None
            response = await self._inner.handle_async_request(quote_request)
            try:
                await response.aread()
            finally:
                await response.aclose()
            return self._meter.quoted(response, quote_request.url.path)
        except CostUnknownError as error:
            return error

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        cap, given = taken_numbers(request)
        quote: float | CostUnknownError | None = given
        if not self._meter.metered(request, cap):
            return await self._inner.handle_async_request(request)
        listing = await self._priced_listing()
        await request.aread()
        path, body = self._meter.read(request)
        if quote is None:
            quote = await self._quote(request, path, body, listing)
        reservation = self._meter.reserve(path, body, listing, cap, quote)
        try:
            response = await self._inner.handle_async_request(request)
            if is_json(response):
                await response.aread()
        except BaseException as error:
            self._meter.failed(reservation, error)
            raise
        if is_event_stream(response) and isinstance(response.stream, _AsyncBody):
            settle = functools.partial(self._meter.streamed, reservation, listing, body)
            response.stream = _AsyncSettlingStream(response.stream, settle)
            return response
        self._meter.answered(reservation, listing, path, body, response)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class _SettlingStream(_Body):
    """A streamed answer's body, passed on as it is; closing it settles the request's cost."""

    def __init__(self, inner: _Body, settle: Callable[[Mapping[str, Any] | None], None]) -> None:
        self._inner = inner
        self._settle: Callable[[Mapping[str, Any] | None], None] | None = settle
        self._scanner = UsageScanner()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._scanner.feed(chunk)
            yield chunk

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            settle, self._settle = self._settle, None
            if settle is not None:
                settle(self._scanner.usage)


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
        self._meter = Meter(ledger, base_path, allow_unpriced)
        # Many first requests at once fetch the listing once; the listing's GET is not
        # billable, so it passes here without the lock.

        self._listing_lock = threading.Lock()

    def _priced_listing(self) -> Listing:
        with self._listing_lock:
            return self._listing()

    def _quote(self, request: httpx.Request, path: str, body: Any, listing: Listing) -> float | CostUnknownError | None:
        try:
            quote_request = self._meter.quote_request(request, path, body, listing)
            if quote_request is None:
                return None
            response = self._inner.handle_request(quote_request)
            try:
                response.read()
            finally:
                response.close()
            return self._meter.quoted(response, quote_request.url.path)
        except CostUnknownError as error:
            return error

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        cap, given = taken_numbers(request)
        quote: float | CostUnknownError | None = given
        if not self._meter.metered(request, cap):
            return self._inner.handle_request(request)
        listing = self._priced_listing()
        request.read()
        path, body = self._meter.read(request)
        if quote is None:
            quote = self._quote(request, path, body, listing)
        reservation = self._meter.reserve(path, body, listing, cap, quote)
        try:
            response = self._inner.handle_request(request)
            if is_json(response):
                response.read()
        except BaseException as error:
            self._meter.failed(reservation, error)
            raise
        if is_event_stream(response) and isinstance(response.stream, _Body):
            settle = functools.partial(self._meter.streamed, reservation, listing, body)
            response.stream = _SettlingStream(response.stream, settle)
            return response
        self._meter.answered(reservation, listing, path, body, response)
        return response

    def close(self) -> None:
        self._inner.close()


# unasync: end sync twin
