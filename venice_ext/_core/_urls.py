"""The absolute URL a client sends an operation's path to, worked out once per path.

Given a relative URL, httpx parses it and joins it to the client's `base_url` on every
`build_request`: about 2,300 bytecode instructions, more than a typed chat call adds to
raw httpx. An `httpx.URL` that is already absolute goes through as it is. So the URL
httpx itself builds for a path (on first use) is kept, per client and path, and handed
over on later requests: what is sent is what httpx would have sent.

Kept per client and dropped when its `base_url` is set anew. Paths holding parameters
(`/characters/{slug}`) can be many; at most `LIMIT` are kept per client.
"""

from __future__ import annotations

import weakref

import httpx

__all__ = ["LIMIT", "absolute_url"]

LIMIT = 512


class _Kept:
    __slots__ = ("base", "urls")

    def __init__(self, base: httpx.URL) -> None:
        self.base = base
        self.urls: dict[str, httpx.URL] = {}


_kept: weakref.WeakKeyDictionary[httpx.Client | httpx.AsyncClient, _Kept] = weakref.WeakKeyDictionary()


def absolute_url(http: httpx.Client | httpx.AsyncClient, url: str) -> httpx.URL:
    """The URL `http.build_request` would send `url` (a path relative to its base, or whole) to."""
    base = http.base_url
    kept = _kept.get(http)
    if kept is None or kept.base is not base:  # httpx makes a new URL object when base_url is set
        kept = _kept[http] = _Kept(base)
    found = kept.urls.get(url)
    if found is None:
        if len(kept.urls) >= LIMIT:
            kept.urls.clear()
        found = kept.urls[url] = http.build_request("GET", url).url
    return found
