"""A client-wide budget of failures, so retries never get the key blocked.

Venice blocks a key for 30 s after more than 20 failed requests in 30 s. Every
failed attempt (an error status or no answer) is recorded in a sliding window
shared by all threads and tasks using the budget (one client or several).

Slots are taken before sending, so concurrent callers cannot all see room and all
send. A retry always takes one (`reserve_retry`); the slot becomes a failure if
the retry fails and is freed if it succeeds. A fresh call takes one only while
the window holds failures (`start_fresh`): with none, requests go unreserved, so a
healthy client's concurrency is not capped at `limit`; they still count as
possible failures while in flight, so no retry is reserved against them. Once the
window has no slot left, fresh calls are refused before sending, unless
`gate_fresh_calls=False` (they then go unreserved). So the failures the server
sees in a window stay within max(limit, requests already in flight when the first
failure of the window came back).
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
        self._unreserved_in_flight = 0
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

    def _taken(self) -> int:
        return len(self._failures) + self._reserved + self._unreserved_in_flight

    def reserve_retry(self, now: float) -> bool:
        """Take a slot for a retry about to be sent; False when there is none."""
        with self._lock:
            self._expire(now)
            if self._taken() >= self.limit:
                return False
            self._reserved += 1
            return True

    def start_fresh(self, now: float) -> tuple[bool, float | None]:
        """Admit a fresh call: (holds a reservation, None), or (False, seconds to wait) when refused."""
        with self._lock:
            self._expire(now)
            if not self._failures or not self.gate_fresh_calls:
                self._unreserved_in_flight += 1
                return False, None
            if self._taken() < self.limit:
                self._reserved += 1
                return True, None
            return False, max(0.0, self._failures[0] + self.window - now)

    def finish_unreserved(self, now: float, *, failed: bool) -> None:
        """An unreserved fresh request came back."""
        with self._lock:
            self._unreserved_in_flight = max(0, self._unreserved_in_flight - 1)
            if failed:
                self._expire(now)
                self._failures.append(now)

    def settle(self, now: float, *, failed: bool) -> None:
        """A reserved retry came back: its slot becomes a failure, or is freed."""
        with self._lock:
            self._reserved = max(0, self._reserved - 1)
            if failed:
                self._expire(now)
                self._failures.append(now)

    def failures(self, now: float) -> int:
        with self._lock:
            self._expire(now)
            return len(self._failures)

    def in_flight(self) -> int:
        """Requests sent and not yet answered: reserved ones and unreserved fresh ones."""
        with self._lock:
            return self._reserved + self._unreserved_in_flight

    def exhausted(self, now: float) -> bool:
        with self._lock:
            self._expire(now)
            return self._taken() >= self.limit
