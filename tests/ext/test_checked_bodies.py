"""A chat body goes out as the caller gave it once the model accepted it, and as the model
writes it when it holds a Mapping that is not a dict (the one thing `to_dict()` changes).

`sendable_as_given` is driven by hypothesis: any JSON value (dict subclasses and str
enums too) can go as given, and one Mapping that is not a dict anywhere in it makes it
not. Then real requests, on every flavour of client, whole and streamed: what the server
receives is the JSON the model's `to_dict()` writes, for a plain body, for one with a
Mapping inside, and with a client's default extra_body.
(tests/generated/test_request_bodies.py holds every request model to the same JSON.)
"""

from __future__ import annotations

import asyncio
import collections
import collections.abc
import enum
import json
import types
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.ext.conftest import API_KEY
from venice_api.models import ChatCompletionRequest
from venice_ext import AsyncVenice, Venice, aiohttp_transport
from venice_ext._core._requests import sendable_as_given
from venice_ext.testing import FakeVenice

FLAVORS = ["sync", "async-httpx", "async-aiohttp"]

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


class _Kind(enum.StrEnum):
    USER = "user"


class _Record(collections.abc.Mapping[str, Any]):
    def __init__(self, **items: Any) -> None:
        self._items = items

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


_also_json = st.sampled_from([_Kind.USER, collections.OrderedDict(a=1), collections.defaultdict(list)])
_not_a_dict = st.sampled_from([types.MappingProxyType({"type": "text"}), _Record(type="text", text="hi")])


def _insert(value: Any, foreign: Any, path: list[int]) -> Any:
    """`value` with `foreign` put in at the container `path` picks (or beside it, at the top)."""
    if isinstance(value, list):
        if not value or not path:
            return [*value, foreign]
        index = path[0] % len(value)
        return [*value[:index], _insert(value[index], foreign, path[1:]), *value[index + 1 :]]
    if isinstance(value, dict):
        if not value or not path:
            return {**value, "foreign": foreign}
        key = sorted(value)[path[0] % len(value)]
        return {**value, key: _insert(value[key], foreign, path[1:])}
    return [value, foreign]


_paths = st.lists(st.integers(min_value=0), max_size=4)


@given(value=st.dictionaries(st.text(max_size=4), _json, max_size=4), also=_also_json, path=_paths)
def test_any_json_value_goes_as_given(value: dict[str, Any], also: Any, path: list[int]) -> None:
    assert sendable_as_given(value)
    assert sendable_as_given(_insert(value, also, path))


@given(value=st.dictionaries(st.text(max_size=4), _json, max_size=4), mapping=_not_a_dict, path=_paths)
def test_a_mapping_that_is_no_dict_anywhere_goes_through_the_model(
    value: dict[str, Any], mapping: Any, path: list[int]
) -> None:
    assert not sendable_as_given(_insert(value, mapping, path))


# --- what the server receives ---------------------------------------------------------

_PLAIN = [{"role": "user", "content": [{"type": "text", "text": "Why is the sky blue?"}]}]
_MAPPING_INSIDE = [{"role": "user", "content": [types.MappingProxyType({"type": "text", "text": "Why?"})]}]


def _sent(flavor: str, fake: FakeVenice, messages: list[Any], *, stream: bool, **options: Any) -> dict[str, Any]:
    """The JSON body the server received for one chat call with these messages."""
    params = {"model": "claude-opus-4-5", "messages": messages, "temperature": 0.5}
    if flavor == "sync":
        with Venice(api_key=API_KEY, base_url=fake.base_url) as client:
            chat = client.with_options(**options).chat.completions
            if stream:
                with chat.stream(**params) as chunks:
                    chunks.final()
            else:
                chat.create(**params)
    else:

        async def run() -> None:
            transport = {"transport": aiohttp_transport()} if flavor == "async-aiohttp" else {}
            async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, **transport) as client:
                chat = client.with_options(**options).chat.completions
                if stream:
                    async with await chat.stream(**params) as chunks:
                        await chunks.final()
                else:
                    await chat.create(**params)

        asyncio.run(run())
    (request,) = fake.requests_to("POST", "/chat/completions")
    body: dict[str, Any] = request.json()
    return body


def _as_the_model_writes(messages: list[Any], *, stream: bool, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"model": "claude-opus-4-5", "messages": messages, "temperature": 0.5}
    if stream:
        fields |= {"stream": True, "stream_options": {"include_usage": True}}
    model = ChatCompletionRequest.from_dict(fields)
    for key, value in (extra or {}).items():
        model[key] = value
    written: dict[str, Any] = json.loads(json.dumps(model.to_dict()))
    return written


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("messages", [_PLAIN, _MAPPING_INSIDE], ids=["plain", "mapping-inside"])
def test_the_server_receives_what_the_model_writes(
    flavor: str, stream: bool, messages: list[Any], fake: FakeVenice
) -> None:
    assert _sent(flavor, fake, messages, stream=stream) == _as_the_model_writes(messages, stream=stream)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_clients_default_extra_body_still_goes_out(flavor: str, fake: FakeVenice) -> None:
    extra = {"house_flag": 1, "temperature": 2.0}  # a field given to the call wins over a default
    sent = _sent(flavor, fake, _PLAIN, stream=False, extra_body=extra)
    assert sent == _as_the_model_writes(_PLAIN, stream=False, extra=extra)
    assert sent["house_flag"] == 1 and sent["temperature"] == 0.5
