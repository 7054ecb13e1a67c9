"""`to_file(path)` views: the path is checked before anything billable is sent, and the
answer is saved there atomically; sync and async, over real sockets to FakeVenice."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from venice_ext import AsyncVenice, Media, OutputPathError, Venice
from venice_ext.testing import FakeVenice

IMAGE = {"model": "venice-sd35", "prompt": "a lighthouse at dusk"}


def _billable(fake: FakeVenice) -> int:
    return len(fake.requests_to("POST", "/image/generate")) + len(fake.requests_to("POST", "/audio/speech"))


def _bad_targets(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    return [folder, tmp_path / "missing" / "out.png"]


def test_sync_image_is_saved_where_asked(fake: FakeVenice, client: Venice, tmp_path: Path) -> None:
    target = tmp_path / "out.png"
    media = client.images.to_file(target).generate(**IMAGE)
    assert isinstance(media, Media) and target.read_bytes() == bytes(media) and len(media) > 0
    assert _billable(fake) == 1
    assert not [p for p in tmp_path.iterdir() if p != target], "no temporary file left beside it"


def test_async_image_is_saved_where_asked(fake: FakeVenice, async_client: AsyncVenice, tmp_path: Path) -> None:
    target = tmp_path / "out.png"

    async def run() -> Media:
        async with async_client:
            return await async_client.images.to_file(target).generate(**IMAGE)

    media = asyncio.run(run())
    assert target.read_bytes() == bytes(media) and _billable(fake) == 1


def test_sync_bad_paths_are_refused_before_paying(fake: FakeVenice, client: Venice, tmp_path: Path) -> None:
    for target in _bad_targets(tmp_path):
        with pytest.raises(OutputPathError):
            client.images.to_file(target).generate(**IMAGE)
        with pytest.raises(OutputPathError):
            client.audio.speech.to_file(target).create(input="hello")
    existing = tmp_path / "kept.png"
    existing.write_bytes(b"mine")
    with pytest.raises(OutputPathError, match="exists"):
        client.images.to_file(existing, overwrite=False).generate(**IMAGE)
    assert existing.read_bytes() == b"mine"
    assert _billable(fake) == 0


def test_a_path_that_breaks_after_the_view_is_made_is_still_refused_before_paying(
    fake: FakeVenice, client: Venice, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    images = client.images.to_file(folder / "x.png")
    folder.rmdir()
    with pytest.raises(OutputPathError):
        images.generate(**IMAGE)
    assert _billable(fake) == 0


def test_async_bad_paths_are_refused_before_paying(fake: FakeVenice, async_client: AsyncVenice, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    images = async_client.images.to_file(folder / "x.png")
    speech = async_client.audio.speech.to_file(folder / "x.mp3")
    folder.rmdir()

    async def run() -> None:
        async with async_client:
            with pytest.raises(OutputPathError):
                await images.generate(**IMAGE)
            with pytest.raises(OutputPathError):
                await speech.create(input="hello")

    asyncio.run(run())
    assert _billable(fake) == 0


def test_a_read_only_folder_is_refused(
    fake: FakeVenice, client: Venice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root may write anywhere, so the folder's permissions are what os.access reports.
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path and real_access(path, mode))
    with pytest.raises(OutputPathError, match="not writable"):
        client.images.to_file(tmp_path / "x.png")
    with pytest.raises(OutputPathError, match="not writable"):
        client.audio.speech.to_file(tmp_path / "x.mp3")
    assert _billable(fake) == 0


def test_sync_speech_is_saved_with_its_type(fake: FakeVenice, client: Venice, tmp_path: Path) -> None:
    target = tmp_path / "hello.wav"
    audio = client.audio.speech.to_file(target).create(input="hello", response_format="wav")
    assert audio.content_type == "audio/wav" and target.read_bytes() == bytes(audio)
    assert client.audio.speech.create(input="hello").content_type == "audio/mpeg"


def test_async_speech_is_saved(fake: FakeVenice, async_client: AsyncVenice, tmp_path: Path) -> None:
    target = tmp_path / "hello.mp3"

    async def run() -> Media:
        async with async_client:
            return await async_client.audio.speech.to_file(target).create(input="hello")

    audio = asyncio.run(run())
    assert target.read_bytes() == bytes(audio) and audio.content_type == "audio/mpeg"
