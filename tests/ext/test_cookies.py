"""The clients' cookie jar skips answers that set no cookie, and keeps what httpx keeps.

`AnswerCookies.extract_cookies` is held to httpx.Cookies' own on any answer headers
hypothesis draws (cookie headers in any case, with attributes, beside other headers),
with the default policy and with RFC 2965 cookies allowed. Then real sockets on every
client flavour: a cookie an answer sets goes back on the next request, and a client
whose answers set none sends none.
"""

from __future__ import annotations

import asyncio
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.ext.conftest import API_KEY
from venice_ext import AsyncVenice, Venice, aiohttp_transport
from venice_ext._core._cookies import AnswerCookies, sets_cookies
from venice_ext.testing import FakeVenice, Reply
from venice_ext.testing._canned import canned_reply

FLAVORS = ["sync", "async-httpx", "async-aiohttp"]

_cookie_header_names = st.sampled_from(["Set-Cookie", "set-cookie", "SET-COOKIE", "Set-Cookie2", "set-cookie2"])
_other_names = st.sampled_from(["Content-Type", "X-Venice-Balance-Usd", "Set-Cookies", "Cookie", "X-Set-Cookie"])
_ATTRIBUTES = ["Path=/", "Path=/api", "Domain=example.test", "Max-Age=60", "Max-Age=0", "Secure", 'Version="1"']
_cookie_values = st.builds(
    lambda name, value, attributes: "; ".join([f"{name}={value}", *attributes]),
    st.sampled_from(["session", "__cf_bm", "a"]),
    st.text("abcXYZ019-_", max_size=6),
    st.lists(st.sampled_from(_ATTRIBUTES), max_size=3),
)
_headers = st.lists(
    st.tuples(_cookie_header_names, _cookie_values) | st.tuples(_other_names, st.text("abc=;/ ", max_size=8)),
    max_size=5,
)


def _jar_after(cookies: httpx.Cookies, headers: list[tuple[str, str]], url: str) -> list[tuple[object, ...]]:
    response = httpx.Response(200, headers=headers, request=httpx.Request("GET", url))
    cookies.extract_cookies(response)
    return sorted((c.name, c.value, c.domain, c.path, c.version, c.expires) for c in cookies.jar)


@given(headers=_headers, url=st.sampled_from(["https://example.test/api/v1/models", "http://127.0.0.1:9/x"]))
def test_the_jar_holds_what_httpx_leaves(headers: list[tuple[str, str]], url: str) -> None:
    assert _jar_after(AnswerCookies(), headers, url) == _jar_after(httpx.Cookies(), headers, url)


@given(headers=_headers)
def test_rfc2965_cookies_too_when_the_policy_takes_them(headers: list[tuple[str, str]]) -> None:
    def jar() -> CookieJar:
        return CookieJar(DefaultCookiePolicy(rfc2965=True))

    url = "https://example.test/api/v1/models"
    assert _jar_after(AnswerCookies(jar()), headers, url) == _jar_after(httpx.Cookies(jar()), headers, url)


@given(headers=_headers)
def test_an_answer_sets_cookies_exactly_when_it_has_a_cookie_header(headers: list[tuple[str, str]]) -> None:
    expected = any(name.lower() in ("set-cookie", "set-cookie2") for name, _ in headers)
    assert sets_cookies(httpx.Headers(headers)) is expected


# --- real sockets ---------------------------------------------------------------------


def _models_reply(**headers: str) -> Reply:
    reply = canned_reply("GET", "/models")
    assert reply is not None
    return Reply(json=reply.json, headers=headers)


def _two_listings(flavor: str, fake: FakeVenice) -> None:
    if flavor == "sync":
        with Venice(api_key=API_KEY, base_url=fake.base_url) as client:
            client.models.list()
            client.models.list()
        return

    async def run() -> None:
        transport = {"transport": aiohttp_transport()} if flavor == "async-aiohttp" else {}
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, **transport) as client:
            await client.models.list()
            await client.models.list()

    asyncio.run(run())


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_cookie_an_answer_sets_goes_back(flavor: str, fake: FakeVenice) -> None:
    fake.script("GET", "/models", _models_reply(**{"Set-Cookie": "__cf_bm=token1; Path=/"}), _models_reply())
    _two_listings(flavor, fake)
    first, second = fake.requests_to("GET", "/models")
    assert "cookie" not in {name.lower() for name in first.headers}
    assert {name.lower(): value for name, value in second.headers.items()}["cookie"] == "__cf_bm=token1"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_answers_that_set_none_leave_the_jar_empty(flavor: str, fake: FakeVenice) -> None:
    fake.script("GET", "/models", _models_reply(), _models_reply())
    _two_listings(flavor, fake)
    for request in fake.requests_to("GET", "/models"):
        assert "cookie" not in {name.lower() for name in request.headers}


@pytest.mark.parametrize("flavor", FLAVORS)
def test_cookies_set_on_the_client_go_out_and_stay_answer_cookies(flavor: str, fake: FakeVenice) -> None:
    if flavor == "sync":
        with Venice(api_key=API_KEY, base_url=fake.base_url) as client:
            client.http_client.cookies = {"pref": "1"}
            assert isinstance(client.http_client.cookies, AnswerCookies)
            client.models.list()
    else:

        async def run() -> None:
            transport = {"transport": aiohttp_transport()} if flavor == "async-aiohttp" else {}
            async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, **transport) as client:
                client.http_client.cookies = {"pref": "1"}
                assert isinstance(client.http_client.cookies, AnswerCookies)
                await client.models.list()

        asyncio.run(run())
    (request,) = fake.requests_to("GET", "/models")
    assert {name.lower(): value for name, value in request.headers.items()}["cookie"] == "pref=1"


@given(headers=_headers)
def test_httpx_s_pass_runs_only_for_an_answer_that_sets_a_cookie(headers: list[tuple[str, str]]) -> None:
    runs: list[httpx.Response] = []
    original = httpx.Cookies.extract_cookies

    def counted(self: httpx.Cookies, response: httpx.Response) -> None:
        runs.append(response)
        original(self, response)

    response = httpx.Response(200, headers=headers, request=httpx.Request("GET", "https://example.test/"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.Cookies, "extract_cookies", counted)
        AnswerCookies().extract_cookies(response)
    assert len(runs) == (1 if sets_cookies(response.headers) else 0)
