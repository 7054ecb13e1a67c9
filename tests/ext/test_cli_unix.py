"""`venice` as a Unix tool: --json everywhere, TSV in pipes, stdin, --version, exit codes,
outputs checked before paying and written atomically, broken pipes, Ctrl-C in a terminal."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.ext.conftest import API_KEY
from venice_ext.cli import cli
from venice_ext.testing import SSE, DropAfter, FakeVenice, Reply, chat_completion_events

BILLABLE = [("POST", "/image/generate"), ("POST", "/audio/speech"), ("POST", "/video/queue")]


def run(fake: FakeVenice, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--api-key", API_KEY, "--base-url", fake.base_url, *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def billed(fake: FakeVenice) -> int:
    return sum(len(fake.requests_to(method, path)) for method, path in BILLABLE)


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("venice ")


def test_global_options_anywhere(fake: FakeVenice) -> None:
    result = CliRunner().invoke(
        cli, ["embed", "hi", "--api-key", API_KEY, f"--base-url={fake.base_url}"], env={"VENICE_API_KEY": ""}
    )
    assert result.exit_code == 0, result.stderr
    fake.script(
        "POST",
        "/chat/completions",
        Reply(500, json={"error": "boom"}),
        Reply(500, json={"error": "boom"}),
        Reply(500, json={"error": "boom"}),
    )
    result = CliRunner().invoke(cli, ["--api-key", API_KEY, "--base-url", fake.base_url, "chat", "x", "--debug"])
    assert result.exit_code == 1 and type(result.exception).__name__ == "ServerError"
    # After `--`, it is the prompt.
    code, _, _ = run(fake, "chat", "--", "--debug")
    assert (
        code == 0 and fake.requests_to("POST", "/chat/completions")[-1].json()["messages"][-1]["content"] == "--debug"
    )


def test_json_on_every_command(fake: FakeVenice, tmp_path: Path) -> None:
    documents = {
        "chat": run(fake, "chat", "hi", "--no-stream", "--json"),
        "models": run(fake, "models", "--json"),
        "image": run(fake, "image", "a cat", "-o", str(tmp_path / "a.png"), "--json"),
        "speak": run(fake, "speak", "hi", "-o", str(tmp_path / "a.mp3"), "--json"),
        "transcribe": run(fake, "transcribe", str(tmp_path / "a.mp3"), "--json"),
        "embed": run(fake, "embed", "hi", "--json"),
    }
    parsed = {}
    for name, (code, out, err) in documents.items():
        assert code == 0, (name, err)
        parsed[name] = json.loads(out)
    assert parsed["chat"]["choices"][0]["message"]["content"]
    assert {entry["id"] for entry in parsed["models"]["data"]} >= {"tts-kokoro"}
    assert parsed["image"] == {
        "path": str(tmp_path / "a.png"),
        "bytes": (tmp_path / "a.png").stat().st_size,
        "model": "z-image-turbo",
    }
    assert parsed["speak"]["bytes"] == (tmp_path / "a.mp3").stat().st_size > 0
    assert isinstance(parsed["transcribe"]["text"], str)
    assert isinstance(parsed["embed"], list) and all(isinstance(value, float) for value in parsed["embed"])


def test_models_in_a_pipe_are_tab_separated_and_whole(fake: FakeVenice) -> None:
    code, out, _ = run(fake, "models")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "id\ttype\tcontext\tcapabilities\tprice"
    assert all(line.count("\t") == 4 for line in lines)
    assert any(line.startswith("venice-uncensored-1-2\ttext\t128,000\t") for line in lines)


def test_piped_stdin_is_the_prompt(fake: FakeVenice) -> None:
    code, _, err = run(fake, "chat", stdin="hi from a pipe\n")
    assert code == 0, err
    assert fake.requests_to("POST", "/chat/completions")[-1].json()["messages"][-1]["content"] == "hi from a pipe\n"


def test_a_400_prints_venice_details(fake: FakeVenice) -> None:
    details = {"_errors": [], "temperature": {"_errors": ["Number must be less than or equal to 2"]}}
    fake.script(
        "POST", "/chat/completions", Reply(400, json={"error": "Invalid request parameters", "details": details})
    )
    code, out, err = run(fake, "chat", "hi")
    assert code == 1 and out == ""
    assert err.splitlines()[0].startswith("error: 400")
    assert "temperature" in err and "less than or equal to 2" in err


@pytest.mark.parametrize("command", ["image", "speak"])
def test_outputs_are_refused_before_paying(fake: FakeVenice, tmp_path: Path, command: str) -> None:
    existing = tmp_path / "old.bin"
    existing.write_bytes(b"yesterday")
    for output, why in [
        (existing, "exists; add --force"),
        (tmp_path, "not a regular file"),
        (Path(os.devnull), "not a regular file"),
        (tmp_path / "missing" / "x.png", "does not exist"),
    ]:
        code, _, err = run(fake, command, "a cat", "-o", str(output))
        assert code == 2 and why in err, (output, err)
    assert billed(fake) == 0 and existing.read_bytes() == b"yesterday"
    assert run(fake, command, "a cat", "-o", str(existing), "--force")[0] == 0
    assert billed(fake) == 1 and existing.read_bytes() != b"yesterday"


def test_a_failed_download_leaves_the_old_file_whole(fake: FakeVenice, tmp_path: Path) -> None:
    target = tmp_path / "cat.png"
    target.write_bytes(b"the old cat")
    fake.script(
        "POST", "/image/generate", *[DropAfter(100, Reply(body=b"\x89PNG" + bytes(5000), content_type="image/png"))] * 3
    )
    code, _, _ = run(fake, "--debug", "image", "a cat", "-o", str(target), "--force")
    assert code == 1
    assert target.read_bytes() == b"the old cat" and [p.name for p in tmp_path.iterdir()] == ["cat.png"]


def test_dash_o_dash_writes_to_stdout(fake: FakeVenice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "venice_ext",
            "--api-key",
            API_KEY,
            "--base-url",
            fake.base_url,
            "image",
            "x",
            "-o",
            "-",
        ],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith(b"\x89PNG") and not (tmp_path / "-").exists()


def test_a_closed_pipe_is_quiet(fake: FakeVenice) -> None:
    words = " ".join(f"word{n}" for n in range(20000))
    fake.script(
        "POST",
        "/chat/completions",
        SSE(
            chat_completion_events(
                {
                    "id": "c",
                    "created": 1,
                    "model": "m",
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": words}}
                    ],
                }
            )
        ),
    )
    venice = shlex.join([sys.executable, "-m", "venice_ext", "--api-key", API_KEY, "--base-url", fake.base_url])
    done = subprocess.run(
        f'{venice} chat hi | head -c 5; echo " status=${{PIPESTATUS[0]}}"',
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout == "word0 status=0\n" and done.stderr == ""
    done = subprocess.run(
        f"{venice} models | head -n 1", shell=True, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.startswith("id\t") and done.stderr == ""


def test_video_without_a_limit_asks_or_needs_yes(fake: FakeVenice, tmp_path: Path) -> None:
    code, _, err = run(fake, "video", "a cat", "-o", str(tmp_path / "v.mp4"))
    assert code == 2 and "quote: $1.12" in err and "--max-usd" in err and "--yes" in err
    assert billed(fake) == 0


def _tmux(socket_name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tmux", "-L", socket_name, "-f", os.devnull, *args], capture_output=True, text=True, timeout=10, check=False
    )


def _screen_until(socket_name: str, session: str, needle: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux(socket_name, "capture-pane", "-p", "-t", session).stdout
        if needle in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} not on screen within {seconds} s:\n{screen}")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed: Ctrl-C needs a real terminal")
@pytest.mark.parametrize("command", ["chat", "speak", "video"])
def test_ctrl_c_in_a_terminal_exits_130(fake: FakeVenice, tmp_path: Path, command: str) -> None:
    if command == "chat":
        story = {
            "id": "c",
            "created": 1,
            "model": "m",
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Once upon a time"}}
            ],
        }
        fake.script("POST", "/chat/completions", SSE(chat_completion_events(story), delays=[0, 0, 60, 0, 0, 0]))
        args, started = ["chat", "tell me"], "Once"
    elif command == "speak":
        fake.script(
            "POST",
            "/audio/speech",
            Reply(chunks=[b"ID3" + bytes(100), bytes(100)], content_type="audio/mpeg", chunk_delay=60),
        )
        args, started = ["speak", "hello", "-o", str(tmp_path / "a.mp3")], "$ "
    else:
        fake.set_default(
            "POST",
            "/video/retrieve",
            Reply(json={"status": "PROCESSING", "average_execution_time": 9e6, "execution_duration": 1000}),
        )
        args, started = ["video", "--yes", "a cat", "-o", str(tmp_path / "v.mp4")], "PROCESSING"
    venice = Path(sys.executable).with_name("venice")
    line = shlex.join([str(venice), "--api-key", API_KEY, "--base-url", fake.base_url, *args])
    socket_name, session = f"venice-test-{uuid.uuid4().hex[:8]}", "venice-ctrl-c"
    shell = f'{line}; echo "exit=$?"; sleep 120'
    assert _tmux(socket_name, "new-session", "-d", "-s", session, "-x", "120", "-y", "20", shell).returncode == 0
    try:
        if command == "speak":
            deadline = time.monotonic() + 30
            while not fake.requests_to("POST", "/audio/speech") and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1)
        else:
            _screen_until(socket_name, session, started, 30)
        _tmux(socket_name, "send-keys", "-t", session, "C-c")
        screen = _screen_until(socket_name, session, "exit=", 30)
    finally:
        _tmux(socket_name, "kill-session", "-t", session)
        _tmux(socket_name, "kill-server")
    assert "exit=130" in screen and "Aborted!" not in screen and "Traceback" not in screen, screen
    assert "interrupted" in screen
    if command == "speak":
        assert not (tmp_path / "a.mp3").exists() and list(tmp_path.iterdir()) == []


def test_auth_login_keeps_the_key_in_a_private_file(
    fake: FakeVenice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from venice_ext.cli import _keystore

    monkeypatch.setattr(_keystore, "keyring_module", lambda: None)  # the file, whatever this machine has
    env = {"XDG_CONFIG_HOME": str(tmp_path), "VENICE_API_KEY": ""}
    runner = CliRunner()
    assert runner.invoke(cli, ["auth", "status", "--json"], env=env).stdout.count('"logged_in": false') == 1
    assert runner.invoke(cli, ["auth", "login"], input=f"{API_KEY}\n", env=env).exit_code == 0
    stored = tmp_path / "venice" / "config.json"
    assert stored.stat().st_mode & 0o777 == 0o600 and json.loads(stored.read_text()) == {"api_key": API_KEY}
    status = json.loads(runner.invoke(cli, ["auth", "status", "--json"], env=env).stdout)
    assert status == {"logged_in": True, "source": str(stored)}
    result = runner.invoke(cli, ["--base-url", fake.base_url, "embed", "hi"], env=env)
    assert result.exit_code == 0, result.stderr
    assert fake.requests[-1].headers["authorization"] == f"Bearer {API_KEY}"
    # The environment comes first: a wrong key there is used, and refused.
    result = runner.invoke(cli, ["--base-url", fake.base_url, "embed", "hi"], env={**env, "VENICE_API_KEY": "wrong"})
    assert result.exit_code == 1 and "401" in result.stderr
    assert runner.invoke(cli, ["auth", "logout"], env=env).exit_code == 0 and not stored.exists()
