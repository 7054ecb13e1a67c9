"""Paged listings over real sockets: three pages or more, one of them cut by a reset and
retried (a GET is safe to repeat), every item once and in order; sync and async."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.ext.conftest import API_KEY, FakeClock
from venice_ext import AsyncVenice, Venice
from venice_ext.testing import FakeVenice, Reply, Reset
from venice_ext.testing._canned_text import _character_data

USAGE = "/billing/usage-history"
CHARACTERS = "/characters"


def _entry(number: int) -> dict[str, Any]:
    return {
        "timestamp": f"2026-08-21T09:{number:02d}:00.000Z",
        "sku": "zai-org-glm-5-1-llm-output-mtoken",
        "units": 0.000041,
        "pricePerUnitUsd": 4.84,
        "amount": round(0.0001 * number, 6),
        "currency": "USD",
        "notes": "API Inference",
        "inferenceDetails": None,
    }


def _usage_page(numbers: range, cursor: str | None) -> Reply:
    return Reply(json={"data": [_entry(n) for n in numbers], "nextCursor": cursor})


def _character(number: int) -> dict[str, Any]:
    return {**_character_data(), "id": f"char-{number}", "slug": f"character-{number}", "name": f"Character {number}"}


def _script_usage(fake: FakeVenice) -> None:
    fake.script(
        "GET",
        USAGE,
        _usage_page(range(0, 2), "c1"),
        Reset(),  # the second page is cut once, then answered
        _usage_page(range(2, 4), "c2"),
        _usage_page(range(4, 6), "c3"),
        _usage_page(range(6, 7), None),
    )


def _check_usage(fake: FakeVenice, amounts: list[float]) -> None:
    assert amounts == [round(0.0001 * n, 6) for n in range(7)]
    queries = [parse_qs(request.query) for request in fake.requests_to("GET", USAGE)]
    assert len(queries) == 5, "four pages and one retried"
    assert queries[0]["pageSize"] == ["2"] and "cursor" not in queries[0]
    # The cut page is asked for again with the same cursor; continuations carry the cursor alone.
    assert [q.get("cursor") for q in queries[1:]] == [["c1"], ["c1"], ["c2"], ["c3"]]
    assert all("pageSize" not in q for q in queries[1:])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_sync_cursor_pages_with_a_reset_page(fake: FakeVenice, clock: FakeClock) -> None:
    _script_usage(fake)
    with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
        amounts = [entry.amount for entry in client.billing.usage_history(pageSize=2)]
    _check_usage(fake, amounts)
    assert len(clock.sleeps) == 1, "one backoff, for the reset"


def test_async_cursor_pages_with_a_reset_page(fake: FakeVenice, clock: FakeClock) -> None:
    _script_usage(fake)

    async def run() -> list[float]:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            return [entry.amount async for entry in client.billing.usage_history(pageSize=2)]

    _check_usage(fake, asyncio.run(run()))
    assert len(clock.sleeps) == 1


def _script_characters(fake: FakeVenice) -> None:
    def page(numbers: range) -> Reply:
        return Reply(json={"object": "list", "data": [_character(n) for n in numbers]})

    fake.script("GET", CHARACTERS, page(range(0, 3)), page(range(3, 6)), Reset(), page(range(6, 8)))


def _check_characters(fake: FakeVenice, slugs: list[str]) -> None:
    assert slugs == [f"character-{n}" for n in range(8)]
    offsets = [parse_qs(request.query).get("offset") for request in fake.requests_to("GET", CHARACTERS)]
    assert offsets == [None, ["3"], ["6"], ["6"]]


def test_sync_offset_pages_with_a_reset_page(fake: FakeVenice, clock: FakeClock) -> None:
    _script_characters(fake)
    with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
        slugs = [character.slug for character in client.characters.list(limit=3)]
    _check_characters(fake, slugs)


def test_async_offset_pages_with_a_reset_page(fake: FakeVenice, clock: FakeClock) -> None:
    _script_characters(fake)

    async def run() -> list[str]:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            return [character.slug async for character in client.characters.list(limit=3)]

    _check_characters(fake, asyncio.run(run()))
