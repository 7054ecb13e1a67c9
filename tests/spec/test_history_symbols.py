"""venice_ext works with the clients generated from the 10 newest published specs.

venice_ext takes every generated name it uses from one module, `venice_ext._core._symbols`.
For each of the newest history versions, the client is generated into a temporary
directory and a fresh interpreter, with that directory first on sys.path (so it shadows
the installed `venice_api`), imports `_symbols` and drives venice_ext against the fake
server: `client.call`, a chat completion, a streamed one. A version that lacks something
venice_ext needs fails here with the missing name; it is never skipped.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.generate import PACKAGE, run_generator
from scripts.spec_io import load_spec_file

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT.parent / "shared" / "venice-spec" / "history"
NEWEST = 10

SMOKE = """
import sys
sys.path.insert(0, sys.argv[1])

import venice_api
assert venice_api.__file__.startswith(sys.argv[1]), f"imported the wrong venice_api: {venice_api.__file__}"
import venice_ext._core._symbols
venice_ext._core._symbols.resolve_all()  # every generated name venice_ext uses, from its one place
from venice_api.api.models import list_models
from venice_ext import Venice
from venice_ext.testing import FakeVenice

messages = [{"role": "user", "content": "Why is the sky blue?"}]
with FakeVenice(api_key="test-key") as fake, Venice(api_key="test-key", base_url=fake.base_url) as client:
    models = client.call(list_models)
    assert models.data, "no models listed"
    completion = client.chat.completions.create(model="venice-uncensored", messages=messages)
    assert completion.choices[0].message.content, "an empty chat completion"
    with client.chat.completions.stream(model="venice-uncensored", messages=messages) as stream:
        final = stream.final()
    assert final.choices[0].message.content, "an empty streamed chat completion"
print("ok")
"""


def newest_versions() -> list[str]:
    return [path.name for path in sorted(HISTORY.glob("*.yaml"))[-NEWEST:]]


@pytest.mark.slow
@pytest.mark.parametrize("version", newest_versions() or [pytest.param("(none)", marks=pytest.mark.skip("no history"))])
def test_venice_ext_works_with_the_client_generated_from(version: str, tmp_path: Path) -> None:
    run_generator(load_spec_file(HISTORY / version), tmp_path / PACKAGE)
    smoke = subprocess.run(
        [sys.executable, "-c", SMOKE, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    last_line = (smoke.stderr.strip().splitlines() or ["(no error output)"])[-1]
    assert smoke.returncode == 0 and smoke.stdout.strip() == "ok", (
        f"venice_ext against the client generated from {version}: {last_line}\n{smoke.stderr}"
    )


def test_the_ten_newest_versions_are_the_ones_checked() -> None:
    names = newest_versions()
    if not names:
        pytest.skip(f"no spec history in {HISTORY}")
    assert len(names) == NEWEST
    assert names == sorted(names) and names[-1] == sorted(path.name for path in HISTORY.glob("*.yaml"))[-1]
