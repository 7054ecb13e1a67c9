"""A deadline bounds a whole streamed call: a server that only pings is cut off at it.

The server sends one chunk, then SSE comments: each is activity for the idle timeout,
so without a deadline `final()` would wait for as long as the pings last. The retry
transport leaves the deadline's end in the response's extensions and the stream
reader checks it between reads: the call ends with StreamTimeoutError carrying the
partial text. The pings are bounded (count and pace), so a broken check ends the
test with a wrong outcome rather than hanging it.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from tests.ext.conftest import API_KEY
from venice_ext import AsyncVenice, Venice, aiohttp_transport
from venice_ext import errors as e
from venice_ext.testing import SSE, FakeVenice, Reply

MESSAGES = [{"role": "user", "content": "hi"}]
FIRST = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1760000000,
    "model": "m",
    "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}, "finish_reason": None}],
}
PINGS = 1500  # 30 s at 20 ms each: far past any deadline below


class Pinger:
    """An endless-looking stream of keep-alive comments that counts what it sent."""

    def __init__(self) -> None:
        self.sent = 0
        self._lock = threading.Lock()

    def ping(self) -> str:
        with self._lock:
            self.sent += 1
        return ": ping\n\n"

    def script(self, fake: FakeVenice, path: str, first: Any) -> None:
        fake.script("POST", path, SSE([first, *[self.ping] * PINGS], done=False, delay=0.02))


def _check(caught: pytest.ExceptionInfo[e.StreamTimeoutError], pinger: Pinger) -> None:
    assert isinstance(caught.value, e.APITimeoutError) and isinstance(caught.value, e.StreamInterruptedError)
    assert "deadline" in str(caught.value)
    assert caught.value.partial["choices"][0]["message"]["content"] == "Hel"
    assert 0 < pinger.sent < PINGS, "the stream ended at the deadline, not when the pings ran out"


@pytest.mark.parametrize("where", ["client", "call"])
def test_sync_a_deadline_ends_a_stream_that_only_pings(fake: FakeVenice, where: str) -> None:
    pinger = Pinger()
    pinger.script(fake, "/chat/completions", FIRST)
    client_deadline = {"deadline": 0.5} if where == "client" else {}
    call_deadline = {"deadline": 0.5} if where == "call" else {}
    with Venice(api_key=API_KEY, base_url=fake.base_url, **client_deadline) as client:
        stream = client.chat.completions.stream(model="m", messages=MESSAGES, idle_timeout=5.0, **call_deadline)
        with stream, pytest.raises(e.StreamTimeoutError) as caught:
            stream.final()
        assert stream.response.is_closed
    _check(caught, pinger)


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
@pytest.mark.parametrize("where", ["client", "call"])
def test_async_a_deadline_ends_a_stream_that_only_pings(fake: FakeVenice, transport: str, where: str) -> None:
    pinger = Pinger()
    pinger.script(fake, "/chat/completions", FIRST)
    options: dict[str, Any] = {"api_key": API_KEY, "base_url": fake.base_url}
    if transport == "aiohttp":
        options["transport"] = aiohttp_transport()
    if where == "client":
        options["deadline"] = 0.5
    call_deadline = {"deadline": 0.5} if where == "call" else {}

    async def run() -> None:
        async with AsyncVenice(**options) as client:
            stream = await client.chat.completions.stream(
                model="m", messages=MESSAGES, idle_timeout=5.0, **call_deadline
            )
            async with stream:
                await stream.final()

    with pytest.raises(e.StreamTimeoutError) as caught:
        asyncio.run(run())
    _check(caught, pinger)


RESPONSE_CREATED = {
    "type": "response.created",
    "sequence_number": 0,
    "response": {"id": "resp_1", "object": "response", "created_at": 1760000000, "status": "in_progress"},
}


@pytest.mark.parametrize("twin", ["sync", "async"])
def test_a_deadline_ends_a_responses_stream_that_only_pings(fake: FakeVenice, twin: str) -> None:
    pinger = Pinger()
    pinger.script(fake, "/responses", RESPONSE_CREATED)
    with pytest.raises(e.StreamTimeoutError) as caught:
        if twin == "sync":
            with Venice(api_key=API_KEY, base_url=fake.base_url) as client:
                client.responses.stream(model="m", input="hi", deadline=0.5).final()
        else:

            async def run() -> None:
                async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url) as client:
                    await (await client.responses.stream(model="m", input="hi", deadline=0.5)).final()

            asyncio.run(run())
    assert "deadline" in str(caught.value)
    assert 0 < pinger.sent < PINGS


@pytest.mark.parametrize("twin", ["sync", "async"])
def test_a_deadline_ends_a_speech_stream_that_keeps_trickling(fake: FakeVenice, twin: str) -> None:
    chunks = [b"\xff" * 64] * PINGS
    fake.script("POST", "/audio/speech", Reply(chunks=chunks, chunk_delay=0.02, content_type="audio/mpeg"))
    with pytest.raises(e.StreamTimeoutError) as caught:
        if twin == "sync":
            with Venice(api_key=API_KEY, base_url=fake.base_url) as client:
                for _ in client.audio.speech.stream(input="hi", deadline=0.5):
                    pass
        else:

            async def run() -> None:
                async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url) as client:
                    async for _ in await client.audio.speech.stream(input="hi", deadline=0.5):
                        pass

            asyncio.run(run())
    assert "deadline" in str(caught.value)
    assert 0 < caught.value.partial < 64 * PINGS
