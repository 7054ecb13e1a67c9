"""The fake Venice as the CLI and the README use it: honest defaults, and the standalone server's options."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.ext.conftest import API_KEY
from venice_api.api.characters import get_character_by_slug
from venice_api.api.models import list_models
from venice_ext import StructuredOutputError, Venice
from venice_ext.errors import NotFoundError
from venice_ext.testing import FakeVenice
from venice_ext.testing.__main__ import slow_jobs


def test_an_unknown_character_slug_is_venices_404(client: Venice) -> None:
    assert client.call(get_character_by_slug, slug="captain-mara-voss").data.slug == "captain-mara-voss"
    with pytest.raises(NotFoundError) as caught:
        client.call(get_character_by_slug, slug="no-such-character")
    assert caught.value.status_code == 404 and caught.value.message == "Character not found"


def test_the_balance_header_counts_down_with_each_post(client: Venice) -> None:
    before = client.call_with_response(list_models).balances.usd
    client.chat.completions.create(model="zai-org-glm-5-2", messages=[{"role": "user", "content": "hi"}])
    after = client.call_with_response(list_models).balances.usd
    assert before is not None and after is not None
    assert after == pytest.approx(before - FakeVenice.COST_PER_POST)


@dataclass
class Forecast:
    city: str
    celsius: float
    days: list[int]
    sunny: bool


def test_a_json_schema_gets_a_document_that_fits_it(client: Venice) -> None:
    try:
        parsed = client.chat.completions.parse(
            model="zai-org-glm-5-2", messages=[{"role": "user", "content": "forecast"}], response_format=Forecast
        ).parsed
    except StructuredOutputError as error:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"the fake's answer does not fit the schema: {error.raw_text}")
    assert isinstance(parsed, Forecast) and isinstance(parsed.days, list)


def test_slow_jobs_keep_a_video_processing(fake: FakeVenice) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=fake.base_url, headers=headers) as http:
        queue = {"model": "kling-v3-pro-text-to-video", "prompt": "a cat", "duration": "5s"}
        retrieve = {"model": "kling-v3-pro-text-to-video", "queue_id": "q"}
        slow_jobs(fake, 3600)
        assert http.post("/video/queue", json=queue).status_code == 200
        answer = http.post("/video/retrieve", json=retrieve)
        assert answer.status_code == 200 and answer.json()["status"] == "PROCESSING"


def test_the_standalone_server_listens_on_the_port_asked() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "venice_ext.testing", "--port", str(port), "--stdin", "--slow-jobs", "5"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == f"VENICE_BASE_URL=http://127.0.0.1:{port}/api/v1"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "venice_ext",
                "--api-key",
                API_KEY,
                "--base-url",
                line.split("=", 1)[1].strip(),
                "models",
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0 and json.loads(done.stdout)["data"]
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)


def test_the_cli_defaults_are_in_the_fakes_catalogue(client: Venice) -> None:
    from venice_ext.cli import _commands, _video

    listed = {entry.id: entry.type_ for entry in client.call(list_models, type_="all").data}
    defaults = {
        _commands.CHAT_MODEL: "text",
        _commands.IMAGE_MODEL: "image",
        _commands.SPEECH_MODEL: "tts",
        _commands.TRANSCRIPTION_MODEL: "asr",
        _commands.EMBEDDING_MODEL: "embedding",
        _video.VIDEO_MODEL: "video",
    }
    assert {model: listed.get(model) for model in defaults} == defaults


def test_a_made_up_model_fails_the_cli_as_venice_would(fake: FakeVenice, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from venice_ext.cli import cli

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["--api-key", API_KEY, "--base-url", fake.base_url, *args])
        return result.exit_code, result.stderr

    for command in (["chat", "hi"], ["embed", "hi"], ["image", "a cat", "-o", str(tmp_path / "a.png")]):
        code, err = run(*command, "--model", "no-such-model")
        assert code == 1 and err.startswith("error: 404: Specified model not found"), (command, err)
    code, err = run("speak", "hi", "-o", str(tmp_path / "a.mp3"), "--model", "no-such-model")
    assert code == 1 and err.startswith("error: 400: Invalid request parameters")
    assert "received 'no-such-model'" in err.splitlines()[-1] and "'tts-kokoro'" in err
