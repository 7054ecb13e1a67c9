"""`venice video` against the fake server: output, exit codes, Ctrl-C and --resume, stdin,
and the progress bar redrawing in place in a real terminal (tmux).

In-process runs get a client whose sleeps advance a fake clock (`Venice(hooks=...)`), so
polling costs no time; the runs in a subprocess or a terminal poll for real, with as
few PROCESSING answers as the check needs (a poll waits at least 2 s).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.ext.conftest import API_KEY, FakeClock
from venice_ext import Venice
from venice_ext.cli import _video as video_cli
from venice_ext.cli import cli
from venice_ext.cli._app import Settings
from venice_ext.testing import FakeVenice, RecordedRequest, Reply, Respond, Stall
from venice_ext.testing._canned_media import TINY_MP4

VIDEO = TINY_MP4 + bytes(range(256)) * 8
CANNED_QUEUE_ID = "0b6e9d2a-7c41-4f3e-8a15-c29d4e6f1a87"  # the fake's default /video/queue answer


def processing(duration_ms: float, average_ms: float = 145_000) -> Reply:
    return Reply(json={"status": "PROCESSING", "average_execution_time": average_ms, "execution_duration": duration_ms})


def mp4(data: bytes = VIDEO) -> Reply:
    return Reply(body=data, content_type="video/mp4")


@pytest.fixture
def instant(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> FakeClock:
    """The command's client sleeps on a fake clock: polls every 2-30 s cost nothing here."""

    def client(settings: Settings) -> Venice:
        return Venice(api_key=settings.api_key, base_url=settings.base_url, hooks=clock.hooks())

    monkeypatch.setattr(video_cli, "venice_client", client)
    return clock


# A child inherits an ignored SIGINT (under nohup, `trap '' INT` or a background job), and
# Python then never raises KeyboardInterrupt: the child would sleep through the test's Ctrl-C.
# So it puts back the handler a terminal's Python starts with. No preexec_fn: the fake
# server's threads make forking into Python code unsafe.
_WITH_CTRL_C = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('venice_ext', run_name='__main__', alter_sys=True)"
)


