"""The `venice` command against the fake server: output, exit codes, stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.ext.conftest import API_KEY
from venice_ext.cli import cli
from venice_ext.testing import SSE, FakeVenice, Reply, chat_completion_events


def run(fake: FakeVenice, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(cli, ["--api-key", API_KEY, "--base-url", fake.base_url, *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_chat_streams_the_answer(fake: FakeVenice) -> None:
    code, out, _ = run(fake, "chat", "Capital of France?", "--system", "Be brief.", "--web-search", "on")
    assert code == 0 and out == "The capital of France is Paris.\n"
    sent = fake.requests[-1].json()
    assert sent["stream"] is True and sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent["venice_parameters"] == {"enable_web_search": "on"}


def test_chat_prints_text_as_it_arrives(fake: FakeVenice, tmp_path: Path) -> None:
    # A real process and a real pipe: the first words must show up before the stream ends.
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
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": "one two three"},
                        }
                    ],
                }
            ),
            delays=[0, 0, 1.5, 0, 0],
        ),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "venice_ext", "--api-key", API_KEY, "--base-url", fake.base_url, "chat", "count"],
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    first = process.stdout.read(4)
    still_running = process.poll() is None
    rest = process.stdout.read()
    process.wait(timeout=10)
    assert first == b"one " and still_running and rest == b"two three\n"


def test_chat_reads_stdin_and_no_stream(fake: FakeVenice) -> None:
    code, out, _ = run(fake, "chat", "-", "--no-stream", stdin="What is 2+2?\n")
    assert code == 0 and out.strip() == "The capital of France is Paris."
    assert fake.requests[-1].json()["messages"][-1]["content"] == "What is 2+2?\n"
    assert "stream" not in fake.requests[-1].json()


def test_chat_json_streams_a_line_per_chunk_then_the_completion(fake: FakeVenice) -> None:
    code, out, _ = run(fake, "chat", "hi", "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    *chunks, completion = lines
    assert code == 0 and len(chunks) > 2 and out.endswith("}\n")
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
    assert completion["object"] == "chat.completion"
    text = "".join(choice["delta"].get("content") or "" for chunk in chunks for choice in chunk["choices"])
    assert text == completion["choices"][0]["message"]["content"] == "The capital of France is Paris."
    # The usage chunk Venice sends last, and the completion's own usage, agree.
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == completion["usage"]
    assert completion["usage"]["total_tokens"] == 65


def test_chat_json_without_streaming_is_one_document(fake: FakeVenice) -> None:
    code, out, _ = run(fake, "chat", "hi", "--json", "--no-stream")
    assert code == 0 and json.loads(out)["choices"][0]["message"]["content"] == "The capital of France is Paris."
    assert out.count("\n") > 3  # indented for people, as every command's single document


def test_chat_json_lines_arrive_as_the_stream_does(fake: FakeVenice) -> None:
    # A real process and a real pipe: the first chunk's line must show up before the stream ends.
    completion = {
        "id": "c",
        "created": 1,
        "model": "venice-uncensored-1-2",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "one two"}}],
    }
    fake.script("POST", "/chat/completions", SSE(chat_completion_events(completion), delays=[0, 1.5, 0, 0]))
    command = [sys.executable, "-m", "venice_ext", "--api-key", API_KEY, "--base-url", fake.base_url]
    process = subprocess.Popen([*command, "chat", "count", "--json"], stdout=subprocess.PIPE)
    assert process.stdout is not None
    first = json.loads(process.stdout.readline())
    still_running = process.poll() is None
    rest = [json.loads(line) for line in process.stdout.read().splitlines()]
    process.wait(timeout=10)
    assert still_running and process.returncode == 0
    assert first["choices"][0]["delta"] == {"role": "assistant"}
    assert [chunk["choices"][0]["delta"].get("content") for chunk in rest[:-1]] == ["one ", "two"]
    assert rest[-1]["object"] == "chat.completion" and rest[-1]["choices"][0]["message"]["content"] == "one two"


def test_models_table_filters_by_type(fake: FakeVenice) -> None:
    code, out, _ = run(fake, "models", "--type", "video")
    assert code == 0 and "kling-v3-pro-text-to-video" in out and "venice-uncensored" not in out
    assert fake.requests[-1].query == "type=all"


def test_image_speak_transcribe_embed(fake: FakeVenice, tmp_path: Path) -> None:
    png, mp3 = tmp_path / "cat.png", tmp_path / "hi.mp3"
    assert run(fake, "image", "a cat", "-o", str(png))[0] == 0 and png.read_bytes().startswith(b"\x89PNG")
    assert run(fake, "speak", "hello", "-o", str(mp3), "--voice", "af_nova")[0] == 0 and mp3.stat().st_size > 0
    assert fake.requests_to("POST", "/audio/speech")[-1].json()["voice"] == "af_nova"
    code, out, _ = run(fake, "transcribe", str(mp3))
    assert code == 0 and out.strip()
    assert b'filename="hi.mp3"' in fake.requests_to("POST", "/audio/transcriptions")[-1].body
    code, out, _ = run(fake, "embed", "hello")
    assert code == 0 and out.startswith("8 dimensions: [")


@pytest.mark.parametrize(
    ("reply", "line"),
    [
        (
            Reply(404, json={"error": "Specified model not found", "code": "MODEL_NOT_FOUND"}),
            "error: 404 MODEL_NOT_FOUND: Specified model not found (request id fake-",
        ),
        (
            Reply(402, json={"error": "Insufficient USD or Diem balance"}),
            "error: 402 INSUFFICIENT_BALANCE: Insufficient USD or Diem balance (request id fake-",
        ),
    ],
)
def test_api_errors_are_one_line_and_exit_1(fake: FakeVenice, reply: Reply, line: str) -> None:
    fake.script("POST", "/chat/completions", reply)
    code, out, err = run(fake, "chat", "hi")
    assert code == 1 and out == "" and err.startswith(line) and err.count("\n") == 1


def test_usage_errors_exit_2(fake: FakeVenice) -> None:
    assert run(fake, "chat", "  ")[0] == 2
    assert run(fake, "models", "--type", "spaceships")[0] == 2
    result = CliRunner().invoke(cli, ["--base-url", fake.base_url, "models"], env={"VENICE_API_KEY": ""})
    assert result.exit_code == 2 and "VENICE_API_KEY" in result.stderr


def test_debug_shows_the_traceback(fake: FakeVenice) -> None:
    fake.script(
        "POST",
        "/chat/completions",
        Reply(500, json={"error": "boom"}),
        Reply(500, json={"error": "boom"}),
        Reply(500, json={"error": "boom"}),
    )
    result = CliRunner().invoke(cli, ["--api-key", API_KEY, "--base-url", fake.base_url, "--debug", "chat", "x"])
    assert result.exit_code == 1 and result.exception is not None and type(result.exception).__name__ == "ServerError"


def test_python_dash_m_venice_ext(fake: FakeVenice) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "venice_ext", "--api-key", API_KEY, "--base-url", fake.base_url, "embed", "x"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0 and "dimensions" in done.stdout
