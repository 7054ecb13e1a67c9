"""The record of a paid video job on disk, and the checks made before paying for one.

The output is checked before the quote (a paid job with nowhere to save to is money
wasted); the job's JSON is written atomically and privately (it may hold a pre-signed
download URL); and a Ctrl-C is held back while the queue request is out, until that
JSON is on disk.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from venice_ext import VideoJob

__all__ = ["JOB_SUFFIX", "check_new_target", "interrupts_held", "output_of", "save_job"]

JOB_SUFFIX = ".job.json"


def output_of(job_path: Path) -> Path:
    if not job_path.name.endswith(JOB_SUFFIX) or job_path.name == JOB_SUFFIX:
        raise click.UsageError(f"{job_path} does not end in {JOB_SUFFIX}: say where the video goes with -o")
    return job_path.with_name(job_path.name.removesuffix(JOB_SUFFIX))


def check_new_target(output: Path, job_path: Path) -> None:
    """Checked before the quote: a paid job whose file has nowhere to go is money wasted."""
    if str(output) == "-":
        raise click.BadParameter(
            "a video is saved to a file (and resumable from it), not standard output", param_hint="-o/--output"
        )
    if output.exists() and not output.is_file():
        raise click.BadParameter(f"{output} exists and is not a regular file", param_hint="-o/--output")
    if output.is_dir():
        raise click.BadParameter(f"{output} is a directory", param_hint="-o/--output")
    output.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(output.parent, os.W_OK):
        raise click.BadParameter(f"{output.parent} is not writable", param_hint="-o/--output")
    if job_path.exists():
        # Overwriting it would lose the only record of a job that may still be running (and paid for).
        raise click.UsageError(
            f"{job_path} exists: an earlier job for {output} may still be running. "
            f"Continue it with --resume {shlex.quote(str(job_path))}, or delete that file to start anew"
        )


def save_job(job: VideoJob, path: Path) -> None:
    """Atomically, so a crash mid-write never leaves half of the only record of a paid job.

    mkstemp's file is private (0600): a job's `download_url` is a pre-signed credential.
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(job.to_json() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold a Ctrl-C from sending the queue request until the job's file is written.

    Stopping in between would pay for a job nobody can resume. A second Ctrl-C still
    stops at once, for a user who prefers that to waiting on a slow answer.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    held: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        if held:
            raise KeyboardInterrupt
        held.append(signum)
        click.echo("stopping once the job is queued and saved (Ctrl-C again to stop now)", err=True)

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    if held:
        raise KeyboardInterrupt
