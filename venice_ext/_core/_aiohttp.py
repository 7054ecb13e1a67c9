"""An optional aiohttp-backed transport for AsyncVenice.

httpx's async connection pool scans every connection on each request, which costs
at high concurrency (encode/httpx#3215). httpx-aiohttp (the `aiohttp` extra) gives
httpx an aiohttp transport; AsyncVenice wraps it in the same retry policy.
"""

from __future__ import annotations

from typing import Any

import httpx

from venice_ext._core._config import ConfigurationError

__all__ = ["aiohttp_transport"]


def aiohttp_transport(**kwargs: Any) -> httpx.AsyncBaseTransport:
    """`AsyncVenice(transport=aiohttp_transport())`; kwargs go to httpx_aiohttp.AiohttpTransport."""
    try:
        from httpx_aiohttp import AiohttpTransport
    except ImportError as exc:
        raise ConfigurationError(
            "the aiohttp transport needs httpx-aiohttp: pip install 'venice-client[aiohttp]'"
        ) from exc
    transport: httpx.AsyncBaseTransport = AiohttpTransport(**kwargs)
    return transport
