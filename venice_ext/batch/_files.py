"""Batches from a JSONL file to a JSONL file, resumable after a crash.

Next to the output, `<output>.sent` journals each custom_id just before its request
goes out. Each output line is one `os.write` to a file opened for appending, then
fsynced, so a crash leaves whole lines only (a torn last line, from a disk that lies,
is cut off on resume). Rerun with the same paths: answered requests are skipped, and
requests journaled as sent with no answer are ambiguous (they may have been billed):
they are reported and not resent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from venice_ext._core._requester import AsyncRequester
from venice_ext.batch._requests import BatchRequest, parse_request
from venice_ext.batch._runner import DEFAULT_CONCURRENCY, aiter_batch
from venice_ext.errors import RequestValidationError, SpendCapExceededError

__all__ = ["FileBatchSummary", "arun_file"]


@dataclass
class FileBatchSummary:
    done: int = 0
    failed: int = 0
    skipped: int = 0
    ambiguous: list[str] = field(default_factory=list)
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


async def arun_file(
    requester: AsyncRequester,
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    resume: bool = False,
    on_result: Any = None,
) -> FileBatchSummary:
    """Answer every request of `input_path` into `output_path`; with `resume`, continue a run."""
    source, output = Path(input_path), Path(output_path)
    journal = output.with_name(output.name + ".sent")
    requests = read_requests(source)
    if not resume and (output.exists() or journal.exists()):
        raise RequestValidationError(f"{output} exists: pass resume=True to continue that run, or remove it")
    answered = _answered(output)
    sent = _journaled_sent(_whole_lines(journal))
    summary = FileBatchSummary(skipped=len(answered))
    summary.ambiguous = [r.custom_id for r in requests if r.custom_id in sent and r.custom_id not in answered]
    todo = [r for r in requests if r.custom_id not in sent and r.custom_id not in answered]
    results, sent_log = _Appender(output), _Appender(journal)

    pulled: list[str] = []
    finished: set[str] = set()

    def journaled() -> Iterator[BatchRequest]:
        for request in todo:
            sent_log.write(request.custom_id.encode() + b"\n")
            pulled.append(request.custom_id)
            yield request

    try:
        async for result in aiter_batch(requester, journaled(), max_concurrency=max_concurrency):
            finished.add(result.custom_id)
            if isinstance(result.error, SpendCapExceededError):
                sent_log.write((_UNSENT + result.custom_id).encode() + b"\n")
                summary.refused_at_cap.append(result.custom_id)
                if on_result is not None:
                    on_result(result, summary)
                continue
            results.write(result.to_line())
            summary.done += 1
            summary.failed += not result.ok
            if on_result is not None:
                on_result(result, summary)
        # The runner reads one request ahead: when it stopped early (the cap, stop_on_error)
        # and returned normally, a request journaled but without a result was never sent.
        for custom_id in pulled:
            if custom_id not in finished:
                sent_log.write((_UNSENT + custom_id).encode() + b"\n")
    finally:
        results.close()
        sent_log.close()
    return summary