def interruptible(fake: FakeVenice, *args: str) -> subprocess.Popen[str]:
    """`venice ARGS` in a child process that a SIGINT interrupts, as Ctrl-C would in a terminal."""
    command = [sys.executable, "-c", _WITH_CTRL_C, "--api-key", API_KEY, "--base-url", fake.base_url, *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run(fake: FakeVenice, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--api-key", API_KEY, "--base-url", fake.base_url, *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def paths(fake: FakeVenice) -> list[str]:
    return [request.path for request in fake.requests]


def test_a_whole_run_quotes_follows_the_job_and_saves_the_video(
    fake: FakeVenice, instant: FakeClock, tmp_path: Path
) -> None:
    target = tmp_path / "lagoon.mp4"
    job_file = tmp_path / "lagoon.mp4.job.json"
    job_file_seen: list[dict[str, object]] = []

    def first_poll(request: RecordedRequest) -> Reply:
        # The job must be on disk before the wait starts: from here on a crash would otherwise lose it.
        job_file_seen.append(json.loads(job_file.read_text()))
        return processing(10_000)

    fake.script(
        "POST",
        "/video/retrieve",
        Respond(first_poll),
        processing(60_000),
        processing(120_000),
        processing(140_000),
        mp4(),
    )
    code, out, err = run(
        fake,
        "video",
        "Dawn over the lagoon",
        "-o",
        str(target),
        "--max-usd",
        "2",
        "--duration",
        "5",
        "--aspect-ratio",
        "16:9",
        "--resolution",
        "720p",
    )

    assert code == 0, err
    assert target.read_bytes() == VIDEO
    assert not job_file.exists() and sorted(tmp_path.iterdir()) == [target], "no job file or temporary left"
    assert out == f"saved {target} ({len(VIDEO):,} bytes)\n", "stdout carries only the result"
    assert err.startswith(f"quote: $1.12 for {video_cli.VIDEO_MODEL}\n")
    assert re.search(r"COMPLETED .* 100% ", err), "the bar's final state (no terminal: printed once)"
    assert "Traceback" not in err
    assert paths(fake) == ["/video/quote", "/video/queue", *["/video/retrieve"] * 5, "/video/complete"]
    quote, queue = fake.requests[0].json(), fake.requests[1].json()
    options = {"duration": "5s", "aspect_ratio": "16:9", "resolution": "720p"}
    assert quote == {"model": video_cli.VIDEO_MODEL, **options}
    assert queue == {"model": video_cli.VIDEO_MODEL, "prompt": "Dawn over the lagoon", **options}
    assert job_file_seen and job_file_seen[0]["queue_id"] == CANNED_QUEUE_ID and job_file_seen[0]["quote_usd"] == 1.12
    assert instant.sleeps == [30.0, 30.0, 12.5, 2.5], "the job's own estimate paces the polls"


def test_max_usd_refuses_before_anything_is_queued(fake: FakeVenice, tmp_path: Path) -> None:
    target = tmp_path / "dear.mp4"
    code, out, err = run(fake, "video", "a cat", "-o", str(target), "--max-usd", "0.5")
    assert code == 1 and out == ""
    assert err.endswith(
        f"error: Venice quotes $1.12 for this video with {video_cli.VIDEO_MODEL}, above --max-usd $0.50; "
        "nothing was queued\n"
    )
    assert err.count("\n") == 2, "the quote, then one error line"
    assert fake.requests_to("POST", "/video/queue") == []
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_leaves_the_job_resumable_and_resume_finishes_it(
    fake: FakeVenice, instant: FakeClock, tmp_path: Path
) -> None:
    target = tmp_path / "cat.mp4"
    job_file = tmp_path / "cat.mp4.job.json"
    # The first poll hangs, as a slow answer would, until the user gives up with Ctrl-C.
    fake.script("POST", "/video/retrieve", Stall(30, processing(1_000)))
    process = interruptible(fake, "video", "--yes", "a cat", "-o", str(target))
    try:
        deadline = time.monotonic() + 20
        while not (job_file.exists() and fake.requests_to("POST", "/video/retrieve")):
            assert process.poll() is None, f"exited early: {process.communicate()}"
            assert time.monotonic() < deadline, "the job was never saved and polled"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)

    assert process.returncode == 130, err
    assert out == "" and "Traceback" not in err
    assert err.splitlines()[-1] == (
        "interrupted: the job is still running at Venice; "
        f"resume with: venice video --resume {shlex.quote(str(job_file))}"
    )
    assert json.loads(job_file.read_text())["queue_id"] == CANNED_QUEUE_ID
    assert not target.exists()
    assert len(fake.requests_to("POST", "/video/queue")) == 1

    fake.script("POST", "/video/retrieve", processing(100_000), mp4())
    code, out, err = run(fake, "video", "--resume", str(job_file))
    assert code == 0, err
    assert target.read_bytes() == VIDEO and not job_file.exists()
    assert out == f"saved {target} ({len(VIDEO):,} bytes)\n"
    assert f"resuming video job {CANNED_QUEUE_ID}" in err and "quote:" not in err
    assert len(fake.requests_to("POST", "/video/queue")) == 1, "resuming never queues (or pays) again"
    assert fake.requests_to("POST", "/video/quote")[1:] == []
    assert fake.requests[-1].path == "/video/complete" and fake.requests[-1].json()["queue_id"] == CANNED_QUEUE_ID


def test_ctrl_c_while_queueing_waits_for_the_job_file(fake: FakeVenice, tmp_path: Path) -> None:
    # Stopping between the queue request and the job file would pay for a job nobody can resume.
    target, job_file = tmp_path / "q.mp4", tmp_path / "q.mp4.job.json"
    queued = {"model": video_cli.VIDEO_MODEL, "queue_id": "slow-queue-1"}
    fake.script("POST", "/video/queue", Stall(1, Reply(json=queued)))
    fake.script("POST", "/video/retrieve", Stall(30, processing(1_000)))
    process = interruptible(fake, "video", "--yes", "a cat", "-o", str(target))
    try:
        deadline = time.monotonic() + 20
        while not fake.requests_to("POST", "/video/queue"):
            assert process.poll() is None and time.monotonic() < deadline, "the job was never queued"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
    assert process.returncode == 130
    assert "stopping once the job is queued and saved" in err
    assert err.splitlines()[-1].endswith(f"resume with: venice video --resume {shlex.quote(str(job_file))}")
    assert json.loads(job_file.read_text())["queue_id"] == "slow-queue-1"
    assert fake.requests_to("POST", "/video/retrieve") == [], "stopped as soon as the job was safe"


def test_the_prompt_from_stdin(fake: FakeVenice, instant: FakeClock, tmp_path: Path) -> None:
    target = tmp_path / "stdin.mp4"
    code, out, _ = run(
        fake, "video", "--yes", "-", "-o", str(target), "--model", "kling-v3-pro-text-to-video", stdin="A fox\n"
    )
    assert code == 0 and out.startswith(f"saved {target}")
    queued = fake.requests_to("POST", "/video/queue")[0].json()
    assert queued == {"model": "kling-v3-pro-text-to-video", "prompt": "A fox\n", "duration": "5s"}
    assert target.read_bytes() == TINY_MP4


def test_an_error_from_queue_is_one_line_and_exit_1(fake: FakeVenice, tmp_path: Path) -> None:
    fake.script("POST", "/video/queue", Reply(400, json={"error": "Invalid duration for this model"}))
    code, out, err = run(fake, "video", "--yes", "a cat", "-o", str(tmp_path / "a.mp4"), "--duration", "30s")
    assert code == 1 and out == ""
    last = err.splitlines()[-1]
    assert last.startswith("error: 400") and "Invalid duration for this model" in last and "(request id fake-" in last
    assert err.count("\n") == 2 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [], "nothing queued, no job file"


def test_a_timeout_says_how_to_resume_and_keeps_the_job(fake: FakeVenice, instant: FakeClock, tmp_path: Path) -> None:
    job_file = tmp_path / "late.mp4.job.json"
    fake.set_default("POST", "/video/retrieve", processing(20_000))
    code, out, err = run(fake, "video", "--yes", "a cat", "-o", str(tmp_path / "late.mp4"), "--timeout", "60")
    assert code == 1 and out == ""
    assert err.splitlines()[-1] == (
        f"error: video job {CANNED_QUEUE_ID} still PROCESSING after waiting 60 s, 14% of Venice's estimate; "
        f"resume with: venice video --resume {shlex.quote(str(job_file))}"
    )
    assert json.loads(job_file.read_text())["status"] == "PROCESSING"


def test_any_other_failure_after_queueing_keeps_the_job(fake: FakeVenice, instant: FakeClock, tmp_path: Path) -> None:
    job_file = tmp_path / "v.mp4.job.json"
    fake.set_default("POST", "/video/retrieve", Reply(503, json={"error": "The model is at capacity."}))
    code, _, err = run(fake, "video", "--yes", "a cat", "-o", str(tmp_path / "v.mp4"))
    assert code == 1 and "Traceback" not in err
    assert err.splitlines()[-1].endswith(
        f"; the job is kept: resume with: venice video --resume {shlex.quote(str(job_file))}"
    )
    assert job_file.is_file()


def test_a_failed_job_removes_its_job_file(fake: FakeVenice, instant: FakeClock, tmp_path: Path) -> None:
    fake.script("POST", "/video/retrieve", Reply(json={"status": "FAILED", "error": "The provider failed"}))
    code, _, err = run(fake, "video", "--yes", "a cat", "-o", str(tmp_path / "v.mp4"))
    last = err.splitlines()[-1]
    assert code == 1 and last.startswith(f"error: video job {CANNED_QUEUE_ID} failed with status FAILED")
    assert "The provider failed" in last and "(request id fake-" in last
    assert list(tmp_path.iterdir()) == [], "nothing left to resume"


def test_usage_errors_exit_2_and_send_nothing(fake: FakeVenice, tmp_path: Path) -> None:
    assert run(fake, "video", "-o", str(tmp_path / "a.mp4"))[0] == 2
    assert run(fake, "video", "a cat")[0] == 2
    assert run(fake, "video", "  ", "-o", str(tmp_path / "a.mp4"))[0] == 2
    assert run(fake, "video", "a cat", "-o", str(tmp_path))[0] == 2
    assert run(fake, "video", "--resume", str(tmp_path / "missing.job.json"))[0] == 2

    pending = tmp_path / "b.mp4.job.json"
    pending.write_text("{}")
    code, _, err = run(fake, "video", "--yes", "a cat", "-o", str(tmp_path / "b.mp4"))
    assert code == 2 and "--resume" in err, "a pending job's file is never overwritten"
    code, _, err = run(fake, "video", "--resume", str(pending), "--model", "other")
    assert code == 2 and "--model" in err
    code, _, err = run(fake, "video", "--resume", str(pending))
    assert code == 2 and "not a video job's JSON" in err
    odd = tmp_path / "job.json"
    odd.write_text("{}")
    code, _, err = run(fake, "video", "--resume", str(odd))
    assert code == 2 and "-o" in err
    assert fake.requests == []


def _tmux(socket_name: str, *args: str) -> subprocess.CompletedProcess[str]:
    # A server of its own (-L) with no config (-f): the user's tmux and settings stay out of it.
    return subprocess.run(
        ["tmux", "-L", socket_name, "-f", os.devnull, *args], capture_output=True, text=True, timeout=10, check=False
    )


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("tmux") is None,
    reason="tmux is not installed (apt-get install -y tmux): the bar's redrawing needs a real terminal",
)
def test_the_progress_bar_redraws_in_place_in_a_terminal(fake: FakeVenice, tmp_path: Path) -> None:
    target = tmp_path / "x.mp4"
    # Two polls 2 s apart (the shortest wait), each with a new estimate, then the video.
    fake.script("POST", "/video/retrieve", processing(5_000, 8_000), processing(6_500, 8_000), mp4())
    venice = Path(sys.executable).with_name("venice")
    command = [str(venice)] if venice.exists() else [sys.executable, "-m", "venice_ext"]
    command += ["--api-key", API_KEY, "--base-url", fake.base_url, "video", "--yes", "a cat", "-o", str(target)]
    # The pane stays open after the command so its last screen can be read.
    shell = f'{shlex.join(command)}; echo "exit=$?"; sleep 120'
    socket_name, session = f"venice-test-{uuid.uuid4().hex[:8]}", "venice-video"
    started = _tmux(socket_name, "new-session", "-d", "-s", session, "-x", "100", "-y", "15", shell)
    assert started.returncode == 0, started.stderr
    captures: list[str] = []
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            screen = _tmux(socket_name, "capture-pane", "-p", "-t", session).stdout
            captures.append(screen)
            if "exit=" in screen:
                break
            time.sleep(0.25)
    finally:
        _tmux(socket_name, "kill-session", "-t", session)
        _tmux(socket_name, "kill-server")

    final = captures[-1]
    assert "exit=0" in final, f"no clean end within 45 s; last screen:\n{final}"

    def bar_lines(screen: str) -> list[str]:
        return [line.rstrip() for line in screen.splitlines() if " elapsed, " in line]

    during = [bar_lines(screen) for screen in captures[:-1] if "exit=" not in screen]
    shown = [lines for lines in during if lines]
    assert len(shown) >= 3, f"the bar was on screen in too few captures: {captures}"
    assert all(len(lines) == 1 for lines in shown), f"one line, redrawn; not one per update: {shown}"
    assert len({lines[0] for lines in shown}) >= 2, "the line's content changes between captures"
    assert any(re.search(r"PROCESSING .* (62|81)% ", lines[0]) for lines in shown), shown
    assert bar_lines(final) == [line for line in bar_lines(final) if "COMPLETED" in line and "100%" in line]
    assert len(bar_lines(final)) == 1, final
    assert final.count("quote: $1.12") == 1 and f"saved {target}" in final
    assert target.read_bytes() == VIDEO
