"""When the next request of a batch may go: a pure decision over Venice's rate-limit headers.

No I/O and no clock of its own: the runner reports each dispatch and each answer's
`RateLimits` with the time, and asks how long to wait before the next dispatch.

The rule, per window (requests and tokens alike): an answer saying `remaining` while
`in_flight` other requests are still out leaves `remaining - in_flight` requests to send
before the window resets; every dispatch spends one (and its estimated tokens). Counting
every request still out as not yet counted by the server is conservative (some were), so
the gate slows before a 429 rather than after. When the allowance is spent it waits for
the reset the server announced, then allows `limit - in_flight`. Until the first answer
arrives one request probes the limits; answers without the headers leave only the
concurrency bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from venice_ext._core._headers import RateLimits

__all__ = ["RateGate"]

# Clocks of client and server differ a little; a reset is trusted this much later.
RESET_MARGIN = 0.02
_EPOCH_FLOOR = 1_000_000_000


@dataclass
class _Window:
    allowance: int | None = None
    reset_at: float | None = None
    limit: int | None = None

    def observe(self, remaining: int | None, limit: int | None, reset_at: float | None, in_flight: int) -> None:
        if remaining is None:
            return
        if limit is not None:
            self.limit = limit
        candidate = max(0, remaining - in_flight)
        if reset_at is not None and self.reset_at is not None and reset_at < self.reset_at - RESET_MARGIN:
            return  # an answer from a window already over
        newer_window = reset_at is not None and (self.reset_at is None or reset_at > self.reset_at + RESET_MARGIN)
        if self.allowance is None or newer_window:
            self.allowance = candidate
        else:
            self.allowance = min(self.allowance, candidate)
        if reset_at is not None:
            self.reset_at = reset_at if newer_window or self.reset_at is None else max(self.reset_at, reset_at)

    def wait(self, cost: int, now: float, in_flight: int) -> float:
        if self.allowance is None or self.allowance >= cost:
            return 0.0
        if self.reset_at is None:
            # Spent, and no word on when it refills: wait for answers, whose headers will say.
            return float("inf") if in_flight else 0.0
        due = self.reset_at + RESET_MARGIN
        if now < due:
            return due - now
        self.allowance = None if self.limit is None else max(0, self.limit - in_flight)
        self.reset_at = None
        return 0.0 if self.allowance is None or self.allowance >= cost or not in_flight else float("inf")

    def spend(self, cost: int) -> None:
        if self.allowance is not None:
            self.allowance -= cost


class RateGate:
    """Bounded, rate-aware dispatch. `wait(...)` is seconds to sleep, `inf` meaning until an answer arrives."""

    def __init__(self, max_concurrency: int) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.max_concurrency = max_concurrency
        self.in_flight = 0
        self.answers = 0
        self._headers_seen = False
        self._requests = _Window()
        self._tokens = _Window()

    def wait(self, now: float, tokens: int = 0) -> float:
        """How long until a request estimated at `tokens` may be dispatched (0: now)."""
        if self.in_flight >= self.max_concurrency:
            return float("inf")
        if not self._headers_seen and self.in_flight and not self.answers:
            return float("inf")  # one probe first: its answer tells the limits
        return max(self._requests.wait(1, now, self.in_flight), self._tokens.wait(tokens, now, self.in_flight))

    def dispatched(self, tokens: int = 0) -> None:
        self.in_flight += 1
        self._requests.spend(1)
        self._tokens.spend(tokens)

    def answered(self, limits: RateLimits | None, now: float) -> None:
        """An answer arrived (or failed: `limits` None); its headers update the windows."""
        self.in_flight -= 1
        self.answers += 1
        if limits is None:
            return
        if limits.remaining_requests is not None or limits.remaining_tokens is not None:
            self._headers_seen = True
        request_reset = limits.reset_requests_at
        if request_reset is not None and request_reset < _EPOCH_FLOOR:
            request_reset = now + request_reset  # some proxies send seconds, not a timestamp
        self._requests.observe(limits.remaining_requests, limits.limit_requests, request_reset, self.in_flight)
        token_reset = None if limits.reset_tokens_in is None else now + limits.reset_tokens_in
        self._tokens.observe(limits.remaining_tokens, limits.limit_tokens, token_reset, self.in_flight)
