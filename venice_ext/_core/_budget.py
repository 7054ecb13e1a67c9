"""A client-wide budget of failures, so retries never get the key blocked.

Venice blocks a key for 30 s after more than 20 failed requests in 30 s. Every
failed attempt (an error status or no answer) is recorded in a sliding window
shared by all threads and tasks using the client; once `limit` failures sit in
the window, retries stop and callers fail fast instead of feeding the count.
"""

from __future__ import annotations

import threading
from collections import deque

__all__ = ["FailureBudget"]


class FailureBudget:
    def __init__(self, *, limit: int = 15, window: float = 30.0) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("need limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._failures: deque[float] = deque()
        # A plain lock serves asyncio tasks too: it is never held across an await.
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        horizon = now - self.window
        while self._failures and self._failures[0] <= horizon:
            self._failures.popleft()

    def record_failure(self, now: float) -> None:
        with self._lock:
            self._expire(now)
            self._failures.append(now)

    def failures(self, now: float) -> int:
        with self._lock:
            self._expire(now)
            return len(self._failures)

    def exhausted(self, now: float) -> bool:
        return self.failures(now) >= self.limit
