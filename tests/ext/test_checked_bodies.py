"""A chat body goes out as the caller gave it once the model accepted it, and as the model
writes it when it holds a Mapping that is not a dict (the one thing `to_dict()` changes).

`encoded_as_given` is driven by hypothesis: any JSON value (dict subclasses and str
enums too) can go as given, encoded to the JSON json.dumps writes, and one Mapping that
is not a dict, or one NaN or infinity (msgspec writes null), anywhere in it makes it not.
Then real requests, on every flavour of client, whole and streamed: what the server
receives is the JSON the model's `to_dict()` writes, for a plain body, for one with a
Mapping inside, and with a client's default extra_body; the body is encoded once (httpx's
json= encoding is never reached), with one Content-Type, the caller's if given; a NaN is
refused before sending, as it always was.
(tests/generated/test_request_bodies.py holds every request model to the same JSON.)
"""

from __future__ import annotations

import asyncio
import collections
import collections.abc
import enum
import functools
import json
import types
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.ext.conftest import API_KEY
from venice_api.models import ChatCompletionRequest
from venice_ext import AsyncVenice, Venice, aiohttp_transport
from venice_ext._core._requests import encoded_as_given
from venice_ext.testing import FakeVenice

FLAVORS = ["sync", "async-httpx", "async-aiohttp"]

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)  # what JSON can carry (NaN and the infinities, which msgspec writes as null, are tested apart)


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
    for sent in (value, _insert(value, also, path)):
        encoded = encoded_as_given(sent)
        assert encoded is not None and json.loads(encoded) == json.loads(json.dumps(sent))


@given(value=st.dictionaries(st.text(max_size=4), _json, max_size=4), mapping=_not_a_dict, path=_paths)
def test_a_mapping_that_is_no_dict_anywhere_goes_through_the_model(
    value: dict[str, Any], mapping: Any, path: list[int]
) -> None:
    assert encoded_as_given(_insert(value, mapping, path)) is None


@given(value=st.dictionaries(st.text(max_size=4), _json, max_size=4), path=_paths)
@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_a_float_json_cannot_carry_anywhere_goes_through_the_model(
    value: dict[str, Any], path: list[int], number: float
) -> None:
    """msgspec writes NaN and the infinities as null, where json.dumps (the model's way) refuses them."""
    assert encoded_as_given(_insert(value, number, path)) is None


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


# --- encoded once -----------------------------------------------------------------------


@functools.cache
def _builders() -> tuple[httpx.Client, httpx.AsyncClient]:
    """Both twins, which build a request alike (building sends nothing: no connection is opened)."""
    base = "https://api.venice.ai/api/v1"
    return httpx.Client(base_url=base), httpx.AsyncClient(base_url=base)


_content_types = st.sampled_from(["Content-Type", "content-type", "CONTENT-TYPE"])


@given(
    spelling=st.none() | _content_types,
    value=st.sampled_from(["application/json", "application/json; charset=utf-8"]),
)
def test_the_encoded_body_goes_with_one_content_type_the_callers_if_given(spelling: str | None, value: str) -> None:
    from venice_api.api.chat import create_chat_completion
    from venice_ext._core._calls import http_request
    from venice_ext.resources._chat_request import checked_chat_body

    body = checked_chat_body("m", _PLAIN, {}, None, stream=False)
    options: Any = {"extra_headers": {spelling: value}} if spelling else {}
    kwargs = http_request(create_chat_completion, {}, body, options)
    assert "json" not in kwargs and kwargs["content"] == body.encoded
    for http in _builders():
        request = http.build_request(**kwargs)
        assert request.headers.get_list("content-type") == [value if spelling else "application/json"]
        assert json.loads(request.read()) == json.loads(json.dumps(body.model.to_dict()))


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_a_checked_body_is_encoded_once(
    flavor: str, stream: bool, fake: FakeVenice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpx's own json= encoding is never reached: msgspec's bytes go out as they are."""

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("the body was encoded a second time")

    monkeypatch.setattr(httpx._content, "json_dumps", refuse)
    assert _sent(flavor, fake, _PLAIN, stream=stream) == _as_the_model_writes(_PLAIN, stream=stream)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_nan_is_refused_before_anything_is_sent_as_it_always_was(flavor: str, fake: FakeVenice) -> None:
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        if flavor == "sync":
            with Venice(api_key=API_KEY, base_url=fake.base_url) as client:
                client.chat.completions.create(model="claude-opus-4-5", messages=_PLAIN, temperature=float("nan"))
        else:

            async def run() -> None:
                transport = {"transport": aiohttp_transport()} if flavor == "async-aiohttp" else {}
                async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, **transport) as client:
                    await client.chat.completions.create(
                        model="claude-opus-4-5", messages=_PLAIN, temperature=float("nan")
                    )

            asyncio.run(run())
    assert fake.requests_to("POST", "/chat/completions") == []
