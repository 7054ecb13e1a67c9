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

import pytest

from venice_ext import AsyncVenice
from venice_ext.batch._files import arun_file
from venice_ext.errors import RequestValidationError
from venice_ext.testing import FakeVenice, RateLimit

COUNT = 120

CHILD = """
import asyncio, sys
from venice_ext import AsyncVenice
from venice_ext.batch._files import arun_file

async def main():
    async with AsyncVenice(api_key="test-key", base_url=sys.argv[1]) as client:
        await arun_file(client.requester, sys.argv[2], sys.argv[3], max_concurrency=4, resume=True)

asyncio.run(main())
"""


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


def _resume(base_url: str, source: Path, output: Path):  # type: ignore[no-untyped-def]
    async def main():  # type: ignore[no-untyped-def]
        async with AsyncVenice(api_key="test-key", base_url=base_url) as client:
            return await arun_file(client.requester, source, output, resume=True)

    return asyncio.run(main())


def test_a_batch_killed_mid_run_resumes_without_resending(tmp_path: Path) -> None:
    source, output = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    _write_input(source)
    # 20 requests per half second: the run takes about three seconds, long enough to kill.
    with FakeVenice(rate_limit=RateLimit(requests=20, window=0.5)) as fake:
        child = subprocess.Popen([sys.executable, "-c", CHILD, fake.base_url, str(source), str(output)])
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
        summary = _resume(fake.base_url, source, output)
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
    again = _resume("http://127.0.0.1:9/api/v1", source, output)
    assert again.done == 0 and again.ambiguous == summary.ambiguous


def test_a_torn_last_line_is_cut_and_its_request_counted_as_ambiguous(tmp_path: Path, fake: FakeVenice) -> None:
    source, output = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    _write_input(source)
    output.write_bytes(b'{"custom_id":"r0","response":{},"error":null}\n{"custom_id":"r1","resp')
    (tmp_path / "results.jsonl.sent").write_bytes(b"r0\nr1\n")
    summary = _resume(fake.base_url, source, output)
    assert summary.ambiguous == ["r1"] and summary.skipped == 1 and summary.done == COUNT - 2
    lines = output.read_bytes().splitlines()
    assert len(lines) == COUNT - 1 and all(json.loads(line) for line in lines)


def test_an_existing_output_needs_resume(tmp_path: Path, fake: FakeVenice) -> None:
    source, output = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    _write_input(source)
    output.write_bytes(b"")

    async def main() -> None:
        async with AsyncVenice(api_key="test-key", base_url=fake.base_url) as client:
            await arun_file(client.requester, source, output)

    with pytest.raises(RequestValidationError):
        asyncio.run(main())
    assert fake.requests == []


def test_cli_batch_writes_results_and_resumes(tmp_path: Path, fake: FakeVenice) -> None:
    from click.testing import CliRunner

    from venice_ext.cli import cli

    source, output = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    _write_input(source)
    base = ["--api-key", "test-key", "--base-url", fake.base_url, "batch", str(source), "-o", str(output)]
    first = CliRunner().invoke(cli, [*base, "--concurrency", "8"])
    assert first.exit_code == 0, first.output
    assert f"{COUNT} answered (0 failed), 0 already answered, 0 ambiguous" in first.stdout
    assert f"{COUNT}/{COUNT} done" in first.stderr
    again = CliRunner().invoke(cli, base)
    assert again.exit_code == 2 and "resume" in again.stderr
    resumed = CliRunner().invoke(cli, [*base, "--resume"])
    assert resumed.exit_code == 0 and f"0 answered (0 failed), {COUNT} already answered" in resumed.stdout
    assert len(fake.requests_to("POST", "/chat/completions")) == COUNT
