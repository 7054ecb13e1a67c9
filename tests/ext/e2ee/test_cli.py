"""`venice chat --e2ee` against the fake enclave."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from tests.ext.conftest import API_KEY
from tests.ext.e2ee.conftest import PROMPT, model_of
from venice_ext.cli import cli
from venice_ext.testing import FakeVenice

ANSWER = f"Enclave heard: {PROMPT}"


def chat_requests(fake: FakeVenice) -> list[Any]:
    return fake.requests_to("POST", "/chat/completions")


def test_venice_chat_e2ee(enclave_fake: FakeVenice) -> None:
    model = model_of(enclave_fake)
    args = ["--api-key", API_KEY, "--base-url", enclave_fake.base_url, "chat", "--e2ee", "--model", model, PROMPT]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and result.stdout == ANSWER + "\n"
    result = CliRunner().invoke(cli, [*args, "--no-stream", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["choices"][0]["message"]["content"] == ANSWER
    result = CliRunner().invoke(cli, [*args, "--web-search", "on"])
    assert result.exit_code == 1 and "enable_web_search='on'" in result.stderr and "nothing was sent" in result.stderr
    assert len(chat_requests(enclave_fake)) == 2
    for request in chat_requests(enclave_fake):
        assert PROMPT.encode() not in request.body
