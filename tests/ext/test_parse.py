"""Structured output: strict json_schema from a type, the reply parsed back into it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any, Literal, TypedDict

import attrs
import pydantic
import pytest

from tests.ext.conftest import API_KEY
from venice_ext import AsyncVenice, Venice
from venice_ext.testing import FakeVenice, Reply
from venice_ext.tools._structured import StructuredOutputError

MESSAGES = [{"role": "user", "content": "Describe Paris."}]


@attrs.define
class CityAttrs:
    name: str
    population: int
    tags: list[str]
    nickname: str | None = None


@dataclasses.dataclass
class CityDataclass:
    name: str
    population: int
    tags: list[str]
    nickname: str | None = None


class CityTypedDict(TypedDict):
    name: str
    population: int
    tags: list[str]


class CityPydantic(pydantic.BaseModel):
    name: str
    population: int
    tags: list[str]
    climate: Literal["oceanic", "continental"] = "oceanic"


def reply(content: str) -> Reply:
    return Reply(
        json={
            "id": "chatcmpl-p",
            "object": "chat.completion",
            "created": 1760000000,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "logprobs": None,
                    "message": {"role": "assistant", "content": content},
                }
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14},
        }
    )


PARIS = {"name": "Paris", "population": 2102650, "tags": ["capital", "river"], "nickname": None}


@pytest.mark.parametrize(
    "cls", [CityAttrs, CityDataclass, CityTypedDict, CityPydantic], ids=["attrs", "dataclass", "TypedDict", "pydantic"]
)
def test_parse_each_supported_type(cls: Any, fake: FakeVenice, client: Venice) -> None:
    answer = dict(PARIS)
    if cls in (CityTypedDict, CityPydantic):
        del answer["nickname"]
    fake.script("POST", "/chat/completions", reply(json.dumps(answer)))
    result = client.chat.completions.parse(model="m", messages=MESSAGES, response_format=cls)
    parsed = result.parsed
    name = parsed["name"] if isinstance(parsed, dict) else parsed.name
    assert isinstance(parsed, dict if cls is CityTypedDict else cls) and name == "Paris"
    assert result.completion.usage.total_tokens == 14
    sent = fake.requests[-1].json()["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True
    schema = sent["json_schema"]["schema"]
    assert schema["additionalProperties"] is False and "population" in schema["required"]
    if cls in (CityAttrs, CityDataclass):
        assert schema["required"] == ["name", "population", "tags", "nickname"], "strict: every property required"
        assert schema["properties"]["nickname"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"name": "Paris"}', "population: required field is missing"),
        ('{"name": "Paris", "population": "many", "tags": []}', "population: expected integer"),
        ("Paris is lovely.", "does not fit"),
        ("", "no text content"),
    ],
)
def test_a_reply_that_does_not_fit_raises_with_the_raw_text(
    content: str, reason: str, fake: FakeVenice, client: Venice
) -> None:
    fake.script("POST", "/chat/completions", reply(content))
    with pytest.raises(StructuredOutputError, match=reason) as caught:
        client.chat.completions.parse(model="m", messages=MESSAGES, response_format=CityDataclass)
    assert caught.value.raw_text == content


def test_pydantic_validation_failure(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", reply('{"name": "Paris", "population": 1, "tags": [], "climate": "x"}'))
    with pytest.raises(StructuredOutputError, match="climate"):
        client.chat.completions.parse(model="m", messages=MESSAGES, response_format=CityPydantic)


def test_unsupported_response_format_fails_before_sending(fake: FakeVenice, client: Venice) -> None:
    with pytest.raises(TypeError):
        client.chat.completions.parse(model="m", messages=MESSAGES, response_format=int)
    assert fake.requests == []


def test_async_parse(fake: FakeVenice) -> None:
    fake.script("POST", "/chat/completions", reply(json.dumps(PARIS)))

    async def main() -> Any:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url) as client:
            return await client.chat.completions.parse(model="m", messages=MESSAGES, response_format=CityAttrs)

    assert asyncio.run(main()).parsed == CityAttrs("Paris", 2102650, ["capital", "river"])
