"""`venice demo` (what `make demo` runs) tours the client against the bundled fake server."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from venice_ext.cli import cli


@pytest.mark.slow  # the video step polls at the client's real pace (2 s at the least)
def test_the_offline_tour(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "-o", str(tmp_path)], env={"VENICE_API_KEY": ""})
    assert result.exit_code == 0, result.output
    out = result.stdout
    for heading in ("== models", "== a streamed answer", "== a two-step tool loop", "== a video", "== outputs"):
        assert heading in out
    assert "-> get_weather" in out and "-> to_fahrenheit" in out and "69.8 F" in out
    assert (tmp_path / "gondola.mp4").read_bytes()[4:8] == b"ftyp"
    assert "69.8 F" in (tmp_path / "answers.txt").read_text()
    assert not (tmp_path / "gondola.mp4.job.json").exists()
