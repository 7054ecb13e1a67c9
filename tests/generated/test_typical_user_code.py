"""Typical user code type-checks under mypy --strict and works, with no casts, asserts or isinstance.

The fields it reads are ones Venice always sends; spec/always_sent.yaml makes them
required where the spec leaves them optional, so none of them is typed `X | Unset`.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typical_user_code as user

from venice_ext import Venice
from venice_ext.testing import FakeVenice
from venice_ext.testing._catalogue import snapshot_models

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
USER_CODE = HERE / "typical_user_code.py"
API_KEY = "test-key"

# Proof that mypy sees the generated types (not `Any`, say from a package it could not
# find): a field Venice does not always send stays `| Unset` and must be flagged.
STILL_OPTIONAL = """
from venice_api.models import CreateChatCompletionResponse


def cost(completion: CreateChatCompletionResponse) -> float:
    return completion.cost.usd
"""


def mypy_strict(*target: str) -> list[str]:
    process = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", *target],
        cwd=ROOT,  # for pyproject.toml, whose mypy_path finds the generated package
        capture_output=True,
        text=True,
        check=False,
    )
    assert not process.stderr, process.stderr
    return process.stdout.splitlines()


@pytest.mark.slow
def test_typical_user_code_passes_mypy_strict() -> None:
    assert mypy_strict(str(USER_CODE)) == []
    [error] = mypy_strict("-c", STILL_OPTIONAL)
    assert '"Unset" of "CreateChatCompletionResponseCost | Unset" has no attribute "usd"' in error


@pytest.fixture(scope="module")
def client() -> Iterator[Venice]:
    with FakeVenice(api_key=API_KEY) as fake, Venice(api_key=API_KEY, base_url=fake.base_url) as venice:
        yield venice


def test_typical_user_code_reads_the_canned_answers(client: Venice) -> None:
    assert user.chat(client) == ("The capital of France is Paris.", "stop", 65, "zai-org-glm-5-1")
    assert user.responses(client) == ("message", 1787304600)
    # The first text model of Venice's listing, which the fake serves.
    first = next(entry for entry in snapshot_models() if entry["type"] == "text")
    spec = first["model_spec"]
    assert user.first_model(client) == (first["id"], "text", spec["name"], spec["traits"], first["created"])
    vector, index, tokens = user.embed(client)
    assert (len(vector), index, tokens) == (8, 0, 9)
    assert user.image(client) == (1, "image/png")
    assert user.image_call(client).startswith(b"iVBOR")
    assert user.openai_image(client) == (1787304600, 1)
    assert user.transcribe(client).startswith("Welcome back.")
    assert user.characters(client) == ("captain-mara-voss", "Captain Mara Voss")
    assert user.account(client) == (True, "e28f4c1a-6d3b-4a97-b5e2-0c8d7f1a9b34")
