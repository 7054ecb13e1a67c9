"""Numbers a call hands to the spend transport in request headers, which the transport
takes off before the request leaves: the call's own cap (`max_usd=` of `call` and
`with_options`) and a quote already fetched (`video.generate`). Headers, because they
ride wherever a call's extra_headers go, down every path that builds a request.

Looking for an absent header costs httpx a scan of every header, and the transport
looks for two on each request. A request `http_request` built says in its extensions
(`NONE_CARRIED`) when its headers hold neither, and the transport then skips both
looks; a request without that word (built by hand, or by another path) is looked
through as before.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from venice_ext._core._attempts import EXTENSION
from venice_ext.errors import RequestValidationError

__all__ = ["NONE_CARRIED", "QUOTE_HEADER", "SPEND_CAP_HEADER", "carries_a_number", "taken_numbers"]

SPEND_CAP_HEADER = "x-venice-ext-max-usd"
QUOTE_HEADER = "x-venice-ext-quote-usd"
_CARRIED = frozenset({SPEND_CAP_HEADER, QUOTE_HEADER})
NONE_CARRIED = "carries_no_number"  # a key of request.extensions[EXTENSION]


def carries_a_number(names: Iterable[str]) -> bool:
    """Whether any of these header names is one the spend transport takes off."""
    return any(name.lower() in _CARRIED for name in names)


def _taken(request: httpx.Request, name: str) -> float | None:
    # `in` first: httpx.Headers.pop of an absent name raises and catches a KeyError inside.
    if name not in request.headers:
        return None
    values = request.headers.get_list(name)
    del request.headers[name]
    try:
        (value,) = values
        return float(value)
    except ValueError:
        # Only headers a caller spelt out can get here: ours are one number each.
        raise RequestValidationError(f"{name} must be given once, as a number of USD, not {values!r}") from None


def taken_numbers(request: httpx.Request) -> tuple[float | None, float | None]:
    """The call's own cap and the quote it was given, taken off the request (never sent)."""
    options = request.extensions.get(EXTENSION)
    if type(options) is dict and options.get(NONE_CARRIED):
        return None, None
    return _taken(request, SPEND_CAP_HEADER), _taken(request, QUOTE_HEADER)
