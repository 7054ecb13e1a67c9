"""When the next request of a batch may go: a pure decision over Venice's rate-limit headers.

No I/O and no clock of its own: the runner reports each dispatch and each answer's
`RateLimits` with the time, and asks how long to wait before the next dispatch.

The rule, per window (requests and tokens alike): the server's count only grows
within a window, so the answer reporting the lowest `remaining` is the freshest one.
Every request the server counted after that answer was generated is either still
out, or answered with a lower `remaining` (and so the freshest now). Hence
`lowest remaining - cost of what is in flight` may still be sent, exactly and
without a 429: a request in flight that the server had already counted is counted
twice until its answer arrives, and then released. (Keeping an allowance that each
answer may only lower, and each dispatch spends, counts every answer against it
too and leaves about `max_concurrency` requests of every window unsent.)

When the allowance is spent the gate waits for the reset the server announced, then
allows `limit - in flight` (what is out may land in the new window); answers that
still carry the old window's reset are stale and only release their request. Until
the first answer arrives one request probes the limits; answers without the headers
leave only the concurrency bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from venice_ext._core._limits import RateLimits

__all__ = ["RateGate"]

# Clocks of client and server differ a little; a reset is trusted this much later.
RESET_MARGIN = 0.02
_EPOCH_FLOOR = 1_000_000_000


@dataclass
class _Window:
    # The lowest `remaining` an answer of the current window reported (None: no word yet).
    remaining: int | None = None
    reset_at: float | None = None
    limit: int | None = None
    # The reset of the window the gate rolled past: answers still carrying it are stale.
    expired_reset: float | None = None
    # Set when the gate allowed a probe on no word: the probe's answer replaces `remaining`.
    replace_next: bool = False

    def observe(self, remaining: int | None, limit: int | None, reset_at: float | None, now: float) -> None:
        if remaining is None:
            return
        if limit is not None:
            self.limit = limit
        if reset_at is not None:
            if self.expired_reset is not None and reset_at <= self.expired_reset + RESET_MARGIN:
                return  # an answer from a window already over
            if self.reset_at is not None and reset_at < self.reset_at - RESET_MARGIN:
                return
            # A later reset is a new window only once the current one is due: a reset given in
            # seconds (tokens) drifts later with each answer's latency within one window.
            newer = self.reset_at is None or (
                reset_at > self.reset_at + RESET_MARGIN and now >= self.reset_at - RESET_MARGIN
            )
            if newer:
                self.remaining, self.reset_at, self.replace_next = remaining, reset_at, False
                return
            self.reset_at = max(self.reset_at or reset_at, reset_at)
        if self.remaining is None or self.replace_next:
            self.remaining, self.replace_next = remaining, False
        else:
            self.remaining = min(self.remaining, remaining)

    def wait(self, cost: int, now: float, in_flight: int) -> float:
        """Seconds until `cost` more may go, `in_flight` (of this window's unit) being out."""
        if self.remaining is None or self.remaining - in_flight >= cost:
            return 0.0
        if self.reset_at is None:
            if in_flight:
                return float("inf")  # spent, no word on when it refills: the answers will say
            self._probe(cost)
            return 0.0
        due = self.reset_at + RESET_MARGIN
        if now < due:
            return due - now
        self.expired_reset, self.reset_at = self.reset_at, None
        if self.limit is None:
            self._probe(cost)
            return 0.0
        self.remaining = self.limit
        # One request larger than the whole limit goes alone: the server's answer says no.
        return 0.0 if self.remaining - in_flight >= cost or not in_flight else float("inf")

    def _probe(self, cost: int) -> None:
        self.remaining, self.replace_next = cost, True


class RateGate:
    """Bounded, rate-aware dispatch. `wait(...)` is seconds to sleep, `inf` meaning until an answer arrives."""

    def __init__(self, max_concurrency: int) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.max_concurrency = max_concurrency
        self.in_flight = 0
        self.tokens_in_flight = 0
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
        return max(
            self._requests.wait(1, now, self.in_flight),
            self._tokens.wait(tokens, now, self.tokens_in_flight),
        )

    def dispatched(self, tokens: int = 0) -> None:
        self.in_flight += 1
        self.tokens_in_flight += tokens

    def answered(self, limits: RateLimits | None, now: float, tokens: int = 0) -> None:
        """An answer to a request dispatched with `tokens` arrived (or failed: `limits` None)."""
        self.in_flight -= 1
        self.tokens_in_flight = max(0, self.tokens_in_flight - tokens)
        self.answers += 1
        if limits is None:
            return
        if limits.remaining_requests is not None or limits.remaining_tokens is not None:
            self._headers_seen = True
        request_reset = limits.reset_requests_at
        if request_reset is not None and request_reset < _EPOCH_FLOOR:
            request_reset = now + request_reset  # some proxies send seconds, not a timestamp
        self._requests.observe(limits.remaining_requests, limits.limit_requests, request_reset, now)
        token_reset = None if limits.reset_tokens_in is None else now + limits.reset_tokens_in
        self._tokens.observe(limits.remaining_tokens, limits.limit_tokens, token_reset, now)
