"""Polling a queued video or audio job: when to ask again, how far along it is, when to stop.

Pure decisions, no I/O (like `_retry.py`): the job loops in `_job.py` feed them the
clock and what Venice said, and sleep for as long as they are told.

Venice answers a running job with `average_execution_time` (how long such jobs take,
P80) and `execution_duration` (how long this one has run), both in milliseconds. The
next poll is half the gap between the two, bounded: a job far from its expected end
is asked rarely, one near it every couple of seconds, and one running late less and
less often as it drags on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_INTERVAL",
    "MAX_INTERVAL",
    "MIN_INTERVAL",
    "JobProgress",
    "Poller",
    "poll_interval",
]

MIN_INTERVAL = 2.0
MAX_INTERVAL = 30.0
# Before Venice has said anything about timing (or when it leaves the numbers out).
DEFAULT_INTERVAL = 5.0
# A running job never reports 100 %: only the media arriving does.
_RUNNING_CAP = 0.99


@dataclass(frozen=True)
class JobProgress:
    """What `on_progress` receives after each poll.

    `elapsed` is how long the job has run in seconds (Venice's count when it gives
    one, else the time since it was queued); `estimated_total` is how long such jobs
    take (seconds, Venice's P80), None when unknown; `fraction` is in [0, 1], never
    goes down, and reaches 1.0 only when the job completed.
    """

    status: str
    elapsed: float
    estimated_total: float | None
    fraction: float

    @property
    def done(self) -> bool:
        return self.fraction >= 1.0


def _finite(value: float | None) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def poll_interval(
    average_ms: float | None,
    duration_ms: float | None,
    *,
    min_interval: float = MIN_INTERVAL,
    max_interval: float = MAX_INTERVAL,
) -> float:
    """Seconds until the next poll: half the gap between the job's run time and the usual one, bounded."""
    average, duration = _finite(average_ms), _finite(duration_ms)
    gap = DEFAULT_INTERVAL if average is None or duration is None else abs(average - duration) / 1000 / 2
    return min(max(gap, min_interval), max_interval)


@dataclass
class Poller:
    """One wait for one job: its deadline, and the progress reported so far (kept monotone).

    Times are whatever the injected clock returns (seconds). `timeout` None waits forever.
    """

    started_at: float
    timeout: float | None = None
    min_interval: float = MIN_INTERVAL
    max_interval: float = MAX_INTERVAL
    fraction: float = field(default=0.0, init=False)
    polls: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.timeout is not None and self.timeout < 0:
            raise ValueError("timeout must be >= 0")
        if not 0 < self.min_interval <= self.max_interval:
            raise ValueError("need 0 < min_interval <= max_interval")

    @property
    def deadline(self) -> float | None:
        return None if self.timeout is None else self.started_at + self.timeout

    def running(
        self, status: str, average_ms: float | None, duration_ms: float | None, *, since_queued: float
    ) -> JobProgress:
        """Record a poll that found the job still running; `since_queued` is the client's own count (seconds)."""
        self.polls += 1
        duration, average = _finite(duration_ms), _finite(average_ms)
        elapsed = max(0.0, duration / 1000 if duration is not None else since_queued)
        seconds = average / 1000 if average is not None else 0.0
        total = seconds if seconds > 0 else None
        if total is not None:
            estimate = min(elapsed / total, _RUNNING_CAP)
            self.fraction = max(self.fraction, estimate)
        return JobProgress(status, elapsed, total, self.fraction)

    def finished(self, status: str, *, elapsed: float, estimated_total: float | None) -> JobProgress:
        self.polls += 1
        self.fraction = 1.0
        return JobProgress(status, max(0.0, elapsed), estimated_total, 1.0)

    def next_wait(self, now: float, interval: float, *, retry_after: float | None = None) -> float | None:
        """Seconds to sleep before the next poll, or None: stop, the deadline leaves no room for one.

        The last wait is cut short to land on the deadline, so the job gets a final look
        without ever being polled after it. A server's `Retry-After` is a floor: when it
        reaches past the deadline there is no honest poll left, so the answer is None.
        """
        wait = min(max(interval, self.min_interval), self.max_interval)
        if retry_after is not None:
            wait = max(retry_after, self.min_interval)
        deadline = self.deadline
        if deadline is None:
            return wait
        remaining = deadline - now
        if remaining <= 0:
            return None
        # Compared as a moment, not as a span: `deadline - now` and `now + wait` round
        # differently, and the question is whether the poll would land after the deadline.
        if retry_after is not None:
            return None if now + wait > deadline else wait
        return min(wait, remaining)
