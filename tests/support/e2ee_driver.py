"""One E2EE test, three clients: Venice over httpx, AsyncVenice over httpx, AsyncVenice over aiohttp.

A `Driver` holds one client (and, for the async ones, one event loop for the whole test,
so the client's attestation cache lives across calls) and offers the few calls the
tests make with the same synchronous signature for all three.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from venice_ext import AsyncVenice, TransportHooks, Venice, aiohttp_transport

FLAVORS = ("sync", "async", "async-aiohttp")


class Driver:
    def __init__(self, flavor: str, base_url: str, api_key: str, hooks: TransportHooks) -> None:
        self.flavor = flavor
        self.is_async = flavor != "sync"
        self.loop: asyncio.AbstractEventLoop | None = None
        if not self.is_async:
            self.client: Any = Venice(api_key=api_key, base_url=base_url, hooks=hooks)
            return
        self.loop = asyncio.new_event_loop()

        async def build() -> AsyncVenice:
            transport = aiohttp_transport() if flavor == "async-aiohttp" else None
            return AsyncVenice(api_key=api_key, base_url=base_url, hooks=hooks, transport=transport)

        self.client = self.loop.run_until_complete(build())

    def run(self, call: Callable[[Any], Any]) -> Any:
        """`call(client)`, awaited on the test's loop when the client is async."""
        result = call(self.client)
        if self.is_async:
            assert self.loop is not None
            return self.loop.run_until_complete(result)
        return result

    def stream(self, **kwargs: Any) -> tuple[str, Any]:
        """The text of a streamed completion, read with text_deltas(), and the stream (closed)."""
        if not self.is_async:
            with self.client.chat.completions.stream(**kwargs) as stream:
                return "".join(stream.text_deltas()), stream

        async def read() -> tuple[str, Any]:
            async with await self.client.chat.completions.stream(**kwargs) as stream:
                return "".join([text async for text in stream.text_deltas()]), stream

        assert self.loop is not None
        return self.loop.run_until_complete(read())

    def final(self, **kwargs: Any) -> tuple[Any, Any]:
        """The stream's final() completion, and the stream."""
        if not self.is_async:
            with self.client.chat.completions.stream(**kwargs) as stream:
                return stream.final(), stream

        async def read() -> tuple[Any, Any]:
            async with await self.client.chat.completions.stream(**kwargs) as stream:
                return await stream.final(), stream

        assert self.loop is not None
        return self.loop.run_until_complete(read())

    def create(self, **kwargs: Any) -> Any:
        return self.run(lambda client: client.chat.completions.create(**kwargs))

    def close(self) -> None:
        if not self.is_async:
            self.client.close()
            return
        assert self.loop is not None
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()
