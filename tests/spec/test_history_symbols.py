"""venice_ext works with the client generated from every published spec since 2026-07-31.

That is when the last operations venice_ext drives appeared: the audio jobs came on
2026-03-31, the x402 listings on 2026-04-30 and the cursor-paged usage history on
2026-07-31. (Every version in the history still generates: `make test-history`.) venice_ext takes every
generated name it uses from one module, `venice_ext._core._symbols`. For each history
version from that date on, the spec is read as `make generate` reads it (validated,
repaired if need be), the client is generated into a temporary
directory and a fresh interpreter, with that directory first on sys.path (so it shadows
the installed `venice_api`), imports `_symbols` and drives venice_ext against the fake
server: `client.call`, a chat completion, a streamed one. A version that lacks something
venice_ext needs fails here with the missing name; it is never skipped.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.generate import PACKAGE, run_generator
from scripts.spec_io import load_spec_file

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT.parent / "shared" / "venice-spec" / "history"
SINCE = "2026-07-31"  # history files are named DATE_COMMIT.yaml

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
    completion = client.chat.completions.create(model="venice-uncensored-1-2", messages=messages)
    assert completion.choices[0].message.content, "an empty chat completion"
    with client.chat.completions.stream(model="venice-uncensored-1-2", messages=messages) as stream:
        final = stream.final()
    assert final.choices[0].message.content, "an empty streamed chat completion"
print("ok")
"""


def versions_since() -> list[str]:
    return [path.name for path in sorted(HISTORY.glob("*.yaml")) if path.name[: len(SINCE)] >= SINCE]


@pytest.mark.slow
@pytest.mark.parametrize("version", versions_since() or [pytest.param("(none)", marks=pytest.mark.skip("no history"))])
def test_venice_ext_works_with_the_client_generated_from(version: str, tmp_path: Path) -> None:
    run_generator(load_spec_file(HISTORY / version), tmp_path / PACKAGE)
    smoke = subprocess.run(
        [sys.executable, "-c", SMOKE, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    last_line = (smoke.stderr.strip().splitlines() or ["(no error output)"])[-1]
    assert smoke.returncode == 0 and smoke.stdout.strip() == "ok", (
        f"venice_ext against the client generated from {version}: {last_line}\n{smoke.stderr}"
    )


def test_every_version_since_the_last_driven_operation_is_checked() -> None:
    every = sorted(path.name for path in HISTORY.glob("*.yaml"))
    if not every:
        pytest.skip(f"no spec history in {HISTORY}")
    names = versions_since()
    assert names == every[every.index(names[0]) :], "every version from the first one checked on"
    assert names[0].startswith(SINCE), f"the first version checked is dated {SINCE}"
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}_[0-9a-f]{8}\.yaml", name) for name in every), "dated file names"
