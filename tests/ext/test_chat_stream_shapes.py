"""Streamed chat chunks of every shape: the fast decoder against typing the decoded dict,
wrong and null shapes as typed errors or empty, odd framings and gzip over real sockets.

(The chunk builders come from test_chat_stream.py, which holds the stream's behaviour.)
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ext.conftest import API_KEY
from tests.ext.test_chat_stream import HELLO, MESSAGES, MODEL, chunk, frame, stream_of
from venice_ext import AsyncVenice, Venice
from venice_ext import errors as e
from venice_ext._core._chunks import ChatCompletionChunk
from venice_ext.testing import SSE, FakeVenice

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
tool_call_shapes = st.fixed_dictionaries(
    {},
    optional={
        "index": json_values,
        "id": json_values,
        "function": st.none() | st.dictionaries(st.sampled_from(["name", "arguments", "x"]), json_values),
    },
)
delta_shapes = st.none() | st.fixed_dictionaries(
    {},
    optional={
        "content": json_values,
        "role": json_values,
        "tool_calls": st.none() | st.lists(tool_call_shapes, max_size=2),
        "new": json_values,
    },
)
choice_shapes = st.fixed_dictionaries(
    {}, optional={"index": json_values, "delta": delta_shapes, "finish_reason": json_values, "logprobs": json_values}
)
chunk_shapes = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"choices": st.none() | st.lists(choice_shapes, max_size=2) | json_values},
        optional={
            "id": json_values,
            "usage": json_values,
            "new_top": json_values,
            "__venice_ext_source__": json_values,
        },
    ),
)


def typed_view(chunk: ChatCompletionChunk) -> Any:
    return [chunk.raw, chunk.id, chunk.usage, [(c.index, c.delta, c.finish_reason, c.logprobs) for c in chunk.choices]]


@given(shape=chunk_shapes)
@settings(max_examples=300)
def test_the_fast_chunk_decoder_agrees_with_typing_the_decoded_dict(shape: Any) -> None:
    from venice_ext._core._chunks import ChunkError, decode_chunk

    text = json.dumps(shape)
    fast = decode_chunk(text)
    try:
        general = ChatCompletionChunk.from_json(json.loads(text))
    except ChunkError:
        assert fast is None, "what the general path refuses, the fast one hands over"
        return
    if fast is not None:
        assert typed_view(fast) == typed_view(general) and fast == general
        assert (
            fast.extra == general.extra == {k: v for k, v in shape.items() if k in ("new_top", "__venice_ext_source__")}
        )


def handled(handler: Any, event: Any) -> Any:
    """What a chunk handler makes of one event: the typed view, None, or the error's type."""
    try:
        item = handler.on_event(event)
    except e.VeniceError as exc:
        return type(exc)
    return None if item is None else typed_view(item)


@given(
    body=st.one_of(
        chunk_shapes.map(lambda shape: json.dumps(shape).encode()), st.binary(max_size=60), st.just(b"[DONE]")
    )
)
@settings(max_examples=300)
def test_the_handler_types_plain_bytes_as_it_types_decoded_events(body: bytes) -> None:
    from venice_ext._core._sse import ServerSentEvent
    from venice_ext._core._streaming import ChatChunkHandler

    fast, general = ChatChunkHandler(httpx.Headers()), ChatChunkHandler(httpx.Headers())
    assert handled(fast, body) == handled(general, ServerSentEvent(body.decode("utf-8", "replace")))
    assert fast.done == general.done and fast.accumulator.to_json() == general.accumulator.to_json()


@pytest.mark.parametrize(
    "body",
    [b'{"choices": {"a": 1}}', b'{"choices": [5]}', b'{"choices": [{"delta": 3}]}', b"[1, 2]", b'"text"'],
)
def test_chunks_of_the_wrong_shape_are_typed_errors(fake: FakeVenice, client: Venice, body: bytes) -> None:
    fake.script("POST", "/chat/completions", SSE([HELLO[0], b"data: " + body + b"\n\n"]))
    with stream_of(client) as stream, pytest.raises(e.ResponseValidationError):
        list(stream)


def test_null_choices_and_null_delta_are_read_as_empty(fake: FakeVenice, client: Venice) -> None:
    odd = [chunk(None, usage=None) | {"choices": None}, chunk([{"index": 0, "delta": None, "finish_reason": None}])]
    fake.script("POST", "/chat/completions", SSE([*odd, *HELLO]))
    with stream_of(client) as stream:
        chunks = list(stream)
    assert chunks[0].choices == [] and chunks[1].choices[0].delta.content is None
    assert stream.handler.completion().choices[0].message.content == "Hello!"


def _odd_framing() -> list[bytes]:
    # BOM split across writes, CRLF and CR line ends, comments, id/retry fields, a multi-line
    # data event, then plain LF blocks packed into one write (the fast path's case).
    first, second, third = (json.dumps(c) for c in HELLO)
    half = second.index(', "choices"') + 1  # a LF between JSON tokens is whitespace
    return [
        b"\xef\xbb",
        b"\xbf: hello\r\nid: 1\r\nretry: 5\r\ndata: " + first.encode() + b"\r\n\r",
        b"\n:ping\rdata: " + second[:half].encode() + b"\ndata:" + second[half:].encode(),
        b"\n\ndata: " + third.encode() + b"\n\ndata: [DONE]\n\n",
    ]


def test_odd_framings_over_a_real_socket_sync_and_async(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/chat/completions", SSE(_odd_framing(), done=False, delay=0.01))
    fake.script("POST", "/chat/completions", SSE(_odd_framing(), done=False, delay=0.01))
    assert stream_of(client).final().choices[0].message.content == "Hello!"

    async def main() -> str:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url) as async_client:
            stream = await async_client.chat.completions.stream(model=MODEL, messages=MESSAGES)
            return (await stream.final()).choices[0].message.content

    assert asyncio.run(main()) == "Hello!"


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
def test_a_gzip_coded_stream_is_decoded_sync_and_async(fake: FakeVenice, client: Venice, transport: str) -> None:
    # Only a body without a content coding is read straight from the transport's stream.
    import gzip

    from venice_ext import aiohttp_transport

    body = gzip.compress(b"".join(map(frame, HELLO)) + b"data: [DONE]\n\n")
    gzipped = SSE([body[:20], body[20:]], done=False, delay=0.01, headers={"content-encoding": "gzip"})
    fake.script("POST", "/chat/completions", gzipped, gzipped)
    assert stream_of(client).final().choices[0].message.content == "Hello!"

    async def main() -> str:
        extra = {"transport": aiohttp_transport()} if transport == "aiohttp" else {}
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, **extra) as async_client:
            stream = await async_client.chat.completions.stream(model="m", messages=MESSAGES)
            return (await stream.final()).choices[0].message.content

    assert asyncio.run(main()) == "Hello!"
