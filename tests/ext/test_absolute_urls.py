"""The absolute URL kept per path is the one httpx builds, and follows the client's base_url.

`absolute_url` is held by hypothesis to `build_request(...).url` for any path text (path
parameters with reserved characters, non-ASCII, query strings, whole URLs), asked once
or again, and past the limit of kept paths. Then real sockets on every client flavour: a
path parameter arrives as httpx would send it, and a client whose base_url is set anew
sends to the new server.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.ext.conftest import API_KEY
from venice_api.api.characters import get_character_by_slug
from venice_ext import AsyncVenice, Venice, aiohttp_transport
from venice_ext._core import _urls
from venice_ext._core._urls import absolute_url
from venice_ext.errors import NotFoundError
from venice_ext.testing import FakeVenice

FLAVORS = ["sync", "async-httpx", "async-aiohttp"]

_paths = st.one_of(
    st.text(max_size=12).map(lambda text: "/characters/" + text),
    st.text(st.characters(codec="utf-8"), max_size=16),
    st.sampled_from(["/chat/completions", "models?type=text", "https://elsewhere.test/x", "//host/p", "", "/"]),
)


@given(
    paths=st.lists(_paths, max_size=6), base=st.sampled_from(["https://api.venice.ai/api/v1", "http://127.0.0.1:9/v1/"])
)
def test_the_url_kept_is_the_one_httpx_builds(paths: list[str], base: str) -> None:
    with httpx.Client(base_url=base) as http:
        for path in [*paths, *paths]:  # the second time from what was kept
            try:
                expected = http.build_request("GET", path).url
            except httpx.InvalidURL:
                with pytest.raises(httpx.InvalidURL):
                    absolute_url(http, path)
                continue
            assert absolute_url(http, path) == expected


def test_past_the_limit_the_urls_are_still_right(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_urls, "LIMIT", 4)
    with httpx.Client(base_url="https://api.venice.ai/api/v1") as http:
        for index in range(20):
            path = f"/characters/c{index % 7}"
            assert absolute_url(http, path) == http.build_request("GET", path).url
            assert len(_urls._kept[http].urls) <= 4  # never more paths kept than the limit


def test_a_new_base_url_is_followed() -> None:
    with httpx.Client(base_url="https://api.venice.ai/api/v1") as http:
        assert str(absolute_url(http, "/models")) == "https://api.venice.ai/api/v1/models"
        http.base_url = httpx.URL("http://127.0.0.1:9/other")
        assert str(absolute_url(http, "/models")) == "http://127.0.0.1:9/other/models"


# --- real sockets ---------------------------------------------------------------------

SLUGS = ["plain-slug", "with space", "per%cent", "slash/inside", "ünïcode", "q?uery#frag"]


def _send(flavor: str, base_url: str, slug: str, *, then: str | None = None) -> list[str]:
    """Look up a character (twice: the second from the kept URL), then, with `then`, once more
    after setting the client's base_url to it. The fake knows none of these characters: the
    answers are the API's 404s, whose messages are returned (a path outside the API would
    get the server's own "Not found: ...")."""
    answers: list[str] = []

    def sync_run() -> None:
        with Venice(api_key=API_KEY, base_url=base_url, max_retries=0) as client:
            for index in range(3 if then is not None else 2):
                if index == 2:
                    client.http_client.base_url = httpx.URL(str(then))
                try:
                    client.call(get_character_by_slug, slug=slug)
                except NotFoundError as error:
                    answers.append(error.message)

    async def async_run() -> None:
        transport: dict[str, Any] = {"transport": aiohttp_transport()} if flavor == "async-aiohttp" else {}
        async with AsyncVenice(api_key=API_KEY, base_url=base_url, max_retries=0, **transport) as client:
            for index in range(3 if then is not None else 2):
                if index == 2:
                    client.http_client.base_url = httpx.URL(str(then))
                try:
                    await client.call(get_character_by_slug, slug=slug)
                except NotFoundError as error:
                    answers.append(error.message)

    if flavor == "sync":
        sync_run()
    else:
        asyncio.run(async_run())
    return answers


def _paths_seen(fake: FakeVenice) -> list[str]:
    return [request.path for request in fake.requests if request.path.startswith("/characters/")]


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("slug", SLUGS)
def test_a_path_parameter_arrives_as_httpx_sends_it(flavor: str, slug: str, fake: FakeVenice) -> None:
    assert _send(flavor, fake.base_url, slug) == ["Character not found"] * 2
    with httpx.Client(base_url=fake.base_url) as http:
        request = http.build_request(**get_character_by_slug.request_kwargs(slug=slug))
    sent = request.url.raw_path.decode().split("?")[0].removeprefix("/api/v1")
    assert _paths_seen(fake) == [sent, sent]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_client_sends_to_its_new_base_url(flavor: str, fake: FakeVenice) -> None:
    with FakeVenice() as other:
        assert _send(flavor, fake.base_url, "plain-slug", then=other.base_url) == ["Character not found"] * 3
        assert _paths_seen(fake) == ["/characters/plain-slug"] * 2
        assert _paths_seen(other) == ["/characters/plain-slug"]
