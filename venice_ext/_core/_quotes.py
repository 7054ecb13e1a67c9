"""The spend cap's estimate for a video or audio job: Venice's own quote for it.

`POST /video/queue` and `/audio/queue` cannot be priced from the `/models` listing, but
Venice quotes them (`/video/quote`, `/audio/quote`, free and safe to repeat). The quote
request takes a subset of the queue request's fields: `quote_body` keeps those the spec's
quote request knows (through the generated model, so enums are checked). An audio model
priced per thousand characters (`pricing.per_thousand_characters` in the listing) is
quoted for its prompt's length when the caller gave no `character_count`.

`QUOTE_HEADER` (`_carried.py`) carries a quote already fetched (by `generate`) to the spend
transport, so a job is not quoted twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from venice_ext.errors import CostUnknownError

__all__ = ["pricing_of", "quote_body", "quote_of", "quote_path"]

_QUOTED = {"/video/queue": "/video/quote", "/audio/queue": "/audio/quote"}
_FORWARDED_LEAVE_OUT = ("content-length", "content-type", "transfer-encoding")


def quote_path(path: str) -> str | None:
    """The quote operation's path for a queue path (relative to the API base), else None."""
    return _QUOTED.get(path)


def _quote_model(path: str) -> Any:
    from venice_ext._core._symbols import QuoteAudioRequest, QuoteVideoRequest

    return QuoteVideoRequest if path == "/video/queue" else QuoteAudioRequest


def pricing_of(listing: list[dict[str, Any]], model: Any) -> Mapping[str, Any]:
    """The `model_spec.pricing` of `model`'s entry in the `/models` listing; empty when it has none."""
    for entry in listing:
        if entry.get("id") == model:
            spec = entry.get("model_spec")
            pricing = spec.get("pricing") if isinstance(spec, Mapping) else None
            return pricing if isinstance(pricing, Mapping) else {}
    return {}


def quote_body(path: str, body: Mapping[str, Any], listing: list[dict[str, Any]]) -> dict[str, Any]:
    """The quote request for a queue request's body; CostUnknownError when it cannot be built."""
    from venice_ext._core._symbols import ModelParseError

    try:
        quote = _quote_model(path).from_dict(dict(body))
    except (ModelParseError, KeyError, TypeError, ValueError) as exc:
        raise CostUnknownError(f"{path}: no quote request can be made of this body ({exc})") from None
    quote.additional_properties.clear()
    fields: dict[str, Any] = quote.to_dict()
    prompt = body.get("prompt")
    counted = path == "/audio/queue" and "character_count" not in fields and isinstance(prompt, str)
    if counted and "per_thousand_characters" in pricing_of(listing, body.get("model")):
        fields["character_count"] = len(str(prompt))
    return fields


def quote_request(queue: httpx.Request, path: str, fields: Mapping[str, Any]) -> httpx.Request:
    """The quote's request, sent as the queue request would be (same headers, same extensions)."""
    relative = quote_path(path)
    assert relative is not None
    full_path = queue.url.path[: len(queue.url.path) - len(path)] + relative
    headers = [(k, v) for k, v in queue.headers.multi_items() if k.lower() not in _FORWARDED_LEAVE_OUT]
    return httpx.Request(
        "POST",
        queue.url.copy_with(path=full_path, query=None),
        headers=[*headers, ("content-type", "application/json")],
        content=json.dumps(fields).encode(),
        extensions=dict(queue.extensions),
    )


def quote_of(response: httpx.Response, path: str) -> float:
    """The quote in a (read) 2xx quote answer; CostUnknownError when it holds none."""
    try:
        quote = json.loads(response.content).get("quote")
    except (ValueError, AttributeError):
        quote = None
    if isinstance(quote, bool) or not isinstance(quote, (int, float)) or not quote >= 0:
        raise CostUnknownError(f"{path}: the quote answer holds no price: {response.text[:200]!r}")
    return float(quote)
