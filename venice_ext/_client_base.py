"""What `Venice` and `AsyncVenice` share: the resolved configuration, retry policy,
failure budget and hooks, and the generated client handed out as `client.raw`."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import httpx

from venice_ext._core._budget import FailureBudget
from venice_ext._core._config import ClientConfig, resolve_config
from venice_ext._core._retry import RetryPolicy
from venice_ext._core._transport import TransportHooks

if TYPE_CHECKING:
    from venice_ext._core._symbols import AuthenticatedClient
    from venice_ext.wallet._signer import WalletSigner
    from venice_ext.wallet._wallet import Wallet

__all__ = ["DEFAULT_LIMITS", "ClientBase", "raw_client_class"]

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=32, keepalive_expiry=30.0)


@functools.cache
def raw_client_class() -> type[AuthenticatedClient]:
    """The generated client, with the key kept out of its repr; built on first use, since
    the generated client's module loads attrs, which `import venice_ext` need not."""
    from venice_ext._core._symbols import AuthenticatedClient

    class RawClient(AuthenticatedClient):
        def __repr__(self) -> str:
            return f"AuthenticatedClient(base_url={self._base_url!r}, token=<redacted>)"

    return RawClient


class ClientBase:
    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | httpx.URL | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        retry_ambiguous: bool,
        max_retry_wait: float,
        default_headers: Mapping[str, str] | None,
        allow_insecure_http: bool,
        failure_budget: FailureBudget | None,
        hooks: TransportHooks | None,
        wallet: Wallet | WalletSigner | str | os.PathLike[str] | None = None,
        max_total_retry_wait: float = 90.0,
    ) -> None:
        # Wallet sign-in (venice_ext.wallet) replaces the API key; the signing transport uses it.
        self.wallet: Wallet | None = None
        if wallet is not None:
            from venice_ext.wallet._wallet import wallet_from  # loaded by wallet users only: import time

            self.wallet = wallet_from(wallet)
        self._config: ClientConfig = resolve_config(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            default_headers=default_headers,
            allow_insecure_http=allow_insecure_http,
            wallet=self.wallet is not None,
        )
        self.retry_policy = RetryPolicy(
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            max_wait=max_retry_wait,
            max_total_wait=max_total_retry_wait,
        )
        self.failure_budget = failure_budget or FailureBudget()
        self._hooks = hooks or TransportHooks()

    @property
    def base_url(self) -> httpx.URL:
        return self._config.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._config.timeout

    def _new_raw(self) -> AuthenticatedClient:
        return raw_client_class()(
            base_url=str(self._config.base_url),
            token=self._config.api_key,
            timeout=self._config.timeout,
            raise_on_unexpected_status=False,
        )

    def _adopt(self, client: httpx.Client | httpx.AsyncClient) -> None:
        client.base_url = self._config.base_url
        client.headers.update(self._config.headers)
        client.timeout = self._config.timeout

    def __repr__(self) -> str:
        # A constructor that raised leaves a half-built object a debugger may still print.
        config = self.__dict__.get("_config")
        policy = self.__dict__.get("retry_policy")
        if config is None or policy is None:
            return f"{type(self).__name__}(<not configured>)"
        return f"{type(self).__name__}(base_url={str(config.base_url)!r}, max_retries={policy.max_retries})"
