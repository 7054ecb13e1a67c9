"""Streamed speech against the fake server: chunks as they arrive, atomic files, errors, create()."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ext.conftest import API_KEY
from venice_ext import AsyncSpeechStream, AsyncVenice, SpeechStream, Venice
from venice_ext import errors as e
from venice_ext.testing import DropAfter, FakeVenice, Reply, Stall
from venice_ext.testing._canned_media import TINY_MP3

# Four frames of a (silent) MP3, as a sentence-by-sentence stream would deliver them.
CHUNKS = [TINY_MP3[:4] + bytes([n]) * (len(TINY_MP3) - 4) for n in range(4)]
AUDIO = b"".join(CHUNKS)


def audio_reply(**options: Any) -> Reply:
    return Reply(chunks=CHUNKS, content_type="audio/mpeg", **options)


def wire_length(chunks: list[bytes]) -> int:
    """Bytes of these chunks on the wire, chunked framing included."""
    return sum(len(f"{len(chunk):x}\r\n") + len(chunk) + 2 for chunk in chunks)


def stream_of(client: Venice, **params: Any) -> SpeechStream:
    return client.audio.speech.stream(input="Hello, welcome to Venice Voice.", model="tts-kokoro", **params)


def test_chunks_arrive_as_sent(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/audio/speech", audio_reply(chunk_delay=0.2))
    started = time.monotonic()
    with stream_of(client, voice="af_sky") as stream:
        assert stream.content_type == "audio/mpeg"
        first = next(stream)
        first_at = time.monotonic() - started
        rest = list(stream)
    assert [first, *rest] == CHUNKS
    assert first_at < time.monotonic() - started - 0.3, "the first chunk is handed over before the rest is sent"
    assert (stream.bytes_received, stream.chunks_received) == (len(AUDIO), len(CHUNKS))
    assert stream.response.is_closed
    sent = fake.requests[-1].json()
    assert sent == {
        "input": "Hello, welcome to Venice Voice.",
        "model": "tts-kokoro",
        "voice": "af_sky",
        "streaming": True,
    }


def test_stream_to_file_writes_exactly_the_bytes_and_no_temp_file(
    fake: FakeVenice, client: Venice, tmp_path: Path
) -> None:
    fake.script("POST", "/audio/speech", audio_reply(), audio_reply())
    target = tmp_path / "hello.mp3"
    with stream_of(client) as stream:
        assert stream.stream_to_file(target) == target
    assert target.read_bytes() == AUDIO
    assert [path.name for path in tmp_path.iterdir()] == ["hello.mp3"]
    target.write_bytes(b"old")
    stream_of(client).stream_to_file(str(target))
    assert target.read_bytes() == AUDIO, "an existing file is replaced"


@pytest.mark.parametrize("existing", [None, b"the previous take"], ids=["new", "replacing"])
def test_a_failure_midway_leaves_the_target_untouched(
    fake: FakeVenice, client: Venice, tmp_path: Path, existing: bytes | None
) -> None:
    target = tmp_path / "hello.mp3"
    if existing is not None:
        target.write_bytes(existing)
    fake.script("POST", "/audio/speech", DropAfter(wire_length(CHUNKS[:2]) + 10, audio_reply()))
    with stream_of(client) as stream, pytest.raises(e.StreamInterruptedError) as caught:
        stream.stream_to_file(target)
    assert caught.value.partial == stream.bytes_received >= len(CHUNKS[0] + CHUNKS[1])
    if existing is None:
        assert list(tmp_path.iterdir()) == []
    else:
        assert list(tmp_path.iterdir()) == [target] and target.read_bytes() == existing


def test_stream_to_file_wants_the_whole_body(fake: FakeVenice, client: Venice, tmp_path: Path) -> None:
    fake.script("POST", "/audio/speech", audio_reply())
    with stream_of(client) as stream:
        next(stream)
        with pytest.raises(RuntimeError, match="already read"):
            stream.stream_to_file(tmp_path / "hello.mp3")
    assert list(tmp_path.iterdir()) == []


def test_leaving_early_closes_the_response(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/audio/speech", audio_reply(chunk_delay=0.5))
    started = time.monotonic()
    with stream_of(client) as stream:
        assert next(stream) == CHUNKS[0]
    assert stream.response.is_closed
    assert time.monotonic() - started < 1.0, "closing does not wait for the rest of the audio"
    assert client.audio.speech.create(input="again") == TINY_MP3, "the client still works"


def test_a_connection_lost_mid_body_is_an_interruption(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/audio/speech", DropAfter(wire_length(CHUNKS[:1]) + 5, audio_reply()))
    received: list[bytes] = []
    with stream_of(client) as stream, pytest.raises(e.StreamInterruptedError) as caught:
        received.extend(stream)
    assert b"".join(received) == AUDIO[: stream.bytes_received]
    assert caught.value.partial == stream.bytes_received and caught.value.chunks_received == len(received)
    assert len(fake.requests_to("POST", "/audio/speech")) == 1, "never retried once the audio began"


def test_a_body_shorter_than_content_length_is_an_interruption(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/audio/speech", DropAfter(50, Reply(body=TINY_MP3, content_type="audio/mpeg")))
    with stream_of(client) as stream, pytest.raises(e.StreamInterruptedError):
        list(stream)
    assert stream.bytes_received <= 50


def test_content_length_is_checked_even_where_the_transport_does_not() -> None:
    # A transport that hands over a short body without complaint (as a mock or another HTTP stack might).
    request = httpx.Request("POST", "https://api.venice.ai/api/v1/audio/speech")
    response = httpx.Response(200, headers={"content-length": "100"}, stream=httpx.ByteStream(b"abc"), request=request)
    with SpeechStream(response) as stream, pytest.raises(e.StreamInterruptedError, match="3 of 100 bytes"):
        list(stream)


def test_an_error_status_before_the_audio_raises(fake: FakeVenice, client: Venice) -> None:
    invalid = {"error": "Invalid voice for model", "details": {"voice": {"_errors": ["unknown voice"]}}}
    fake.script(
        "POST",
        "/audio/speech",
        Reply(400, json=invalid),
        Reply(402, json={"error": "Insufficient USD or Diem balance"}),
    )
    with pytest.raises(e.BadRequestError) as caught:
        stream_of(client, voice="nobody")
    # Venice's details belong in the message, not only in the body.
    assert caught.value.message.startswith("Invalid voice for model") and "unknown voice" in caught.value.message
    assert caught.value.body["details"]
    with pytest.raises(e.InsufficientBalanceError):
        client.audio.speech.create(input="hi")


def test_idle_timeout_between_chunks(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/audio/speech", audio_reply(chunk_delay=1.0))
    with stream_of(client, idle_timeout=0.2) as stream, pytest.raises(e.APITimeoutError):
        list(stream)


def test_create_returns_the_audio(fake: FakeVenice, client: Venice) -> None:
    audio = client.audio.speech.create(input="Hello", voice="af_bella", response_format="mp3", speed=1.25)
    assert audio == TINY_MP3
    sent = fake.requests[-1].json()
    assert sent == {"input": "Hello", "voice": "af_bella", "response_format": "mp3", "speed": 1.25}


def test_parameters_are_checked_against_the_spec(client: Venice) -> None:
    with pytest.raises(e.RequestValidationError, match=r"audio.speech.stream"):
        client.audio.speech.create(input="hi", streaming=True)
    with pytest.raises(e.RequestValidationError, match="pitch"):
        client.audio.speech.stream(input="hi", pitch=2)
    with pytest.raises(e.RequestValidationError, match="speed"):
        client.audio.speech.create(input="hi", speed="fast")
    with pytest.raises(e.RequestValidationError, match="input"):
        client.audio.speech.create(input=42)  # type: ignore[arg-type]


def test_extra_body_sends_what_the_spec_does_not_know(fake: FakeVenice, client: Venice) -> None:
    fake.script("POST", "/audio/speech", audio_reply())
    assert b"".join(stream_of(client, extra_body={"emotion": "calm"})) == AUDIO
    assert fake.requests[-1].json()["emotion"] == "calm"


def test_async_twin(fake: FakeVenice, tmp_path: Path) -> None:
    fake.script(
        "POST",
        "/audio/speech",
        audio_reply(),
        audio_reply(),
        DropAfter(wire_length(CHUNKS[:2]) + 3, audio_reply()),
    )
    target = tmp_path / "hello.mp3"

    async def main() -> tuple[list[bytes], type[BaseException] | None, bytes]:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url) as client:
            async with await client.audio.speech.stream(input="hi") as stream:
                assert isinstance(stream, AsyncSpeechStream)
                chunks = [chunk async for chunk in stream]
            async with await client.audio.speech.stream(input="hi") as stream:
                await stream.stream_to_file(target)
            failure: type[BaseException] | None = None
            try:
                async with await client.audio.speech.stream(input="hi") as stream:
                    await stream.stream_to_file(tmp_path / "broken.mp3")
            except e.StreamInterruptedError as exc:
                failure = type(exc)
            return chunks, failure, await client.audio.speech.create(input="hi")

    chunks, failure, created = asyncio.run(main())
    assert chunks == CHUNKS and failure is e.StreamInterruptedError and created == TINY_MP3
    assert target.read_bytes() == AUDIO
    assert [path.name for path in tmp_path.iterdir()] == ["hello.mp3"], "no broken file, no temp file"


def _twins(fake: FakeVenice) -> list[Any]:
    """Read the streamed audio whole: sync, async over httpx, async over aiohttp."""
    from tests.ext.conftest import FakeClock
    from venice_ext import aiohttp_transport

    hooks = FakeClock().hooks()

    def sync(**options: Any) -> bytes:
        with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=hooks) as client:
            return b"".join(stream_of(client, **options))

    def on_async(transport: Any) -> Any:
        async def read(**options: Any) -> bytes:
            async with AsyncVenice(
                api_key=API_KEY, base_url=fake.base_url, hooks=hooks, transport=transport() if transport else None
            ) as client:
                stream = await client.audio.speech.stream(input="Hello.", model="tts-kokoro", **options)
                return b"".join([chunk async for chunk in stream])

        return lambda **options: asyncio.run(read(**options))

    return [sync, on_async(None), on_async(aiohttp_transport)]


def test_stream_per_call_options_reach_the_wire(fake: FakeVenice) -> None:
    fake.set_default("POST", "/audio/speech", audio_reply())
    for index, read in enumerate(_twins(fake)):
        assert read(extra_query={"trace": f"on-{index}"}, extra_headers={"X-Trace": f"t-{index}"}) == AUDIO
        seen = fake.requests_to("POST", "/audio/speech")[-1]
        assert f"trace=on-{index}" in seen.query and seen.headers.get("x-trace") == f"t-{index}"


def test_stream_max_retries_0_stops_the_retry_the_default_makes(fake: FakeVenice) -> None:
    busy = Reply(status=503, json={"error": "busy"})
    sent = 0
    for read in _twins(fake):
        fake.script("POST", "/audio/speech", busy, audio_reply(), busy)
        assert read() == AUDIO  # the default retries the 503
        with pytest.raises(e.APIStatusError) as caught:
            read(max_retries=0)
        assert caught.value.status_code == 503
        sent += 3
        assert len(fake.requests_to("POST", "/audio/speech")) == sent


def test_stream_timeout_is_a_per_call_httpx_timeout(fake: FakeVenice) -> None:
    for read in _twins(fake):
        fake.script("POST", "/audio/speech", Stall(1.0, audio_reply()))
        with pytest.raises(e.APITimeoutError):
            read(timeout=0.2, max_retries=0)


def test_stream_retry_ambiguous_repeats_a_502_the_default_does_not(fake: FakeVenice) -> None:
    bad_gateway = Reply(status=502, json={"error": "upstream"})
    sent = 0
    for read in _twins(fake):
        fake.script("POST", "/audio/speech", bad_gateway, bad_gateway, audio_reply())
        with pytest.raises(e.APIStatusError):
            read()  # billable: an ambiguous failure is not repeated by default
        assert read(retry_ambiguous=True) == AUDIO
        sent += 3
        assert len(fake.requests_to("POST", "/audio/speech")) == sent
