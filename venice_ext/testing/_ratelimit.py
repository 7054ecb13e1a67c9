"""Rate limits and prices the fake server enforces, with Venice's real headers.

`RateLimit(requests=60, tokens=100_000, window=60.0)` counts requests (and prompt plus
completion tokens, estimated as the body's characters / 4 when the answer carries no
usage) in fixed windows; a request past either limit is answered 429 with `Retry-After`
and never reaches the route. Every answer carries `x-ratelimit-limit-*`,
`x-ratelimit-remaining-*`, `x-ratelimit-reset-requests` (a Unix timestamp) and
`x-ratelimit-reset-tokens` (seconds). `window` scales a minute down for tests.

`prices` maps a model id to USD per million input and output tokens (by default the
canned /models listing's); with `balance_usd` set, each answered chat or embedding
request is charged from its usage and `x-venice-balance-usd` reports what is left.
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from venice_ext.testing._replies import SSE, DropAfter, Reply, Reset, Stall

FinalAction = Reply | SSE | Reset | DropAfter | Stall

__all__ = ["RateLimit", "canned_prices"]


def canned_prices() -> dict[str, tuple[float, float]]:
    """USD per million (input, output) tokens of every priced model in the canned listing."""
    from venice_ext.testing._canned_models import models

    prices: dict[str, tuple[float, float]] = {}
    for entry in models().json["data"]:
        pricing = entry.get("model_spec", {}).get("pricing", {})
        if "input" in pricing and isinstance(pricing["input"], dict):
            prices[entry["id"]] = (pricing["input"]["usd"], pricing.get("output", {}).get("usd", 0.0))
    return prices


class RateLimit:
    """Fixed-window limits of requests and tokens, and a metered balance."""

    def __init__(
        self,
        *,
        requests: int | None = None,
        tokens: int | None = None,
        window: float = 60.0,
        prices: Mapping[str, tuple[float, float]] | None = None,
        balance_usd: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if window <= 0:
            raise ValueError(f"window must be positive, got {window}")
        self.requests = requests
        self.tokens = tokens
        self.window = window
        self.prices = dict(prices) if prices is not None else canned_prices()
        self.balance_usd = balance_usd
        self.clock = clock
        self.rejected = 0
        self._lock = threading.Lock()
        self._window_start: float | None = None
        self._requests_used = 0
        self._tokens_used = 0

    def _roll(self, now: float) -> float:
        if self._window_start is None or now >= self._window_start + self.window:
            self._window_start = now
            self._requests_used = 0
            self._tokens_used = 0
        return self._window_start + self.window

    def apply(self, body: bytes, action: FinalAction) -> FinalAction:
        """The answer to send: `action` with the headers, or a 429 when a limit is spent."""
        if not isinstance(action, (Reply, SSE)):
            return action
        estimate = _estimate_tokens(body)
        with self._lock:
            now = self.clock()
            reset_at = self._roll(now)
            over = (self.requests is not None and self._requests_used >= self.requests) or (
                self.tokens is not None and self._tokens_used + estimate > self.tokens
            )
            if over:
                self.rejected += 1
                headers = self._headers(reset_at, now)
                headers["retry-after"] = str(max(1, math.ceil(reset_at - now)))
                return Reply(429, json={"error": "Rate limit exceeded"}, headers=headers)
            self._requests_used += 1
            used = _usage_tokens(action) or estimate
            self._tokens_used += used
            if self.balance_usd is not None:
                self.balance_usd -= self._cost(body, action)
            headers = self._headers(reset_at, now)
        return dataclasses.replace(action, headers={**action.headers, **headers})

    def _headers(self, reset_at: float, now: float) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.requests is not None:
            headers["x-ratelimit-limit-requests"] = str(self.requests)
            headers["x-ratelimit-remaining-requests"] = str(max(0, self.requests - self._requests_used))
            headers["x-ratelimit-reset-requests"] = f"{reset_at:.3f}"
        if self.tokens is not None:
            headers["x-ratelimit-limit-tokens"] = str(self.tokens)
            headers["x-ratelimit-remaining-tokens"] = str(max(0, self.tokens - self._tokens_used))
            headers["x-ratelimit-reset-tokens"] = f"{max(0.0, reset_at - now):.3f}"
        if self.balance_usd is not None:
            headers["x-venice-balance-usd"] = f"{self.balance_usd:.8f}"
        return headers

    def _cost(self, body: bytes, action: FinalAction) -> float:
        usage = _usage(action)
        model = _json_field(body, "model")
        if usage is None or not isinstance(model, str) or model not in self.prices:
            return 0.0
        input_price, output_price = self.prices[model]
        prompt = usage.get("prompt_tokens", 0)
        completion = usage.get("completion_tokens", 0)
        return (prompt * input_price + completion * output_price) / 1_000_000


def _json_field(body: bytes, name: str) -> Any:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed.get(name) if isinstance(parsed, dict) else None


def _estimate_tokens(body: bytes) -> int:
    return max(1, len(body) // 4) if body else 0


def _usage(action: FinalAction) -> dict[str, int] | None:
    if isinstance(action, Reply) and isinstance(action.json, dict):
        usage = action.json.get("usage")
        if isinstance(usage, dict):
            return {k: v for k, v in usage.items() if isinstance(v, int)}
    return None


def _usage_tokens(action: FinalAction) -> int:
    usage = _usage(action)
    if usage is None:
        return 0
    return usage.get("total_tokens") or usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
