"""File batches: resume after a kill mid-batch, each request answered once, whole lines only."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from venice_ext import AsyncVenice, Venice
from venice_ext.batch._files import FileBatchSummary, arun_file, run_file
from venice_ext.batch._results import BatchResult
from venice_ext.errors import RequestValidationError
from venice_ext.testing import FakeVenice, RateLimit

COUNT = 120

TWINS = ["sync", "async"]

CHILDREN = {
    "async": """
import asyncio, sys
from venice_ext import AsyncVenice
from venice_ext.batch._files import arun_file

async def main():
    async with AsyncVenice(api_key="test-key", base_url=sys.argv[1]) as client:
        await arun_file(client.requester, sys.argv[2], sys.argv[3], max_concurrency=4, resume=True)

asyncio.run(main())
""",
    "sync": """
import sys
from venice_ext import Venice
from venice_ext.batch._files import run_file

with Venice(api_key="test-key", base_url=sys.argv[1]) as client:
    run_file(client.requester, sys.argv[2], sys.argv[3], max_concurrency=4, resume=True)
""",
}


def _write_input(path: Path) -> None:
    lines = [
        {
            "custom_id": f"r{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "venice-uncensored-1-2", "messages": [{"role": "user", "content": f"n{i}"}]},
        }
        for i in range(COUNT)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def _prompt(body: bytes) -> str | None:
    try:
        return str(json.loads(body)["messages"][0]["content"])
    except ValueError:
        return None


def _run(twin: str, base_url: str, source: Path, output: Path, **options: Any) -> FileBatchSummary:
    if twin == "sync":
        with Venice(api_key="test-key", base_url=base_url) as client:
            return run_file(client.requester, source, output, **options)

    async def main() -> FileBatchSummary:
        async with AsyncVenice(api_key="test-key", base_url=base_url) as client:
            return await arun_file(client.requester, source, output, **options)

    return asyncio.run(main())


def _resume(base_url: str, source: Path, output: Path, twin: str = "async") -> FileBatchSummary:
    return _run(twin, base_url, source, output, resume=True)


@pytest.mark.parametrize("twin", TWINS)
def test_a_batch_killed_mid_run_resumes_without_resending(tmp_path: Path, twin: str) -> None:
    source, output = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    _write_input(source)
    # 20 requests per half second: the run takes about three seconds, long enough to kill.
    with FakeVenice(rate_limit=RateLimit(requests=20, window=0.5)) as fake:
        child = subprocess.Popen([sys.executable, "-c", CHILDREN[twin], fake.base_url, str(source), str(output)])
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and child.poll() is None:
                if output.exists() and output.read_bytes().count(b"\n") >= 30:
                    break
                time.sleep(0.02)
            assert child.poll() is None, "the batch finished before it could be killed"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(timeout=10)
        first_run = output.read_bytes().count(b"\n")
        assert 30 <= first_run < COUNT
        # A fresh client knows nothing of the window the killed one may have spent: its
        # first request (the probe) could meet a 429 (retried, never surfaced). Start the
        # resumed run in a new window so that `rejected` counts what the gate decided.
        time.sleep(0.6)
        summary = _resume(fake.base_url, source, output, twin)
        seen = Counter(_prompt(r.body) for r in fake.requests_to("POST", "/chat/completions"))
        seen.pop(None, None)  # the request the kill cut off mid-send; no answer was possible
        assert fake.rate_limit is not None and fake.rate_limit.rejected == 0
    lines = [json.loads(line) for line in output.read_bytes().splitlines()]
    answered = Counter(line["custom_id"] for line in lines)
    assert max(answered.values()) == 1, "a request was answered twice"
    assert all(line["error"] is None for line in lines)
    assert set(answered) | set(summary.ambiguous) == {f"r{i}" for i in range(COUNT)}
    assert not set(answered) & set(summary.ambiguous)
    assert summary.skipped == first_run and summary.done == COUNT - first_run - len(summary.ambiguous)
    assert max(seen.values()) == 1, "a request was sent twice"
    # Rerunning a finished batch sends nothing more.
    again = _resume("http://127.0.0.1:9/api/v1", source, output, twin)
    assert again.done == 0 and again.ambiguous == summary.ambiguous


@pytest.mark.parametrize("twin", TWINS)
def test_a_torn_last_line_is_cut_and_its_request_counted_as_ambiguous(
    tmp_path: Path, fake: FakeVenice, twin: str
) -> None:
    source, output = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    _write_input(source)
    output.write_bytes(b'{"custom_id":"r0","response":{},"error":null}\n{"custom_id":"r1","resp')
    (tmp_path / "results.jsonl.sent").write_bytes(b"r0\nr1\n")
    summary = _resume(fake.base_url, source, output, twin)
    assert summary.ambiguous == ["r1"] and summary.skipped == 1 and summary.done == COUNT - 2
    lines = output.read_bytes().splitlines()
    assert len(lines) == COUNT - 1 and all(json.loads(line) for line in lines)


@pytest.mark.parametrize("twin", TWINS)
def test_an_existing_output_needs_resume(tmp_path: Path, fake: FakeVenice, twin: str) -> None:
    source, output = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    _write_input(source)
    output.write_bytes(b"")
    with pytest.raises(RequestValidationError):
        _run(twin, fake.base_url, source, output)
    assert fake.requests == []


@pytest.mark.parametrize("twin", TWINS)
def test_each_request_is_journaled_before_it_is_sent_and_counted_in_flight(
    tmp_path: Path, fake: FakeVenice, twin: str
) -> None:
    """The journal holds a request before the server sees it, and nothing that was not sent;
    `in_flight` counts what is out when each answer is reported."""
    source, output = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    _write_input(source)
    journal = tmp_path / "results.jsonl.sent"
    seen: list[tuple[int, int, int]] = []  # in flight, journaled, received by the server

    def on_result(result: BatchResult, summary: FileBatchSummary) -> None:
        received = len(fake.requests_to("POST", "/chat/completions"))
        seen.append((summary.in_flight, journal.read_bytes().count(b"\n"), received))

    summary = _run(twin, fake.base_url, source, output, max_concurrency=8, on_result=on_result)
    assert summary.done == COUNT and summary.in_flight == 0
    assert all(0 <= in_flight < 8 for in_flight, _, _ in seen)
    # Journaled = answered + in flight, at every answer: no request journaled ahead of its dispatch.
    assert all(journaled == index + 1 + in_flight for index, (in_flight, journaled, _) in enumerate(seen))
    assert all(journaled >= received for _, journaled, received in seen)
    assert journal.read_bytes().splitlines() == sorted(journal.read_bytes().splitlines(), key=lambda i: int(i[1:]))


def test_cli_batch_writes_results_and_resumes(tmp_path: Path, fake: FakeVenice) -> None:
    from click.testing import CliRunner

    from venice_ext.cli import cli

    source, output = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    _write_input(source)
    base = ["--api-key", "test-key", "--base-url", fake.base_url, "batch", str(source), "-o", str(output)]
    first = CliRunner().invoke(cli, [*base, "--concurrency", "8"])
    assert first.exit_code == 0, first.output
    assert f"{COUNT} answered (0 failed), 0 already answered, 0 ambiguous" in first.stdout
    assert f"{COUNT}/{COUNT} done, 0 failed, 0 in flight" in first.stderr
    assert " in flight" in first.stderr.split("\r")[1]
    again = CliRunner().invoke(cli, base)
    assert again.exit_code == 2 and "resume" in again.stderr
    resumed = CliRunner().invoke(cli, [*base, "--resume"])
    assert resumed.exit_code == 0 and f"0 answered (0 failed), {COUNT} already answered" in resumed.stdout
    assert len(fake.requests_to("POST", "/chat/completions")) == COUNT


def test_cli_batch_json_summary_is_one_document(tmp_path: Path, fake: FakeVenice) -> None:
    from click.testing import CliRunner

    from venice_ext.cli import cli

    source, output = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    _write_input(source)
    base = ["--api-key", "test-key", "--base-url", fake.base_url, "batch", str(source), "-o", str(output), "--json"]
    first = CliRunner().invoke(cli, base)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["answered"] == COUNT and summary["failed"] == 0 and summary["ambiguous"] == []
    assert summary["output"] == str(output) and summary["spent_usd"] is None
    assert f"{COUNT}/{COUNT} done" in first.stderr  # the progress line stays off stdout
    resumed = json.loads(CliRunner().invoke(cli, [*base, "--resume"]).stdout)
    assert resumed["answered"] == 0 and resumed["already_answered"] == COUNT
