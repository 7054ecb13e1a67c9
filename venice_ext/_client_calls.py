"""The calls every client offers beside its resources: `call`, `call_with_response`,
`with_options` and `batch`, written once over the client's requester."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx

from venice_ext._core._api_response import APIResponse
from venice_ext._core._carried import SPEND_CAP_HEADER
from venice_ext._core._ledger import SpendLedger
from venice_ext._core._requester import Operation
from venice_ext._core._sender import AsyncSender, Sender, options_of

if TYPE_CHECKING:
    from venice_ext.batch import BatchResult

__all__ = ["AsyncClientCalls", "ClientCalls"]

T = TypeVar("T")


def _with_call_cap(extra_headers: Mapping[str, str] | None, max_usd: float | None) -> Mapping[str, str] | None:
    """A call's own cap travels to the spend transport as a header, which removes it before sending."""
    if max_usd is None:
        return extra_headers
    SpendLedger(max_usd)  # the same check of the number as the client's cap
    return {**(extra_headers or {}), SPEND_CAP_HEADER: repr(float(max_usd))}


# unasync: begin async source
class AsyncClientCalls:
    """Mixed into `AsyncVenice`, which sets `_sender` when it is built."""

    _sender: AsyncSender

    async def batch(
        self, requests: Iterable[Any], *, max_concurrency: int = 16, stop_on_error: bool = False
    ) -> list[BatchResult]:
        """Send many requests (OpenAI batch lines or chat bodies) within the key's rate limits, in input order.

        Each result holds its answer or its typed error; `venice_ext.batch.aiter_batch` yields them as they finish.
        """
        from venice_ext import batch  # loaded by batch users only: import time

        options: dict[str, Any] = {"max_concurrency": max_concurrency, "stop_on_error": stop_on_error}
        return await batch.arun_batch(self._sender, requests, **options)  # unasync: async-only
        # unasync: sync-only: return batch.run_batch(self._sender, requests, **options)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_usd: float | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
    ) -> Self:
        """A client sharing this one's connection pool, whose calls default to these options.

        Per-call options still win. Closing either client closes the shared pool. `max_usd`
        caps each call's own estimate; the spend ledger (and the client's cap) stays shared.
        """
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            extra_headers=_with_call_cap(extra_headers, max_usd),
            extra_query=extra_query,
            extra_body=extra_body,
            deadline=deadline,
            strict_parsing=strict_parsing,
        )
        clone = copy.copy(self)
        # The resources are cached per client and hold its requester: the copy builds its own.
        for klass in type(self).__mro__:
            for name, attribute in vars(klass).items():
                if isinstance(attribute, cached_property):
                    clone.__dict__.pop(name, None)
        clone._sender = self._sender.with_defaults(options)
        return clone

    async def call(
        self,
        operation: Operation[T],
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_usd: float | None = None,
        **kwargs: Any,
    ) -> T:
        """Send a generated operation; the typed 2xx body, or a typed error.

        `max_usd` caps this call's estimate, on top of the client's cap.
        """
        return await self._sender.call(
            operation,
            timeout=timeout,
            extra_headers=_with_call_cap(extra_headers, max_usd),
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_query=extra_query,
            extra_body=extra_body,
            **kwargs,
        )

    async def call_with_response(
        self,
        operation: Operation[T],
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_usd: float | None = None,
        **kwargs: Any,
    ) -> APIResponse[T]:
        """Like `call`, with status, headers, request id, rate limits and balances."""
        return await self._sender.call_with_response(
            operation,
            timeout=timeout,
            extra_headers=_with_call_cap(extra_headers, max_usd),
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_query=extra_query,
            extra_body=extra_body,
            **kwargs,
        )


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class ClientCalls:
    """Mixed into `Venice`, which sets `_sender` when it is built."""

    _sender: Sender

    def batch(
        self, requests: Iterable[Any], *, max_concurrency: int = 16, stop_on_error: bool = False
    ) -> list[BatchResult]:
        """Send many requests (OpenAI batch lines or chat bodies) within the key's rate limits, in input order.

        Each result holds its answer or its typed error; `venice_ext.batch.aiter_batch` yields them as they finish.
        """
        from venice_ext import batch  # loaded by batch users only: import time

        options: dict[str, Any] = {"max_concurrency": max_concurrency, "stop_on_error": stop_on_error}
        return batch.run_batch(self._sender, requests, **options)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_usd: float | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
    ) -> Self:
        """A client sharing this one's connection pool, whose calls default to these options.

        Per-call options still win. Closing either client closes the shared pool. `max_usd`
        caps each call's own estimate; the spend ledger (and the client's cap) stays shared.
        """
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            extra_headers=_with_call_cap(extra_headers, max_usd),
            extra_query=extra_query,
            extra_body=extra_body,
            deadline=deadline,
            strict_parsing=strict_parsing,
        )
        clone = copy.copy(self)
        # The resources are cached per client and hold its requester: the copy builds its own.
        for klass in type(self).__mro__:
            for name, attribute in vars(klass).items():
                if isinstance(attribute, cached_property):
                    clone.__dict__.pop(name, None)
        clone._sender = self._sender.with_defaults(options)
        return clone

    def call(
        self,
        operation: Operation[T],
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_usd: float | None = None,
        **kwargs: Any,
    ) -> T:
        """Send a generated operation; the typed 2xx body, or a typed error.

        `max_usd` caps this call's estimate, on top of the client's cap.
        """
        return self._sender.call(
            operation,
            timeout=timeout,
            extra_headers=_with_call_cap(extra_headers, max_usd),
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_query=extra_query,
            extra_body=extra_body,
            **kwargs,
        )

    def call_with_response(
        self,
        operation: Operation[T],
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_usd: float | None = None,
        **kwargs: Any,
    ) -> APIResponse[T]:
        """Like `call`, with status, headers, request id, rate limits and balances."""
        return self._sender.call_with_response(
            operation,
            timeout=timeout,
            extra_headers=_with_call_cap(extra_headers, max_usd),
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_query=extra_query,
            extra_body=extra_body,
            **kwargs,
        )


# unasync: end sync twin
