"""Batches from a JSONL file to a JSONL file, resumable after a crash (sync and async).

Next to the output, `<output>.sent` journals each custom_id just before its request
goes out (the runner's `on_dispatch`). Each output line is one `os.write` to a file opened for appending, then
fsynced, so a crash leaves whole lines only (a torn last line, from a disk that lies,
is cut off on resume). Rerun with the same paths: answered requests are skipped, and
requests journaled as sent with no answer are ambiguous (they may have been billed):
they are reported and not resent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from venice_ext._core._requester import AsyncRequester, Requester
from venice_ext.batch._requests import BatchRequest, parse_request
from venice_ext.batch._results import BatchResult
from venice_ext.batch._runner import DEFAULT_CONCURRENCY, aiter_batch, iter_batch
from venice_ext.errors import RequestValidationError, SpendCapExceededError

__all__ = ["FileBatchSummary", "arun_file", "run_file"]


@dataclass
class FileBatchSummary:
    done: int = 0
    failed: int = 0
    skipped: int = 0
    ambiguous: list[str] = field(default_factory=list)
    # Sent and not answered yet, at the moment `on_result` is called.
    in_flight: int = 0
    # Refused by the client's max_usd: never sent, not written, sent again on --resume.
    refused_at_cap: list[str] = field(default_factory=list)


# A journal line starting with this takes back the `sent` of a request the cap refused.
_UNSENT = "\0"


def _journaled_sent(lines: Iterator[bytes]) -> set[str]:
    entries = [line.decode() for line in lines]
    taken_back = {entry[len(_UNSENT) :] for entry in entries if entry.startswith(_UNSENT)}
    return {entry for entry in entries if not entry.startswith(_UNSENT)} - taken_back


def read_requests(path: Path) -> list[BatchRequest]:
    requests = []
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise RequestValidationError(f"{path}:{number}: not JSON: {exc}") from exc
            requests.append(parse_request(item, number))
    ids = [r.custom_id for r in requests]
    if len(set(ids)) != len(ids):
        raise RequestValidationError(f"{path}: custom_id values repeat; resuming needs them unique")
    return requests


def _whole_lines(path: Path) -> Iterator[bytes]:
    if not path.exists():
        return
    data = path.read_bytes()
    whole = data[: data.rfind(b"\n") + 1]
    if len(whole) != len(data):
        with path.open("r+b") as torn:
            torn.truncate(len(whole))
    yield from whole.splitlines()


def _answered(output: Path) -> set[str]:
    return {str(json.loads(line)["custom_id"]) for line in _whole_lines(output) if line.strip()}


class _Appender:
    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, line: bytes) -> None:
        os.write(self._fd, line)
        os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)


OnResult = Callable[[BatchResult, FileBatchSummary], None] | None


class _Run:
    """One run's state, shared by both twins: what to send, the journal and the output."""

    def __init__(self, input_path: str | os.PathLike[str], output_path: str | os.PathLike[str], resume: bool) -> None:
        source, output = Path(input_path), Path(output_path)
        journal = output.with_name(output.name + ".sent")
        requests = read_requests(source)
        if not resume and (output.exists() or journal.exists()):
            raise RequestValidationError(f"{output} exists: pass resume=True to continue that run, or remove it")
        answered = _answered(output)
        sent = _journaled_sent(_whole_lines(journal))
        self.summary = FileBatchSummary(skipped=len(answered))
        self.summary.ambiguous = [r.custom_id for r in requests if r.custom_id in sent and r.custom_id not in answered]
        self.todo = [r for r in requests if r.custom_id not in sent and r.custom_id not in answered]
        self._results, self._sent_log = _Appender(output), _Appender(journal)

    def dispatching(self, request: BatchRequest) -> None:
        self._sent_log.write(request.custom_id.encode() + b"\n")
        self.summary.in_flight += 1

    def finished(self, result: BatchResult, on_result: OnResult) -> None:
        summary = self.summary
        summary.in_flight -= 1
        if isinstance(result.error, SpendCapExceededError):
            # Refused before sending: take its `sent` back, so --resume sends it.
            self._sent_log.write((_UNSENT + result.custom_id).encode() + b"\n")
            summary.refused_at_cap.append(result.custom_id)
        else:
            self._results.write(result.to_line())
            summary.done += 1
            summary.failed += not result.ok
        if on_result is not None:
            on_result(result, summary)

    def close(self) -> None:
        self._results.close()
        self._sent_log.close()


# unasync: begin async source
# unasync: sync-only: def run_file(
async def arun_file(  # unasync: async-only
    requester: AsyncRequester,
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    resume: bool = False,
    on_result: OnResult = None,
) -> FileBatchSummary:
    """Answer every request of `input_path` into `output_path`; with `resume`, continue a run.

    `on_result(result, summary)` runs after each answer, the summary counting so far.
    """
    run = _Run(input_path, output_path, resume)
    try:
        options: dict[str, Any] = {"max_concurrency": max_concurrency, "on_dispatch": run.dispatching}
        # unasync: sync-only: for result in iter_batch(requester, run.todo, **options):
        async for result in aiter_batch(requester, run.todo, **options):  # unasync: async-only
            run.finished(result, on_result)
    finally:
        run.close()
    return run.summary


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
def run_file(
    requester: Requester,
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    resume: bool = False,
    on_result: OnResult = None,
) -> FileBatchSummary:
    """Answer every request of `input_path` into `output_path`; with `resume`, continue a run.

    `on_result(result, summary)` runs after each answer, the summary counting so far.
    """
    run = _Run(input_path, output_path, resume)
    try:
        options: dict[str, Any] = {"max_concurrency": max_concurrency, "on_dispatch": run.dispatching}
        for result in iter_batch(requester, run.todo, **options):
            run.finished(result, on_result)
    finally:
        run.close()
    return run.summary


# unasync: end sync twin
