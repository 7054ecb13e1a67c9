"""A client-wide budget of failures, so retries never get the key blocked.

Venice blocks a key for 30 s after more than 20 failed requests in 30 s. Every
failed attempt (an error status or no answer) is recorded in a sliding window
shared by all threads and tasks using the budget (one client or several).

A retry is a request that will probably fail again, so it takes its slot before
it is sent (`reserve_retry`): concurrent callers cannot all see room and all send.
The slot becomes a failure if the retry fails and is given back if it succeeds.
Fresh calls take no slot (that would cap concurrency at `limit`), but once the
window holds `limit` failures and reservations they are refused before sending
(`admit_fresh`), unless `gate_fresh_calls=False`.
"""

from __future__ import annotations

import threading
from collections import deque

__all__ = ["FailureBudget"]


class FailureBudget:
    def __init__(self, *, limit: int = 15, window: float = 30.0, gate_fresh_calls: bool = True) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("need limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self.gate_fresh_calls = gate_fresh_calls
        self._failures: deque[float] = deque()
        self._reserved = 0
        # A plain lock serves asyncio tasks too: it is never held across an await.
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        horizon = now - self.window
        while self._failures and self._failures[0] <= horizon:
            self._failures.popleft()

    def record_failure(self, now: float) -> None:
        """A failed request that held no reservation (a fresh call's)."""
        with self._lock:
            self._expire(now)
            self._failures.append(now)

    def reserve_retry(self, now: float) -> bool:
        """Take a slot for a retry about to be sent; False when there is none."""
        with self._lock:
            self._expire(now)
            if len(self._failures) + self._reserved >= self.limit:
                return False
            self._reserved += 1
            return True

    def settle(self, now: float, *, failed: bool) -> None:
        """A reserved retry came back: its slot becomes a failure, or is freed."""
        with self._lock:
            self._reserved = max(0, self._reserved - 1)
            if failed:
                self._expire(now)
                self._failures.append(now)

    def admit_fresh(self, now: float) -> float | None:
        """None when a fresh call may be sent; else the seconds until a slot frees."""
        if not self.gate_fresh_calls:
            return None
        with self._lock:
            self._expire(now)
            if len(self._failures) + self._reserved < self.limit:
                return None
            if not self._failures:
                return self.window  # only reservations: unknown, at most a window
            return max(0.0, self._failures[0] + self.window - now)

    def failures(self, now: float) -> int:
        with self._lock:
            self._expire(now)
            return len(self._failures)

    def reserved(self) -> int:
        with self._lock:
            return self._reserved

    def exhausted(self, now: float) -> bool:
        with self._lock:
            self._expire(now)
            return len(self._failures) + self._reserved >= self.limit
