"""`client.call` with the body as a model, a dict or keyword fields; per-call and `with_options` defaults."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest

from venice_api.api.embeddings import create_embedding
from venice_api.api.image import upscale_image
from venice_api.api.models import list_models
from venice_api.models import CreateEmbeddingRequestSchema
from venice_ext import AsyncVenice, RequestValidationError, Venice
from venice_ext.testing import FakeVenice

from .conftest import API_KEY

EMBEDDING = {"model": "text-embedding-bge-m3", "input": "hello"}


def test_the_body_as_model_dict_or_keywords_sends_the_same(fake: FakeVenice, client: Venice) -> None:
    client.call(create_embedding, body=CreateEmbeddingRequestSchema.from_dict(EMBEDDING))
    client.call(create_embedding, body=EMBEDDING)
    result = client.call(create_embedding, model="text-embedding-bge-m3", input="hello")
    sent = [request.json() for request in fake.requests_to("POST", "/embeddings")]
    assert sent == [EMBEDDING] * 3
    assert result.data[0].embedding  # typed: CreateEmbeddingResponse


def test_unknown_fields_and_mixed_forms_are_refused_before_sending(fake: FakeVenice, client: Venice) -> None:
    with pytest.raises(RequestValidationError, match="unknown parameter\\(s\\) modle"):
        client.call(create_embedding, body={**EMBEDDING, "modle": "x"})
    with pytest.raises(RequestValidationError, match="either as body= or as keyword"):
        client.call(create_embedding, body=EMBEDDING, model="x")
    with pytest.raises(RequestValidationError, match="unknown parameter\\(s\\) prompt"):
        client.call(list_models, prompt="hi")
    with pytest.raises(RequestValidationError, match="input"):
        client.call(create_embedding, model="text-embedding-bge-m3", input=5)
    assert fake.requests_to("POST", "/embeddings") == [] and fake.requests_to("GET", "/models") == []


def test_extra_query_extra_body_and_headers_per_call(fake: FakeVenice, client: Venice) -> None:
    client.call(
        create_embedding,
        body=EMBEDDING,
        extra_body={"dimensions_hint": 3},
        extra_query={"trace": "1"},
        extra_headers={"X-Test": "yes"},
    )
    (sent,) = fake.requests_to("POST", "/embeddings")
    assert sent.json() == {**EMBEDDING, "dimensions_hint": 3}
    assert sent.query == "trace=1" and sent.headers["x-test"] == "yes"


@pytest.mark.parametrize("kind", ["bytes", "path", "file", "file_object"])
def test_uploads_of_every_kind_go_multipart_with_their_name(
    kind: str, fake: FakeVenice, client: Venice, tmp_path: Path
) -> None:
    png = b"\x89PNG\r\n\x1a\nfake image bytes"
    source = tmp_path / "cat.png"
    source.write_bytes(png)
    value: Any = {
        "bytes": png,
        "path": source,
        "file": source.open("rb"),
        "file_object": io.BytesIO(png),
    }[kind]
    answer = client.call(upscale_image, image=value, scale=2)
    assert isinstance(answer, bytes)
    (sent,) = fake.requests_to("POST", "/image/upscale")
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert png in sent.body
    if kind in ("path", "file"):
        assert b'filename="cat.png"' in sent.body and b"image/png" in sent.body


def test_with_options_defaults_apply_and_per_call_options_win(fake: FakeVenice, client: Venice) -> None:
    tagged = client.with_options(extra_headers={"X-Team": "a"}, extra_query={"q": "1"})
    assert tagged.http_client is client.http_client
    tagged.call(create_embedding, body=EMBEDDING)
    tagged.call(create_embedding, body=EMBEDDING, extra_headers={"X-Team": "b"})
    client.call(create_embedding, body=EMBEDDING)
    first, second, plain = fake.requests_to("POST", "/embeddings")
    assert first.headers["x-team"] == "a" and first.query == "q=1"
    assert second.headers["x-team"] == "b"
    assert "x-team" not in plain.headers and plain.query == ""
    assert tagged.chat is not client.chat


def test_async_twin_takes_the_same_forms(fake: FakeVenice) -> None:
    async def main() -> None:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url) as client:
            await client.call(create_embedding, body=EMBEDDING)
            await client.call(create_embedding, model="text-embedding-bge-m3", input="hello")
            tagged = client.with_options(extra_headers={"X-Team": "a"})
            await tagged.call(create_embedding, **EMBEDDING)
            with pytest.raises(RequestValidationError):
                await client.call(create_embedding, body={"model": 1})

    asyncio.run(main())
    sent = fake.requests_to("POST", "/embeddings")
    assert [json.loads(r.body) for r in sent] == [EMBEDDING] * 3
    assert sent[2].headers["x-team"] == "a"
