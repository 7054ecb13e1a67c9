"""`Venice` and `AsyncVenice`: one configured httpx client for every operation.

Both build a single httpx client (auth, base URL, timeouts, user agent, the retry
transport) and hand the same client to the generated package as `client.raw`, so
low-level generated calls behave like `client.call(...)`. Sending is the requester's
job (`_core/_sender.py`); resources are built on it, never on the client.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeVar

import httpx

from venice_ext._client_base import DEFAULT_LIMITS, ClientBase
from venice_ext._client_calls import AsyncClientCalls, ClientCalls
from venice_ext._core._budget import FailureBudget
from venice_ext._core._cookies import AsyncHTTPClient, HTTPClient
from venice_ext._core._ledger import Spend, SpendLedger
from venice_ext._core._mounts import environment_proxy, install_on_mounts
from venice_ext._core._requester import AsyncRequester, Operation, Requester
from venice_ext._core._sender import AsyncSender, Sender
from venice_ext._core._spend import AsyncSpendCapTransport, Listing, SpendCapTransport
from venice_ext._core._transport import AsyncRetryTransport, RetryTransport, TransportHooks
from venice_ext.errors import ConfigurationError
from venice_ext.resources._root import AsyncVeniceResources, VeniceResources

if TYPE_CHECKING:
    from venice_ext.wallet._signer import WalletSigner
    from venice_ext.wallet._wallet import Wallet

__all__ = ["AsyncVenice", "Operation", "Venice"]

TransportT = TypeVar("TransportT")


def _as_is(transport: TransportT) -> TransportT:
    return transport


# unasync: begin async source
class AsyncVenice(ClientBase, AsyncClientCalls, AsyncVeniceResources):
    """Asynchronous Venice client.

    `api_key` defaults to $VENICE_API_KEY, `base_url` to $VENICE_BASE_URL, then
    https://api.venice.ai/api/v1. `timeout` is a number (seconds, for every phase)
    or an httpx.Timeout; by default connect 10 s, write 60 s, pool 60 s and read
    600 s between bytes, with no total deadline unless `deadline` (seconds) bounds each
    call, retries and waits included (APITimeoutError). `http_client` adopts an existing
    httpx.AsyncClient (its base URL, auth headers and timeout are set, and its proxy
    mounts get the retry policy too; pass `transport` instead to keep full control of
    the pool). `proxy` routes the client's own transport through an HTTP(S) proxy;
    `max_total_retry_wait` caps the seconds one call spends waiting between retries.
    `wallet` (a `Wallet`, a signer, a hex private key or a key file) signs every request
    with Sign-In-With-X instead of a key. `max_usd` caps what the client may spend: a
    billable request whose estimate would cross it is refused before sending
    (SpendCapExceededError), and one that cannot be priced is refused with CostUnknownError
    unless `allow_unpriced=True`; `spend` reports where the client stands.
    `strict_parsing=True` makes a 2xx body that does not fit the spec a
    ResponseValidationError instead of a DriftedBody and a warning (per call too:
    `call(..., strict_parsing=...)`, any generated method, `with_options`).
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
        wallet: Wallet | WalletSigner | str | os.PathLike[str] | None = None,
        # Retries, waits and proxies (issue 13).
        proxy: str | httpx.URL | None = None,
        max_total_retry_wait: float = 90.0,
        deadline: float | None = None,
        # One spend cap per client (issue 17).
        max_usd: float | None = None,
        allow_unpriced: bool = False,
        strict_parsing: bool = False,
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
            wallet=wallet,
            max_total_retry_wait=max_total_retry_wait,
        )
        if proxy is not None and (http_client is not None or transport is not None):
            raise ConfigurationError(
                "proxy= configures the client's own transport: with http_client= or transport=, configure the "
                "proxy on that instead (its proxy mounts are wrapped in the retry policy too)"
            )
        if deadline is not None and not deadline > 0:
            raise ConfigurationError(f"deadline must be a number of seconds > 0, not {deadline!r}")
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise ConfigurationError(f"http_client must be an httpx.AsyncClient, not {type(http_client).__name__}")
        signed: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] = _as_is
        if self.wallet is not None:
            from venice_ext.wallet._transport import AsyncWalletTransport  # loaded by wallet users only

            signed = functools.partial(AsyncWalletTransport.around, wallet=self.wallet, base_path=self.base_url.path)
        retrying = functools.partial(
            AsyncRetryTransport,
            policy=self.retry_policy,
            budget=self.failure_budget,
            base_path=self._config.base_url.path,
            hooks=self._hooks,
            deadline=deadline,
        )
        self._ledger = SpendLedger(max_usd)
        capped = functools.partial(
            AsyncSpendCapTransport,
            ledger=self._ledger,
            listing=self._priced_listing,
            base_path=self._config.base_url.path,
            allow_unpriced=allow_unpriced,
        )

        def metered(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
            return capped(retrying(inner))

        if http_client is not None:
            # httpx offers no public way to wrap an existing client's transport.
            install_on_mounts(http_client, metered)
            self._adopt(http_client)
            self._http = http_client
            self._http._transport = metered(signed(transport or http_client._transport))
        else:
            # Handed over at construction: a client built without one makes its own
            # default transport first, loading the CA bundle a second time.
            inner = transport or httpx.AsyncHTTPTransport(
                limits=DEFAULT_LIMITS, proxy=proxy if proxy is not None else environment_proxy(self.base_url)
            )
            self._http = AsyncHTTPClient(
                base_url=self._config.base_url,
                headers=self._config.headers,
                timeout=self._config.timeout,
                transport=metered(signed(inner)),
            )
        self.raw = self._new_raw()
        self.raw.set_async_httpx_client(self._http)
        self._sender = AsyncSender(self._http, self.raw, self._hooks, strict_parsing=strict_parsing)

    @property
    def http_client(self) -> httpx.AsyncClient:
        return self._http

    @property
    def requester(self) -> AsyncRequester:
        """What the resources are built on: send an operation, open a stream, the hooks."""
        return self._sender

    def _requester(self) -> AsyncRequester:
        return self._sender

    @property
    def spend(self) -> Spend:
        """USD spent (settled answers), estimated (requests in flight) and remaining under `max_usd`."""
        return self._ledger.snapshot()

    async def _priced_listing(self) -> Listing:
        return await self.models.priced_listing()

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
class Venice(ClientBase, ClientCalls, VeniceResources):
    """Synchronous Venice client.

    `api_key` defaults to $VENICE_API_KEY, `base_url` to $VENICE_BASE_URL, then
    https://api.venice.ai/api/v1. `timeout` is a number (seconds, for every phase)
    or an httpx.Timeout; by default connect 10 s, write 60 s, pool 60 s and read
    600 s between bytes, with no total deadline unless `deadline` (seconds) bounds each
    call, retries and waits included (APITimeoutError). `http_client` adopts an existing
    httpx.Client (its base URL, auth headers and timeout are set, and its proxy
    mounts get the retry policy too; pass `transport` instead to keep full control of
    the pool). `proxy` routes the client's own transport through an HTTP(S) proxy;
    `max_total_retry_wait` caps the seconds one call spends waiting between retries.
    `wallet` (a `Wallet`, a signer, a hex private key or a key file) signs every request
    with Sign-In-With-X instead of a key. `max_usd` caps what the client may spend: a
    billable request whose estimate would cross it is refused before sending
    (SpendCapExceededError), and one that cannot be priced is refused with CostUnknownError
    unless `allow_unpriced=True`; `spend` reports where the client stands.
    `strict_parsing=True` makes a 2xx body that does not fit the spec a
    ResponseValidationError instead of a DriftedBody and a warning (per call too:
    `call(..., strict_parsing=...)`, any generated method, `with_options`).
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
        wallet: Wallet | WalletSigner | str | os.PathLike[str] | None = None,
        # Retries, waits and proxies (issue 13).
        proxy: str | httpx.URL | None = None,
        max_total_retry_wait: float = 90.0,
        deadline: float | None = None,
        # One spend cap per client (issue 17).
        max_usd: float | None = None,
        allow_unpriced: bool = False,
        strict_parsing: bool = False,
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
            wallet=wallet,
            max_total_retry_wait=max_total_retry_wait,
        )
        if proxy is not None and (http_client is not None or transport is not None):
            raise ConfigurationError(
                "proxy= configures the client's own transport: with http_client= or transport=, configure the "
                "proxy on that instead (its proxy mounts are wrapped in the retry policy too)"
            )
        if deadline is not None and not deadline > 0:
            raise ConfigurationError(f"deadline must be a number of seconds > 0, not {deadline!r}")
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ConfigurationError(f"http_client must be an httpx.Client, not {type(http_client).__name__}")
        signed: Callable[[httpx.BaseTransport], httpx.BaseTransport] = _as_is
        if self.wallet is not None:
            from venice_ext.wallet._transport import WalletTransport  # loaded by wallet users only

            signed = functools.partial(WalletTransport.around, wallet=self.wallet, base_path=self.base_url.path)
        retrying = functools.partial(
            RetryTransport,
            policy=self.retry_policy,
            budget=self.failure_budget,
            base_path=self._config.base_url.path,
            hooks=self._hooks,
            deadline=deadline,
        )
        self._ledger = SpendLedger(max_usd)
        capped = functools.partial(
            SpendCapTransport,
            ledger=self._ledger,
            listing=self._priced_listing,
            base_path=self._config.base_url.path,
            allow_unpriced=allow_unpriced,
        )

        def metered(inner: httpx.BaseTransport) -> httpx.BaseTransport:
            return capped(retrying(inner))

        if http_client is not None:
            # httpx offers no public way to wrap an existing client's transport.
            install_on_mounts(http_client, metered)
            self._adopt(http_client)
            self._http = http_client
            self._http._transport = metered(signed(transport or http_client._transport))
        else:
            # Handed over at construction: a client built without one makes its own
            # default transport first, loading the CA bundle a second time.
            inner = transport or httpx.HTTPTransport(
                limits=DEFAULT_LIMITS, proxy=proxy if proxy is not None else environment_proxy(self.base_url)
            )
            self._http = HTTPClient(
                base_url=self._config.base_url,
                headers=self._config.headers,
                timeout=self._config.timeout,
                transport=metered(signed(inner)),
            )
        self.raw = self._new_raw()
        self.raw.set_httpx_client(self._http)
        self._sender = Sender(self._http, self.raw, self._hooks, strict_parsing=strict_parsing)

    @property
    def http_client(self) -> httpx.Client:
        return self._http

    @property
    def requester(self) -> Requester:
        """What the resources are built on: send an operation, open a stream, the hooks."""
        return self._sender

    def _requester(self) -> Requester:
        return self._sender

    @property
    def spend(self) -> Spend:
        """USD spent (settled answers), estimated (requests in flight) and remaining under `max_usd`."""
        return self._ledger.snapshot()

    def _priced_listing(self) -> Listing:
        return self.models.priced_listing()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# unasync: end sync twin
