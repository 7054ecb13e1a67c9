"""`Venice` and `AsyncVenice`: one configured httpx client for every operation.

Both build a single httpx client (auth, base URL, timeouts, user agent, the retry
transport) and hand the same client to the generated package as `client.raw`, so
low-level generated calls behave like `client.call(...)`. Sending is the requester's
job (`_core/_sender.py`); resources are built on it, never on the client.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Mapping
from functools import cached_property
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from venice_ext._client_base import DEFAULT_LIMITS, ClientBase
from venice_ext._core._api_response import APIResponse
from venice_ext._core._budget import FailureBudget
from venice_ext._core._requester import AsyncRequester, Operation, Requester
from venice_ext._core._sender import AsyncSender, Sender, options_of
from venice_ext._core._transport import AsyncRetryTransport, RetryTransport, TransportHooks, environment_proxy
from venice_ext.batch import BatchResult, arun_batch, run_batch
from venice_ext.resources._root import AsyncVeniceResources, VeniceResources

__all__ = ["AsyncVenice", "Operation", "Venice"]

T = TypeVar("T")


# unasync: begin async source
class AsyncVenice(ClientBase, AsyncVeniceResources):
    """Asynchronous Venice client.

    `api_key` defaults to $VENICE_API_KEY, `base_url` to $VENICE_BASE_URL, then
    https://api.venice.ai/api/v1. `timeout` is a number (seconds, for every phase)
    or an httpx.Timeout; by default connect 10 s, write 60 s, pool 60 s and read
    600 s between bytes, with no total deadline. `http_client` adopts an existing
    httpx.AsyncClient (its base URL, auth headers and timeout are set; pass `transport`
    instead to keep full control of the pool).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        retry_ambiguous: bool = False,
        max_retry_wait: float = 60.0,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        default_headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
        failure_budget: FailureBudget | None = None,
        hooks: TransportHooks | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            max_retry_wait=max_retry_wait,
            default_headers=default_headers,
            allow_insecure_http=allow_insecure_http,
            failure_budget=failure_budget,
            hooks=hooks,
        )
        retrying = functools.partial(
            AsyncRetryTransport,
            policy=self.retry_policy,
            budget=self.failure_budget,
            base_path=self._config.base_url.path,
            hooks=self._hooks,
        )
        if http_client is not None:
            # httpx offers no public way to wrap an existing client's transport.
            self._adopt(http_client)
            self._http = http_client
            self._http._transport = retrying(transport or http_client._transport)
        else:
            # Handed over at construction: a client built without one makes its own
            # default transport first, loading the CA bundle a second time.
            inner = transport or httpx.AsyncHTTPTransport(limits=DEFAULT_LIMITS, proxy=environment_proxy(self.base_url))
            self._http = httpx.AsyncClient(
                base_url=self._config.base_url,
                headers=self._config.headers,
                timeout=self._config.timeout,
                transport=retrying(inner),
            )
        self.raw = self._new_raw()
        self.raw.set_async_httpx_client(self._http)
        self._sender = AsyncSender(self._http, self.raw, self._hooks)

    @property
    def http_client(self) -> httpx.AsyncClient:
        return self._http

    @property
    def requester(self) -> AsyncRequester:
        """What the resources are built on: send an operation, open a stream, the hooks."""
        return self._sender

    def _requester(self) -> AsyncRequester:
        return self._sender

    async def batch(
        self, requests: Iterable[Any], *, max_concurrency: int = 16, stop_on_error: bool = False
    ) -> list[BatchResult]:
        """Send many requests (OpenAI batch lines or chat bodies) within the key's rate limits, in input order.

        Each result holds its answer or its typed error; `venice_ext.batch.aiter_batch` yields them as they finish.
        """
        options: dict[str, Any] = {"max_concurrency": max_concurrency, "stop_on_error": stop_on_error}
        return await arun_batch(self._sender, requests, **options)  # unasync: async-only
        # unasync: sync-only: return run_batch(self._sender, requests, **options)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Self:
        """A client sharing this one's connection pool, whose calls default to these options.

        Per-call options still win. Closing either client closes the shared pool.
        """
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
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
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> T:
        """Send a generated operation; the typed 2xx body, or a typed error."""
        return await self._sender.call(
            operation,
            timeout=timeout,
            extra_headers=extra_headers,
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
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
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> APIResponse[T]:
        """Like `call`, with status, headers, request id, rate limits and balances."""
        return await self._sender.call_with_response(
            operation,
            timeout=timeout,
            extra_headers=extra_headers,
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
            extra_query=extra_query,
            extra_body=extra_body,
            **kwargs,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def close(self) -> None:  # unasync: async-only
        await self.aclose()  # unasync: async-only

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class Venice(ClientBase, VeniceResources):
    """Synchronous Venice client.

    `api_key` defaults to $VENICE_API_KEY, `base_url` to $VENICE_BASE_URL, then
    https://api.venice.ai/api/v1. `timeout` is a number (seconds, for every phase)
    or an httpx.Timeout; by default connect 10 s, write 60 s, pool 60 s and read
    600 s between bytes, with no total deadline. `http_client` adopts an existing
    httpx.Client (its base URL, auth headers and timeout are set; pass `transport`
    instead to keep full control of the pool).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        retry_ambiguous: bool = False,
        max_retry_wait: float = 60.0,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        default_headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
        failure_budget: FailureBudget | None = None,
        hooks: TransportHooks | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            max_retry_wait=max_retry_wait,
            default_headers=default_headers,
            allow_insecure_http=allow_insecure_http,
            failure_budget=failure_budget,
            hooks=hooks,
        )
        retrying = functools.partial(
            RetryTransport,
            policy=self.retry_policy,
            budget=self.failure_budget,
            base_path=self._config.base_url.path,
            hooks=self._hooks,
        )
        if http_client is not None:
            # httpx offers no public way to wrap an existing client's transport.
            self._adopt(http_client)
            self._http = http_client
            self._http._transport = retrying(transport or http_client._transport)
        else:
            # Handed over at construction: a client built without one makes its own
            # default transport first, loading the CA bundle a second time.
            inner = transport or httpx.HTTPTransport(limits=DEFAULT_LIMITS, proxy=environment_proxy(self.base_url))
            self._http = httpx.Client(
                base_url=self._config.base_url,
                headers=self._config.headers,
                timeout=self._config.timeout,
                transport=retrying(inner),
            )
        self.raw = self._new_raw()
        self.raw.set_httpx_client(self._http)
        self._sender = Sender(self._http, self.raw, self._hooks)

    @property
    def http_client(self) -> httpx.Client:
        return self._http

    @property
    def requester(self) -> Requester:
        """What the resources are built on: send an operation, open a stream, the hooks."""
        return self._sender

    def _requester(self) -> Requester:
        return self._sender

    def batch(
        self, requests: Iterable[Any], *, max_concurrency: int = 16, stop_on_error: bool = False
    ) -> list[BatchResult]:
        """Send many requests (OpenAI batch lines or chat bodies) within the key's rate limits, in input order.

        Each result holds its answer or its typed error; `venice_ext.batch.aiter_batch` yields them as they finish.
        """
        options: dict[str, Any] = {"max_concurrency": max_concurrency, "stop_on_error": stop_on_error}
        return run_batch(self._sender, requests, **options)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Self:
        """A client sharing this one's connection pool, whose calls default to these options.

        Per-call options still win. Closing either client closes the shared pool.
        """
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
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
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> T:
        """Send a generated operation; the typed 2xx body, or a typed error."""
        return self._sender.call(
            operation,
            timeout=timeout,
            extra_headers=extra_headers,
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
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
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> APIResponse[T]:
        """Like `call`, with status, headers, request id, rate limits and balances."""
        return self._sender.call_with_response(
            operation,
            timeout=timeout,
            extra_headers=extra_headers,
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
            extra_query=extra_query,
            extra_body=extra_body,
            **kwargs,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# unasync: end sync twin
