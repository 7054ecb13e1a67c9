"""mypy --strict on user code that calls the generated resources through a stub requester.

The return types are the spec's success types (`images.generate` answers JSON or the
image itself), inferred from the endpoint module through `Operation[T]`; a wrong call
must be an error, or the first file would prove nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STUB = '''
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn, TypeVar, assert_type

import httpx

from venice_api.api.image import generate_image
from venice_api.api.models import list_models
from venice_api.models.create_chat_completion_response import CreateChatCompletionResponse
from venice_api.models.create_embedding_response import CreateEmbeddingResponse
from venice_api.models.create_transcription_response import CreateTranscriptionResponse
from venice_api.models.generate_image_response import GenerateImageResponse
from venice_api.models.list_models_response import ListModelsResponse
from venice_api.models.queue_video_response import QueueVideoResponse
from venice_api.resources import (
    AsyncRequester,
    AsyncResources,
    Operation,
    RawResponse,
    RequestOptions,
    Requester,
    Resources,
)
from venice_ext import APIResponse

T = TypeVar("T")


class Stub:
    def request(
        self,
        operation: Operation[T],
        /,
        *,
        params: Mapping[str, Any],
        body: Mapping[str, Any] | None,
        options: RequestOptions,
    ) -> T:
        return operation.parse_success(httpx.Response(200))

    def request_raw(
        self,
        operation: Operation[T],
        /,
        *,
        params: Mapping[str, Any],
        body: Mapping[str, Any] | None,
        options: RequestOptions,
    ) -> APIResponse[T]:
        parsed = self.request(operation, params=params, body=body, options=options)
        return APIResponse(parsed, httpx.Response(200))


class AsyncStub:
    async def request(
        self,
        operation: Operation[T],
        /,
        *,
        params: Mapping[str, Any],
        body: Mapping[str, Any] | None,
        options: RequestOptions,
    ) -> T:
        return operation.parse_success(httpx.Response(200))

    async def request_raw(
        self,
        operation: Operation[T],
        /,
        *,
        params: Mapping[str, Any],
        body: Mapping[str, Any] | None,
        options: RequestOptions,
    ) -> APIResponse[T]:
        return APIResponse(operation.parse_success(httpx.Response(200)), httpx.Response(200))


class Client(Resources):
    def _requester(self) -> Requester:
        return Stub()


class AsyncClient(AsyncResources):
    def _requester(self) -> AsyncRequester:
        return AsyncStub()


def infer(operation: Operation[T]) -> T:
    return operation.parse_success(httpx.Response(200))
'''

GOOD = '''
client = Client()
assert_type(infer(generate_image), GenerateImageResponse | bytes)
assert_type(infer(list_models), ListModelsResponse)
assert_type(client.images.generate(model="m", prompt="p"), GenerateImageResponse | bytes)
assert_type(client.models.list(), ListModelsResponse)
assert_type(client.models.list(type="image", timeout=None, extra_headers={"X": "1"}), ListModelsResponse)
completion = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
assert_type(completion, CreateChatCompletionResponse)
assert_type(client.audio.speech.create(input="Hello", voice="af_sky"), bytes)
assert_type(client.video.queue(model="m", prompt="p", duration="5s"), QueueVideoResponse)
assert_type(client.images.upscale(image=b"png", scale=2), bytes)
assert_type(client.audio.transcriptions.create(file=Path("a.wav")), CreateTranscriptionResponse | str)

raw = client.images.with_raw_response.generate(model="m", prompt="p")
assert_type(raw, RawResponse[GenerateImageResponse | bytes])
assert_type(raw.parsed, GenerateImageResponse | bytes)
assert_type(raw.request_id, str | None)


def sunset() -> NoReturn:
    client.billing.usage()


async def main(client: AsyncClient) -> None:
    assert_type(await client.embeddings.create(input="text", model="m"), CreateEmbeddingResponse)
    raw = await client.models.with_raw_response.list()
    assert_type(raw.parsed, ListModelsResponse)
'''

# Each line is one mistake mypy must report.
BAD = '''
client = Client()
client.images.generate(model="m")
client.images.generate(model="m", prompt="p", bogus=1)
client.models.list(type=1)
wrong: ListModelsResponse = client.images.generate(model="m", prompt="p")
client.images.generate(model="m", prompt="p", max_retries="3")
'''


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One mypy run over both files: checking the generated package is most of the time."""
    folder = tmp_path_factory.mktemp("typing")
    for name, source in (("good", GOOD), ("bad", BAD)):
        (folder / f"{name}.py").write_text(STUB + textwrap.dedent(source), encoding="utf-8")
    # The editable install maps venice_api through an import hook mypy cannot follow; and
    # not the repository's config, which ignores errors in venice_api.
    env = {**os.environ, "MYPYPATH": os.pathsep.join([str(ROOT / "generated"), str(ROOT)])}
    command = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--config-file", os.devnull]
    command += ["--cache-dir", str(folder / "mypy-cache"), "good.py", "bad.py"]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False).stdout


def _errors(output: str, name: str) -> set[int]:
    return {int(line) for line in re.findall(rf"^{name}\.py:(\d+): error", output, re.MULTILINE)}


@pytest.mark.slow
def test_typical_calls_type_check_with_the_spec_s_return_types(mypy_output: str) -> None:
    assert _errors(mypy_output, "good") == set(), mypy_output[-4000:]
    assert not re.search(r"^(?!good\.py|bad\.py)\S+\.py:\d+: error", mypy_output, re.MULTILINE), mypy_output[-4000:]


@pytest.mark.slow
def test_wrong_calls_are_type_errors(mypy_output: str) -> None:
    lines = (STUB + textwrap.dedent(BAD)).splitlines()
    mistakes = BAD.strip().splitlines()[1:]
    assert _errors(mypy_output, "bad") == {lines.index(mistake) + 1 for mistake in mistakes}, mypy_output
