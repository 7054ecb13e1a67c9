"""Paging rules and Media, driven without a server (the resources' own tests use FakeVenice)."""

from __future__ import annotations

import asyncio
import base64
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from venice_ext._core._media import Media, OutputPathError, check_output_path
from venice_ext._core._paging import AsyncPages, Pages, cursor_rule, offset_rule, page_number_rule
from venice_ext.errors import RequestValidationError, ResponseValidationError


@dataclass
class Page:
    data: list[int]
    next_cursor: str | None = None
    pagination: Any = None


@dataclass
class Pagination:
    total_pages: int


@dataclass
class Listing:
    """A server-side listing of `total` items, served by cursor, offset or page number."""

    total: int
    calls: list[dict[str, Any]] = field(default_factory=list)

    def by_cursor(self, params: dict[str, Any]) -> Page:
        self.calls.append(params)
        start = int(params.get("cursor") or 0)
        size = params["pageSize"]
        end = min(start + size, self.total)
        return Page(list(range(start, end)), str(end) if end < self.total else None)

    def by_offset(self, params: dict[str, Any]) -> Page:
        self.calls.append(params)
        start, size = params.get("offset", 0), params["limit"]
        return Page(list(range(start, min(start + size, self.total))))

    def by_page(self, params: dict[str, Any]) -> Page:
        self.calls.append(params)
        page, size = params.get("page", 1), params["pageSize"]
        start = (page - 1) * size
        pages = max(1, -(-self.total // size))
        return Page(list(range(start, min(start + size, self.total))), pagination=Pagination(pages))


@settings(max_examples=80, deadline=None)
@given(
    total=st.integers(0, 60),
    size=st.integers(1, 15),
    limit=st.none() | st.integers(0, 70),
    kind=st.sampled_from(["cursor", "offset", "page"]),
)
def test_every_item_once_in_order_within_the_limit(total: int, size: int, limit: int | None, kind: str) -> None:
    listing = Listing(total)
    fetch, rule, params = {
        "cursor": (listing.by_cursor, cursor_rule(), {"pageSize": size}),
        "offset": (listing.by_offset, offset_rule(), {"limit": size}),
        "page": (listing.by_page, page_number_rule(), {"pageSize": size}),
    }[kind]
    items = list(Pages[int](fetch, params, rule, limit=limit))
    expected = list(range(total))[: limit if limit is not None else None]
    assert items == expected
    # Lazy: never more pages than needed for what was asked (plus one empty page at most for offsets).
    needed = -(-len(expected) // size) if expected else (0 if limit == 0 else 1)
    assert len(listing.calls) <= needed + 1


def test_nothing_is_fetched_before_iteration() -> None:
    listing = Listing(10)
    pages = Pages[int](listing.by_cursor, {"pageSize": 3}, cursor_rule())
    assert listing.calls == []
    assert next(iter(pages)) == 0 and len(listing.calls) == 1


def test_a_repeated_cursor_is_refused() -> None:
    def stuck(params: dict[str, Any]) -> Page:
        return Page([1], "same")

    with pytest.raises(ResponseValidationError, match="twice"):
        list(Pages[int](stuck, {"pageSize": 1}, cursor_rule()))


@pytest.mark.parametrize("rule", [offset_rule(), page_number_rule()], ids=["offset", "page"])
def test_a_server_that_ignores_the_position_is_refused_not_walked_forever(rule: Any) -> None:
    calls: list[dict[str, Any]] = []

    def ignores_position(params: dict[str, Any]) -> Page:
        calls.append(params)
        return Page([1, 2, 3])  # no size asked, no total given: only the repeat shows the loop

    with pytest.raises(ResponseValidationError, match="same page twice"):
        list(Pages[int](ignores_position, {}, rule))
    assert len(calls) == 2


def test_a_bad_limit_is_a_typed_error() -> None:
    with pytest.raises(RequestValidationError):
        Pages[int](Listing(1).by_cursor, {}, cursor_rule(), limit=-1)


def test_async_pages_match_the_sync_ones() -> None:
    listing = Listing(23)

    async def fetch(params: dict[str, Any]) -> Page:
        return listing.by_cursor(params)

    async def collect() -> list[int]:
        return [item async for item in AsyncPages[int](fetch, {"pageSize": 5}, cursor_rule(), limit=17)]

    assert asyncio.run(collect()) == list(range(17))


@dataclass
class Images:
    images: list[str]


@dataclass
class B64:
    b64_json: str


@dataclass
class Generations:
    data: list[B64]


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))


@pytest.mark.parametrize(
    "answer",
    [PNG, Images([base64.b64encode(PNG).decode()]), Generations([B64(base64.b64encode(PNG).decode())])],
    ids=["binary", "venice-base64", "openai-b64_json"],
)
def test_one_type_whatever_the_answer(answer: Any, tmp_path: Path) -> None:
    media = Media.of(answer)
    assert media == PNG and media.data == PNG and media.extension == ".png" and media.raw is answer
    assert isinstance(media, bytes) and len(media.files) == 1
    (saved,) = media.save(tmp_path / "out.png")
    assert saved.read_bytes() == PNG
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]  # no temporary file left behind


def test_several_files_get_numbered_names(tmp_path: Path) -> None:
    media = Media.of(Images([base64.b64encode(b"a").decode(), base64.b64encode(b"b").decode()]))
    paths = media.save(tmp_path / "pic.webp")
    assert [p.name for p in paths] == ["pic.webp", "pic-2.webp"]
    assert [p.read_bytes() for p in paths] == [b"a", b"b"]


def test_bad_base64_and_empty_answers_are_typed_errors() -> None:
    with pytest.raises(ResponseValidationError, match="base64"):
        Media.of(Images(["%%%not base64"]))
    with pytest.raises(ResponseValidationError, match="no media"):
        Media.of(object())
    with pytest.raises(ResponseValidationError, match="no media"):
        Media.of(Images([]))


def test_media_pickles_without_the_raw_answer() -> None:
    import pickle

    media = Media([b"a", b"b"], "image/png", raw=object())
    again = pickle.loads(pickle.dumps(media))
    assert again == b"a" and again.files == (b"a", b"b") and again.content_type == "image/png"


def test_output_paths_that_cannot_be_written_safely_are_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputPathError, match="not a regular file"):
        check_output_path(tmp_path)
    with pytest.raises(OutputPathError, match="does not exist"):
        check_output_path(tmp_path / "missing" / "x.png")
    existing = tmp_path / "x.png"
    existing.write_bytes(b"old")
    with pytest.raises(OutputPathError, match="refusing to overwrite"):
        check_output_path(existing, overwrite=False)
    if os.path.exists("/dev/null"):
        with pytest.raises(OutputPathError, match="not a regular file"):
            Media([b"x"]).save("/dev/null")
    assert check_output_path(existing) == existing
