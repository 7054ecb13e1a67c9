"""`audio.transcriptions.create` answers a transcription with `.text` whatever the response
format: JSON, or the plain text the text formats arrive as; sync and async, over sockets."""

from __future__ import annotations

import asyncio

import pytest

from venice_ext import AsyncVenice, Venice
from venice_ext.testing import FakeVenice, Reply

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt "
PATH = "/audio/transcriptions"


@pytest.mark.parametrize(
    ("reply", "text"),
    [
        (Reply(json={"text": "Hello there.", "duration": 1.5}), "Hello there."),
        (Reply(body="Hello there.\n", content_type="text/plain"), "Hello there.\n"),
    ],
    ids=["json", "text"],
)
def test_sync_and_async_transcripts_have_text(fake: FakeVenice, client: Venice, reply: Reply, text: str) -> None:
    fake.script("POST", PATH, reply, reply)
    sync = client.audio.transcriptions.create(file=WAV, model="nvidia/parakeet-tdt-0.6b-v3")

    async def run() -> str:
        async with AsyncVenice(api_key="test-key", base_url=fake.base_url) as async_client:
            answer = await async_client.audio.transcriptions.create(file=WAV, model="nvidia/parakeet-tdt-0.6b-v3")
            return answer.text

    assert sync.text == text and asyncio.run(run()) == text
    assert len(fake.requests_to("POST", PATH)) == 2
