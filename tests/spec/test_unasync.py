"""One source for each sync/async pair: the sync halves are what scripts/unasync.py makes of the async ones."""

from __future__ import annotations

import pytest

from scripts import unasync


def test_every_sync_twin_is_up_to_date() -> None:
    assert unasync.stale_modules() == [], "run `make unasync` and commit the result"


def test_an_edited_sync_half_is_noticed() -> None:
    name = "venice_ext/_core/_transport.py"
    text = (unasync.ROOT / name).read_text()
    edited = text.replace("self.hooks.sleep(decision.wait)", "self.hooks.sleep(0)", 1)
    assert edited != text
    assert unasync.render(edited, name) == text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("    async def send(self) -> None:", "    def send(self) -> None:"),
        ("        response = await self._http.send(request)", "        response = self._http.send(request)"),
        ("        async with AsyncClient() as http:", "        with Client() as http:"),
        ("        async for chunk in response.aiter_bytes():", "        for chunk in response.iter_bytes():"),
        ("        await response.aclose()", "        response.close()"),
        ("class _AsyncJob(JobRecord):", "class _Job(JobRecord):"),
        ("    await hooks.async_sleep(wait)", "    hooks.sleep(wait)"),
        ("send: Callable[[int], Awaitable[httpx.Response]]", "send: Callable[[int], httpx.Response]"),
        ("    raise StopAsyncIteration", "    raise StopIteration"),
        ("    async def __aenter__(self) -> Self:", "    def __enter__(self) -> Self:"),
        ("        return await self._iterator.__anext__()", "        return self._iterator.__next__()"),
        # Words that merely contain the patterns stay as they are.
        ("import asyncio", "import asyncio"),
        ("awaited = is_async", "awaited = is_async"),
        ("    await x  # unasync: async-only", None),
        ("    # unasync: sync-only: def f() -> Iterator[int]:", "    def f() -> Iterator[int]:"),
    ],
)
def test_line_rewrites(line: str, expected: str | None) -> None:
    assert unasync.unasync_line(line) == expected


def test_markers_are_required() -> None:
    with pytest.raises(unasync.UnasyncError, match="marker"):
        unasync.render("x = 1\n", "nowhere.py")
