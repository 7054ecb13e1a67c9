"""An optional aiohttp-backed transport for AsyncVenice.

httpx's async connection pool scans every connection on each request, which costs
at high concurrency (encode/httpx#3215). httpx-aiohttp (the `aiohttp` extra) gives
httpx an aiohttp transport; AsyncVenice wraps it in the same retry policy.

httpx-aiohttp maps every `aiohttp.ClientConnectionError` to `httpx.ConnectTimeout`,
a reset or close after the server has read the request included, which the retry
policy would take as "never sent" and repeat a billable POST; and a garbage status
line escapes as a raw `aiohttp.ClientResponseError`. `_HonestAiohttpTransport`
restores the distinction the policy needs.
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
    return _HonestAiohttpTransport(AiohttpTransport(**kwargs))


class _HonestAiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import aiohttp

        try:
            return await self.inner.handle_async_request(request)
        except httpx.ConnectTimeout as exc:
            cause = exc.__cause__
            # ClientConnectorError is a failure to connect (mapped to ConnectError);
            # any other connection error may come after the request left.
            if isinstance(cause, aiohttp.ClientConnectionError) and not isinstance(cause, aiohttp.ClientConnectorError):
                raise httpx.ReadError(f"connection lost, maybe after the request was sent: {cause!r}") from cause
            raise
        except aiohttp.ClientResponseError as exc:
            raise httpx.RemoteProtocolError(f"the server's response could not be parsed: {exc!r}") from exc

    async def aclose(self) -> None:
        await self.inner.aclose()
