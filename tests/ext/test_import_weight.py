"""`import venice_ext` loads no more than it needs: the heavy libraries wait for first use.

Checked in a fresh interpreter (this one has imported everything): msgspec comes with
the first body read or sent, aiohttp with its transport, the CLI with `venice`,
cryptography with E2EE or the wallet, and a few of venice_ext's own modules with the
names they export. (click and rich are not on the list: httpx itself
imports them, for its own command line, wherever they are installed.) `make bench` times the import; this only says what
it loads, so that a module-level import added somewhere cannot slip in unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LATER = [
    "msgspec",
    "aiohttp",
    "cryptography",
    "openai",
    "venice_ext.cli",
    "venice_ext.e2ee",
    "venice_spec",
    # Ours, exported lazily: rate limits and balances (two frozen dataclasses, read when
    # asked for), media results and the aiohttp transport's factory.
    "venice_ext._core._limits",
    "venice_ext._core._media",
    "venice_ext._core._aiohttp",
]


STATEMENTS = ["import venice_ext", "from venice_ext import Venice, AsyncVenice, APIStatusError"]


@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_import_leaves_the_heavy_libraries_for_later(statement: str) -> None:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout))
    assert "venice_ext" in loaded
    assert not [name for name in LATER if name in loaded], f"{statement} loads {[n for n in LATER if n in loaded]}"
