"""Every Python example in the README runs against the fake server, so the README cannot drift."""

from __future__ import annotations

import contextlib
import io
import re
import sys
import types
from pathlib import Path

import pytest

from venice_ext.testing import FakeVenice

README = Path(__file__).resolve().parents[2] / "README.md"
TEXT = README.read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)
# An example followed (before the next code block) by a ```text block shows what it prints.
SHOWN_OUTPUT = {
    source: shown
    for source, shown in re.findall(r"```python\n(.*?)```\n(?:[^`]*?)```text\n(.*?)```", TEXT, flags=re.DOTALL)
}


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("source", EXAMPLES, ids=[f"example-{i + 1}" for i in range(len(EXAMPLES))])
def test_readme_example_runs(source: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A real module, as a script would be: dataclasses look their module up in sys.modules.
    module = types.ModuleType("readme_example")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.chdir(tmp_path)  # examples write files where they run
    with FakeVenice(api_key="test-key") as fake:
        monkeypatch.setenv("VENICE_API_KEY", "test-key")
        monkeypatch.setenv("VENICE_BASE_URL", fake.base_url)
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(source, str(README), "exec"), module.__dict__)
        if "FakeVenice(" not in source:  # an example that starts its own fake talks to that one
            assert fake.requests, "the example talked to the fake server"
    if source in SHOWN_OUTPUT:
        assert output.getvalue() == SHOWN_OUTPUT[source], "the README shows what the example really prints"


def test_the_readme_shows_printed_output() -> None:
    assert len(SHOWN_OUTPUT) >= 2


def test_readme_examples_pass_mypy_strict(tmp_path: Path) -> None:
    """What a user copies from the README type-checks as it is: no casts, asserts or isinstance needed."""
    import subprocess

    files = []
    for number, source in enumerate(EXAMPLES, start=1):
        path = tmp_path / f"readme_example_{number}.py"
        path.write_text(source, encoding="utf-8")
        files.append(str(path))
    root = README.parent
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--config-file",
            str(root / "pyproject.toml"),
            *files,
        ],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
