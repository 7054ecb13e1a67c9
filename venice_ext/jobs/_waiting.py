"""The bookkeeping of one wait for a job, shared by the sync and async pollers.

Pure: the clock is injected and nothing here sends or sleeps. The decisions
themselves (intervals, deadlines) are `_poll.py`'s.
"""

from __future__ import annotations

from collections.abc import Callable

from venice_ext.errors import RateLimitError, VeniceError
from venice_ext.jobs._poll import DEFAULT_INTERVAL, JobProgress, Poller, poll_interval
from venice_ext.jobs._state import JobRecord, RetrieveStatus

__all__ = ["MAX_POLL_FAILURES", "OnProgress", "Polling"]

OnProgress = Callable[[JobProgress], object]
# Failures in a row (after the transport's own retries) that polling rides out before giving up.
MAX_POLL_FAILURES = 5


class Polling:
    """The bookkeeping of one wait, shared by the sync and async loops."""

    def __init__(
        self, job: JobRecord, clock: Callable[[], float], timeout: float | None, on_progress: OnProgress | None
    ):
        self.job, self.clock, self.timeout, self.on_progress = job, clock, timeout, on_progress
        self.poller = Poller(started_at=clock(), timeout=timeout)
        self.interval = DEFAULT_INTERVAL
        self.failures = 0
        self.retry_after: float | None = None
        self.seen_at: float | None = None

    def failed(self, exc: VeniceError) -> None:
        """A poll that got no usable answer: ride it out, or re-raise it once too many came in a row."""
        self.failures += 1
        if self.failures > MAX_POLL_FAILURES:
            raise exc
        if isinstance(exc, RateLimitError):
            self.retry_after = exc.retry_after if exc.retry_after is not None else self.interval

    def report(self, progress: JobProgress) -> None:
        self.job.last_progress = progress
        if self.on_progress is not None:
            self.on_progress(progress)

    def finished(self) -> None:
        self.job.status = "COMPLETED"
        last, now = self.job.last_progress, self.clock()
        elapsed = self.job.seconds_since_queued(now)
        if last is not None and self.seen_at is not None:
            # Venice's count is what its estimate is measured against; extend it by the time since.
            elapsed = last.elapsed + (now - self.seen_at)
        total = last.estimated_total if last is not None else None
        self.report(self.poller.finished("COMPLETED", elapsed=elapsed, estimated_total=total))

    def running(self, answer: RetrieveStatus) -> None:
        self.job.adopt(answer)
        self.seen_at = self.clock()
        since = self.job.seconds_since_queued(self.seen_at)
        self.report(self.poller.running(answer.status, answer.average_ms, answer.duration_ms, since_queued=since))
        self.interval = poll_interval(answer.average_ms, answer.duration_ms)

    def next_wait(self) -> float:
        wait = self.poller.next_wait(self.clock(), self.interval, retry_after=self.retry_after)
        self.retry_after = None
        if wait is None:
            raise self.job.timed_out(self.timeout)
        return wait
