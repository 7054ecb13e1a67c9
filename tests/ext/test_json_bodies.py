"""JSON response bodies are read by msgspec, and read exactly as json.loads reads them.

`decode_json` is driven by hypothesis against json.loads on JSON text of every shape
(non-ASCII and escaped, floats at their edges, NaN and Infinity, big integers, lone
surrogates), on every text encoding json.loads detects, and on arbitrary bytes: the
two agree on the value and its types, or both fail with a ValueError. Then the bodies
msgspec refuses but json.loads reads go through a real socket to every client flavour.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.ext.conftest import API_KEY
from venice_api.api.models import list_models
from venice_api.models import ListModelsResponse
from venice_ext import AsyncVenice, Venice, aiohttp_transport, errors
from venice_ext._core._json import decode_json
from venice_ext.testing import FakeVenice, Reply

FLAVORS = ["sync", "async-httpx", "async-aiohttp"]

_numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=True, allow_infinity=True),
)
_scalars = st.one_of(st.none(), st.booleans(), _numbers, st.text())
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20,
)


def assert_same(expected: Any, actual: Any, path: str = "$") -> None:
    """Equal and of the same types all the way down; NaN equals NaN, -0.0 differs from 0.0."""
    assert type(expected) is type(actual), f"{path}: {expected!r} read as {actual!r}"
    if isinstance(expected, dict):
        assert list(expected) == list(actual), f"{path}: keys {list(expected)} read as {list(actual)}"
        for key in expected:
            assert_same(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(expected) == len(actual), f"{path}: {len(expected)} items read as {len(actual)}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            assert_same(want, got, f"{path}[{index}]")
    elif isinstance(expected, float):
        same = (math.isnan(expected) and math.isnan(actual)) or repr(expected) == repr(actual)
        assert same, f"{path}: {expected!r} read as {actual!r}"
    else:
        assert expected == actual, f"{path}: {expected!r} read as {actual!r}"


def outcome(decode: Any, content: bytes) -> Any:
    try:
        return ("value", decode(content))
    except (ValueError, RecursionError) as exc:
        return ("error", type(exc) is RecursionError)


@given(value=_values, ensure_ascii=st.booleans(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_any_json_text_reads_as_json_loads_reads_it(value: Any, ensure_ascii: bool, encoding: str) -> None:
    text = json.dumps(value, ensure_ascii=ensure_ascii)
    try:
        content = text.encode(encoding, "surrogatepass")
    except UnicodeEncodeError:
        content = text.encode("utf-8", "surrogatepass")
    assert_same(json.loads(content), decode_json(content))


@given(content=st.binary(max_size=64) | st.text(max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass")))
def test_any_bytes_read_as_json_loads_reads_them_or_fail_as_it_fails(content: bytes) -> None:
    expected, actual = outcome(json.loads, content), outcome(decode_json, content)
    assert expected[0] == actual[0], f"{content!r}: json.loads {expected[0]}, decode_json {actual[0]}"
    if expected[0] == "value":
        assert_same(expected[1], actual[1])


@pytest.mark.parametrize(
    "content",
    [
        b"1e400",
        b"-1e400",
        b"NaN",
        b"[Infinity, -Infinity]",
        b'"\\ud800"',
        b"\xef\xbb\xbf{}",
        b"[" * 500 + b"]" * 500,
        b"[" * 5000 + b"]" * 5000,
    ],
    ids=["huge", "minus-huge", "nan", "infinities", "lone-surrogate", "bom", "deep", "too-deep"],
)
def test_what_msgspec_refuses_still_reads(content: bytes) -> None:
    assert_same(outcome(json.loads, content), outcome(decode_json, content))


# --- through a real socket, on every flavour of client ---------------------------------


def _bodies(fake: FakeVenice) -> dict[str, bytes]:
    """A listing of one of the fake's models, written three ways json.loads reads and msgspec does not."""
    served = httpx.get(f"{fake.base_url}/models", headers={"Authorization": f"Bearer {API_KEY}"}).json()
    listing = {**served, "data": [{**served["data"][0], "id": "model-\ud800"}]}
    return {
        "bom": b"\xef\xbb\xbf" + json.dumps(listing).encode(),
        "lone-surrogate": json.dumps(listing).encode(),
        "utf-16": json.dumps(listing, ensure_ascii=False).encode("utf-16", "surrogatepass"),
    }


def _listed(flavor: str, fake: FakeVenice) -> Any:
    if flavor == "sync":
        with Venice(api_key=API_KEY, base_url=fake.base_url, max_retries=0) as client:
            return client.call(list_models)

    async def run() -> Any:
        transport = {"transport": aiohttp_transport()} if flavor == "async-aiohttp" else {}
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, max_retries=0, **transport) as client:
            return await client.call(list_models)

    return asyncio.run(run())


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("body", ["bom", "lone-surrogate", "utf-16"])
def test_a_body_only_json_loads_reads_parses_on_every_client(flavor: str, body: str, fake: FakeVenice) -> None:
    content = _bodies(fake)[body]
    fake.script("GET", "/models", Reply(body=content, content_type="application/json"))
    listed = _listed(flavor, fake)
    assert isinstance(listed, ListModelsResponse)
    assert [model.id for model in listed.data] == ["model-\ud800"]
    assert listed.to_dict()["data"] == json.loads(content)["data"]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_body_no_decoder_reads_is_still_the_typed_error(flavor: str, fake: FakeVenice) -> None:
    fake.script("GET", "/models", Reply(body=b'{"object": "list", "data": [', content_type="application/json"))
    with pytest.raises(errors.ResponseValidationError) as caught:
        _listed(flavor, fake)
    assert caught.value.body == b'{"object": "list", "data": ['
