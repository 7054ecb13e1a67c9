"""The progress bar of a video job: Venice's status, its share of the estimate, elapsed and remaining time."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress

    from venice_ext import JobProgress, VideoJob

__all__ = ["job_bar"]


def _clock(seconds: float) -> str:
    return str(dt.timedelta(seconds=int(max(0.0, seconds))))


@contextlib.contextmanager
def job_bar(job: VideoJob) -> Iterator[Callable[[JobProgress], None]]:
    """A rich progress bar on stderr (stdout stays for the result), fed by the job's `on_progress`.

    Yields the `on_progress` callback. In a terminal the bar redraws in place; elsewhere
    (a pipe, a log) rich prints only its final state, once.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskProgressColumn, TextColumn
    from rich.text import Text

    class JobTimes(ProgressColumn):
        """Elapsed and remaining by the job's own count and Venice's estimate of such jobs.

        Not rich's speed-based columns: the fraction is an estimate refreshed every few
        seconds, so its rate of change says nothing. Between polls the elapsed time keeps
        ticking from Venice's last count.
        """

        def render(self, task: Task) -> Text:
            fields = task.fields
            elapsed = fields["elapsed"]
            if not fields["done"]:
                elapsed += time.monotonic() - fields["seen_at"]
            estimate = fields["estimate"]
            if fields["done"]:
                left = f"{_clock(0)} left"
            elif estimate is None:
                left = "-:--:-- left"
            elif elapsed < estimate + 1:  # not "0:00:00 over" for a fraction of a second
                left = f"{_clock(estimate - elapsed)} left"
            else:
                left = f"{_clock(elapsed - estimate)} over"  # later than Venice's estimate
            return Text(f"{_clock(elapsed)} elapsed, {left}", style="progress.remaining")

    progress: Progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=30),
        TaskProgressColumn(),
        JobTimes(),
        console=Console(stderr=True),
        redirect_stdout=False,  # stdout carries only the result
        refresh_per_second=4,
    )
    # A resumed job has been running a while already; a new one a moment.
    since = job.seconds_since_queued(time.time())
    task = progress.add_task(job.status, total=None, elapsed=since, seen_at=time.monotonic(), estimate=None, done=False)

    def on_progress(update: JobProgress) -> None:
        known = update.estimated_total is not None or update.done
        progress.update(
            task,
            description=update.status,
            # rich cannot turn a known total back into "unknown"; an estimate only ever appears.
            total=100 if known else None,
            completed=update.fraction * 100,
            elapsed=update.elapsed,
            seen_at=time.monotonic(),
            estimate=update.estimated_total,
            done=update.done,
        )

    with progress:
        yield on_progress
