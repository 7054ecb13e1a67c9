"""Putting the retry policy under every transport an httpx client routes to.

httpx sends a request that matches a mount (`proxy=`, `mounts=`, proxies from the
environment) through that mount's transport, never through `client._transport`, so
the retry policy must sit under each of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from venice_ext._core._transport import AsyncRetryTransport, RetryTransport
from venice_ext.errors import ConfigurationError

__all__ = ["environment_proxy", "install_on_mounts"]


def environment_proxy(url: httpx.URL) -> str | None:
    """The proxy HTTP(S)_PROXY / ALL_PROXY name for `url`, unless NO_PROXY exempts its host.

    httpx reads these itself only for a client that builds its own transport, and then
    sends proxied requests past ours, retries and all; so ours takes the proxy instead.
    """
    import urllib.request  # here, not at import: it costs as much as the rest of the module

    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(url.host):
        return None
    return proxy


def _carries_retry_policy(transport: object) -> bool:
    """True when a retry transport is anywhere in this chain of wrapping transports
    (a spend cap or wallet signing transport may sit around it)."""
    for _ in range(8):
        if isinstance(transport, (RetryTransport, AsyncRetryTransport)):
            return True
        transport = getattr(transport, "inner", None) or getattr(transport, "_inner", None)
        if transport is None:
            return False
    return False


def install_on_mounts(client: httpx.Client | httpx.AsyncClient, wrap: Callable[[Any], Any]) -> None:
    """Put the retry policy under every transport `client` routes to, its proxy mounts included.

    httpx sends a request matching a mount (`proxy=`, `mounts=`, proxies from the
    environment) through that mount's transport, never through `client._transport`;
    a client whose routing we cannot see is refused rather than left half-guarded.
    """
    mounts = getattr(client, "_mounts", None)
    if not isinstance(mounts, dict) or not hasattr(client, "_transport"):
        raise ConfigurationError(
            f"cannot install the retry policy on this {type(client).__name__}: its transports are not where httpx "
            "keeps them; pass transport=... instead of http_client=..."
        )
    for transport in (client._transport, *mounts.values()):
        if _carries_retry_policy(transport):
            raise ConfigurationError(
                "this http_client already carries a Venice client's retry policy; sharing it would retry twice "
                "and count each failure twice: give each Venice client its own http_client, or share one "
                "FailureBudget instead"
            )
    client._mounts = {pattern: None if t is None else wrap(t) for pattern, t in mounts.items()}
