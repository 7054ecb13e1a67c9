"""`import venice_ext` loads no more than it needs: the heavy libraries wait for first use.

Checked in a fresh interpreter (this one has imported everything): msgspec comes with
the first body read or sent, aiohttp with its transport, the CLI with `venice`,
cryptography with E2EE or the wallet, and a few of venice_ext's own modules with the
names they export. (click and rich are not on the list: httpx itself
imports them, for its own command line, wherever they are installed.) `make bench` times the import; this only says what
it loads, so that a module-level import added somewhere cannot slip in unnoticed. The
same goes for a plain chat call (whole and streamed), whose first use `make bench` times.
"""

from __future__ import annotations

import asyncio
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


# What a plain chat call leaves for later: the E2EE engine (and its attestation types)
# with the first encrypted call, the tool loop with run_tools, structured parsing with parse.
NOT_FOR_A_PLAIN_CHAT = [
    "venice_ext.e2ee._engine",
    "venice_ext.e2ee._types",
    "venice_ext.tools._loop",
    "venice_ext.tools._structured",
    "cryptography",
]

_PLAIN_CHAT = {
    "sync": """
import json, sys
from venice_ext import Venice
from venice_ext.testing import FakeVenice
ASK = {"model": "venice-uncensored-1-2", "messages": [{"role": "user", "content": "hi"}]}
with FakeVenice() as fake, Venice(api_key=fake.api_key, base_url=fake.base_url) as client:
    client.chat.completions.create(**ASK)
    with client.chat.completions.stream(**ASK) as stream:
        stream.final()
print(json.dumps(sorted(sys.modules)))
""",
    "async": """
import asyncio, json, sys
from venice_ext import AsyncVenice
from venice_ext.testing import FakeVenice
ASK = {"model": "venice-uncensored-1-2", "messages": [{"role": "user", "content": "hi"}]}
async def main(fake):
    async with AsyncVenice(api_key=fake.api_key, base_url=fake.base_url) as client:
        await client.chat.completions.create(**ASK)
        async with await client.chat.completions.stream(**ASK) as stream:
            await stream.final()
with FakeVenice() as fake:
    asyncio.run(main(fake))
print(json.dumps(sorted(sys.modules)))
""",
}


@pytest.mark.parametrize("twin", sorted(_PLAIN_CHAT))
def test_a_plain_chat_call_leaves_e2ee_and_tools_for_later(twin: str) -> None:
    done = subprocess.run([sys.executable, "-c", _PLAIN_CHAT[twin]], capture_output=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "venice_ext.resources.chat" in loaded
    assert not [name for name in NOT_FOR_A_PLAIN_CHAT if name in loaded]


def test_chat_and_tee_share_one_e2ee_engine() -> None:
    from venice_ext import AsyncVenice, Venice

    with Venice(api_key="k", base_url="http://127.0.0.1:9/api/v1") as client:
        assert client.chat.completions._e2ee is client.tee.engine
    async_client = AsyncVenice(api_key="k", base_url="http://127.0.0.1:9/api/v1")
    assert async_client.chat.completions._e2ee is async_client.tee.engine
    asyncio.run(async_client.aclose())
