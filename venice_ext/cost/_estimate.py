"""What a request will cost before it is sent, from the `/models` listing's pricing.

Pure: the listing (`GET /models?type=all`, its JSON `data`) and the request body go in,
USD comes out. The token estimate is documented and deliberately simple:

- text is 4 characters per token, rounded up, per string;
- each message adds 4 tokens (role and framing), each image part 765 tokens (a
  high-detail 1024x1024 image), tool definitions count as their JSON text;
- the answer is `max_completion_tokens` (or `max_tokens`) when given, else
  DEFAULT_OUTPUT_TOKENS.

Chat and embeddings are priced per million input and output tokens; `/image/generate`
is `generation` times `variants`, `/images/generations` times `n`; `/image/upscale` is
the `upscale` price of its `scale` (2 or 4). Anything else raises CostUnknownError.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from venice_ext.errors import CostUnknownError

__all__ = ["DEFAULT_OUTPUT_TOKENS", "CostEstimate", "estimate_cost", "estimate_tokens"]

DEFAULT_OUTPUT_TOKENS = 1024
CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD_TOKENS = 4
IMAGE_TOKENS = 765


@dataclass(frozen=True)
class CostEstimate:
    usd: float
    model: str
    input_tokens: int = 0
    output_tokens: int = 0


def _text_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _content_tokens(content: Any) -> int:
    if isinstance(content, str):
        return _text_tokens(content)
    if isinstance(content, list):
        total = 0
        for part in content:
            if isinstance(part, Mapping) and part.get("type") in ("image_url", "input_image"):
                total += IMAGE_TOKENS
            elif isinstance(part, Mapping):
                total += _text_tokens(str(part.get("text", "")))
            else:
                total += _text_tokens(str(part))
        return total
    return 0 if content is None else _text_tokens(json.dumps(content))


def estimate_tokens(body: Mapping[str, Any]) -> tuple[int, int]:
    """(input, output) tokens of a chat completion body, by the rules above."""
    messages = body.get("messages") or []
    tokens = sum(
        MESSAGE_OVERHEAD_TOKENS + _content_tokens(m.get("content")) for m in messages if isinstance(m, Mapping)
    )
    if body.get("tools"):
        tokens += _text_tokens(json.dumps(body["tools"], separators=(",", ":")))
    output = body.get("max_completion_tokens") or body.get("max_tokens") or DEFAULT_OUTPUT_TOKENS
    return tokens, int(output)


def _pricing(models: Iterable[Mapping[str, Any]], model: str) -> Mapping[str, Any]:
    for entry in models:
        if entry.get("id") == model:
            pricing = entry.get("model_spec", {}).get("pricing")
            if isinstance(pricing, Mapping):
                return pricing
            raise CostUnknownError(f"model {model!r} lists no pricing")
    raise CostUnknownError(f"model {model!r} is not in the /models listing")


def _usd(pricing: Mapping[str, Any], *keys: str) -> float:
    value: Any = pricing
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            raise CostUnknownError(f"no {'.'.join(keys)} price in {dict(pricing)}")
        value = value[key]
    if not isinstance(value, Mapping) or not isinstance(value.get("usd"), (int, float)):
        raise CostUnknownError(f"no {'.'.join(keys)} price in USD")
    return float(value["usd"])


def estimate_cost(models: Iterable[Mapping[str, Any]], path: str, body: Mapping[str, Any]) -> CostEstimate:
    """The estimated USD of sending `body` to `path` (relative to the API base)."""
    model = body.get("model")
    if not isinstance(model, str):
        raise CostUnknownError(f"{path}: the body names no model to price")
    pricing = _pricing(list(models), model)
    if path == "/chat/completions":
        input_tokens, output_tokens = estimate_tokens(body)
        usd = input_tokens * _usd(pricing, "input") / 1e6 + output_tokens * _usd(pricing, "output") / 1e6
        return CostEstimate(usd, model, input_tokens, output_tokens)
    if path == "/embeddings":
        given = body.get("input", "")
        texts = [given] if isinstance(given, str) else [str(t) for t in given]
        input_tokens = sum(_text_tokens(text) for text in texts)
        return CostEstimate(input_tokens * _usd(pricing, "input") / 1e6, model, input_tokens)
    if path in ("/image/generate", "/images/generations"):
        count = body.get("variants" if path == "/image/generate" else "n") or 1
        return CostEstimate(int(count) * _usd(pricing, "generation"), model)
    if path == "/image/upscale":
        return CostEstimate(_usd(pricing, "upscale", f"{int(body.get('scale', 2))}x"), model)
    raise CostUnknownError(f"no cost estimate for {path}")
