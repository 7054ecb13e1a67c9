"""Listings that come in pages, iterated lazily: `for item in client.billing.usage_history(...)`.

A `PageRule` says how to read one page (its items) and how to ask for the next
(cursor, offset or page number); it is pure, so the rules are tested without a
server. `Pages` and `AsyncPages` fetch a page only when the iteration reaches it,
stop at the last page or at `limit` items, and refuse a server that sends the same
cursor or offset again instead of looping forever.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from venice_ext.errors import RequestValidationError, ResponseValidationError

__all__ = ["AsyncPages", "PageRule", "Pages", "check_progress", "cursor_rule", "offset_rule", "page_number_rule"]

T = TypeVar("T")

# The per-call options every generated method takes; they go with every page.
CALL_OPTIONS = frozenset({"timeout", "max_retries", "retry_ambiguous", "extra_headers", "extra_query", "extra_body"})


def _items(page: Any, path: Sequence[str]) -> list[Any]:
    value = page
    for name in path:
        value = getattr(value, name, None)
    return list(value) if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else []


def _number(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class PageRule:
    """How a listing pages: where a page keeps its items, and the parameters of the next page."""

    items_path: tuple[str, ...]
    kind: str  # "cursor", "offset" or "page"
    position: str  # the parameter that moves: cursor, offset, page
    size: str  # the parameter that sets the page size
    cursor_field: str = "next_cursor"
    total_pages_path: tuple[str, ...] = ()
    # Venice's cursors carry the walk's filters: a continuation sends the cursor alone.
    cursor_alone: bool = False

    def items(self, page: Any) -> list[Any]:
        return _items(page, self.items_path)

    def next_params(self, page: Any, params: Mapping[str, Any], count: int) -> dict[str, Any] | None:
        """The parameters of the page after `page` (which held `count` items), or None at the end."""
        if count == 0:
            return None
        if self.kind == "cursor":
            cursor = getattr(page, self.cursor_field, None)
            if not isinstance(cursor, str) or not cursor:
                return None
            if cursor == params.get(self.position):
                raise ResponseValidationError(
                    f"the listing sent the cursor {cursor!r} twice", status_code=200, body=b"", request_id=None
                )
            if self.cursor_alone:
                kept = {key: value for key, value in params.items() if key in CALL_OPTIONS}
                return {**kept, self.position: cursor}
            return {**params, self.position: cursor}
        if self.kind == "offset":
            size = _number(params.get(self.size))
            if size is not None and count < size:
                return None
            return {**params, self.position: (_number(params.get(self.position)) or 0) + count}
        current = _number(params.get(self.position)) or 1
        value: Any = page
        for name in self.total_pages_path:
            value = getattr(value, name, None)
        total = _number(value)
        if total is not None and current >= total:
            return None
        return {**params, self.position: current + 1}


def cursor_rule(
    items: str = "data", *, position: str = "cursor", size: str = "pageSize", cursor_alone: bool = False
) -> PageRule:
    return PageRule(tuple(items.split(".")), "cursor", position, size, cursor_alone=cursor_alone)


def offset_rule(items: str = "data", *, position: str = "offset", size: str = "limit") -> PageRule:
    return PageRule(tuple(items.split(".")), "offset", position, size)


def page_number_rule(
    items: str = "data", *, position: str = "page", size: str = "pageSize", total_pages: str = "pagination.total_pages"
) -> PageRule:
    return PageRule(tuple(items.split(".")), "page", position, size, total_pages_path=tuple(total_pages.split(".")))


def check_progress(previous: list[Any], items: list[Any], params: Mapping[str, Any], rule: PageRule) -> None:
    """Refuse a page equal to the one before: a server that ignores the offset or page
    number would otherwise be walked forever."""
    if items and items == previous:
        raise ResponseValidationError(
            f"the listing sent the same page twice ({rule.position}={params.get(rule.position)!r})",
            status_code=200,
            body=b"",
            request_id=None,
        )


def _check_limit(limit: int | None) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise RequestValidationError(f"limit must be a whole number of items, 0 or more, not {limit!r}")


# unasync: begin async source
class AsyncPages(Generic[T]):
    """Every item of a paged listing, fetched page by page as the iteration needs them.

    `pages()` yields the pages themselves (with whatever else they carry); `limit`
    stops after that many items. Nothing is fetched before the iteration starts.
    """

    def __init__(
        self,
        fetch: Callable[[dict[str, Any]], Awaitable[Any]],
        params: Mapping[str, Any],
        rule: PageRule,
        *,
        limit: int | None = None,
    ) -> None:
        _check_limit(limit)
        self._fetch = fetch
        self._params = dict(params)
        self._rule = rule
        self._limit = limit

    def with_limit(self, limit: int | None) -> AsyncPages[T]:
        """The same listing, stopping after `limit` items."""
        return AsyncPages(self._fetch, self._params, self._rule, limit=limit)

    async def pages(self) -> AsyncIterator[Any]:
        params: dict[str, Any] | None = dict(self._params)
        previous: list[Any] = []
        seen = 0
        while params is not None and (self._limit is None or seen < self._limit):
            page = await self._fetch(params)
            items = self._rule.items(page)
            check_progress(previous, items, params, self._rule)
            previous = items
            seen += len(items)
            yield page
            params = self._rule.next_params(page, params, len(items))

    async def __aiter__(self) -> AsyncIterator[T]:
        seen = 0
        async for page in self.pages():
            for item in self._rule.items(page):
                if self._limit is not None and seen >= self._limit:
                    return
                seen += 1
                yield item


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class Pages(Generic[T]):
    """Every item of a paged listing, fetched page by page as the iteration needs them.

    `pages()` yields the pages themselves (with whatever else they carry); `limit`
    stops after that many items. Nothing is fetched before the iteration starts.
    """

    def __init__(
        self,
        fetch: Callable[[dict[str, Any]], Any],
        params: Mapping[str, Any],
        rule: PageRule,
        *,
        limit: int | None = None,
    ) -> None:
        _check_limit(limit)
        self._fetch = fetch
        self._params = dict(params)
        self._rule = rule
        self._limit = limit

    def with_limit(self, limit: int | None) -> Pages[T]:
        """The same listing, stopping after `limit` items."""
        return Pages(self._fetch, self._params, self._rule, limit=limit)

    def pages(self) -> Iterator[Any]:
        params: dict[str, Any] | None = dict(self._params)
        previous: list[Any] = []
        seen = 0
        while params is not None and (self._limit is None or seen < self._limit):
            page = self._fetch(params)
            items = self._rule.items(page)
            check_progress(previous, items, params, self._rule)
            previous = items
            seen += len(items)
            yield page
            params = self._rule.next_params(page, params, len(items))

    def __iter__(self) -> Iterator[T]:
        seen = 0
        for page in self.pages():
            for item in self._rule.items(page):
                if self._limit is not None and seen >= self._limit:
                    return
                seen += 1
                yield item


# unasync: end sync twin
