"""Saving a job's media, what makes it the right file: the async twin retries exactly as
the sync one does (hypothesis over sequences of attempts), a resume into another version
of the file starts over, a 206 to a whole-file request is not the whole file, and a file
that does not match the server's checksum is never committed.

The bodies and the scripted job come from test_download.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ext.conftest import API_KEY, FakeClock
from tests.ext.test_download import PARAMS, PIECE, QUEUE_ID, leftovers, media, whole, with_download_url
from venice_ext import AsyncVenice, Venice
from venice_ext import errors as e
from venice_ext.jobs._download import DEFAULT_RETRIES, DownloadFailed, Retryable, async_save_stream, save_stream
from venice_ext.testing import DropAfter, FakeVenice, Reply

# An attempt: the whole body, a body cut short, a dropped connection, or a 5xx worth another try.
ATTEMPTS = st.sampled_from(["whole", "short", "dropped", "retryable"])
BODY = bytes(range(256)) * 4


def attempt_answer(kind: str) -> httpx.Response:
    request = httpx.Request("GET", "https://files.example/v.mp4")
    if kind == "dropped":
        raise httpx.ReadError("connection reset by peer", request=request)
    if kind == "retryable":
        raise Retryable(e.ServerError("502 Bad Gateway", status_code=502, body=b"", request_id=None))
    body = BODY if kind == "whole" else BODY[:100]
    return httpx.Response(
        200, headers={"content-length": str(len(BODY))}, stream=httpx.ByteStream(body), request=request
    )


Trace = tuple[Any, list[int], list[float]]  # the size saved or ("gave up", attempts); offsets asked; sleeps


def sync_trace(kinds: list[str], options: dict[str, int]) -> Trace:
    answers, offsets, sleeps = iter(kinds), [], []

    def send(offset: int, validator: str | None) -> httpx.Response:
        offsets.append(offset)
        return attempt_answer(next(answers))

    with tempfile.TemporaryDirectory() as directory:
        try:
            return save_stream(Path(directory) / "v.mp4", send, sleep=sleeps.append, **options), offsets, sleeps
        except DownloadFailed as failed:
            return ("gave up", failed.attempts), offsets, sleeps


def async_trace(kinds: list[str], options: dict[str, int]) -> Trace:
    answers, offsets, sleeps = iter(kinds), [], []

    async def send(offset: int, validator: str | None) -> httpx.Response:
        offsets.append(offset)
        return attempt_answer(next(answers))

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    with tempfile.TemporaryDirectory() as directory:
        try:
            saved = asyncio.run(async_save_stream(Path(directory) / "v.mp4", send, sleep=sleep, **options))
            return saved, offsets, sleeps
        except DownloadFailed as failed:
            return ("gave up", failed.attempts), offsets, sleeps


@given(kinds=st.lists(ATTEMPTS, max_size=7), retries=st.none() | st.integers(0, 5))
@settings(max_examples=60, deadline=None)
def test_async_downloads_retry_exactly_like_sync_ones(kinds: list[str], retries: int | None) -> None:
    # Without `retries` both use their own default, which must be the same.
    options = {} if retries is None else {"retries": retries}
    limit = DEFAULT_RETRIES if retries is None else retries
    kinds = [*kinds, "whole"]
    failures = kinds.index("whole")
    synced = sync_trace(kinds, options)
    assert async_trace(kinds, options) == synced
    if failures <= limit:
        assert synced[0] == len(BODY) and len(synced[1]) == failures + 1
    else:
        assert synced[0] == ("gave up", limit + 1) and len(synced[1]) == limit + 1


@pytest.mark.parametrize("twin", ["sync", "async"])
def test_a_resume_into_another_version_of_the_file_starts_over(
    fake: FakeVenice, downloads: FakeVenice, clock: FakeClock, tmp_path: Path, twin: str
) -> None:
    size, changed = 5 * PIECE + 123, 6 * PIECE + 9
    with_download_url(fake, downloads)
    path = f"/downloads/{QUEUE_ID}.mp4"
    downloads.script(
        "GET",
        path,
        DropAfter(2 * PIECE + 500, media(size, honour_range=True, chunk_delay=0.05, headers={"etag": '"v1"'})),
        # A server that ignores If-Range: the rest of a file of another length.
        media(changed, honour_range=True, headers={"etag": '"v2"'}),
        media(changed, honour_range=True, headers={"etag": '"v2"'}),
    )
    target = tmp_path / "v.mp4"
    if twin == "sync":
        with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            client.video.generate(path=target, **PARAMS)
    else:

        async def run() -> None:
            async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
                await client.video.generate(path=target, **PARAMS)

        asyncio.run(run())
    assert target.read_bytes() == whole(changed), "one version, whole; never a splice of two"
    first, second, third = downloads.requests_to("GET", path)
    assert "if-range" not in first.headers and second.headers["if-range"] == '"v1"'
    assert "range" in second.headers and "range" not in third.headers
    assert leftovers(tmp_path, target) == []


def test_a_206_to_a_request_for_the_whole_file_is_not_saved_as_the_whole(
    fake: FakeVenice, downloads: FakeVenice, client: Venice, tmp_path: Path
) -> None:
    size = 3 * PIECE
    with_download_url(fake, downloads)
    path = f"/downloads/{QUEUE_ID}.mp4"
    part = whole(size)[:PIECE]
    partial = Reply(206, body=part, content_type="video/mp4", headers={"content-range": f"bytes 0-{PIECE - 1}/{PIECE}"})
    downloads.script("GET", path, partial, media(size))
    target = tmp_path / "v.mp4"
    client.video.generate(path=target, **PARAMS)
    assert target.read_bytes() == whole(size)
    assert len(downloads.requests_to("GET", path)) == 2


def test_a_file_that_does_not_match_the_servers_checksum_is_never_committed(
    fake: FakeVenice, downloads: FakeVenice, client: Venice, tmp_path: Path
) -> None:
    import base64

    size = 2 * PIECE + 5
    good = whole(size)
    md5 = base64.b64encode(hashlib.md5(good).digest()).decode()
    corrupt = bytes(b ^ 0xFF for b in good[:10]) + good[10:]
    with_download_url(fake, downloads)
    path = f"/downloads/{QUEUE_ID}.mp4"
    bad = Reply(body=corrupt, content_type="video/mp4", headers={"content-md5": md5})
    downloads.script("GET", path, bad, Reply(body=good, content_type="video/mp4", headers={"content-md5": md5}))
    target = tmp_path / "v.mp4"
    client.video.generate(path=target, **PARAMS)
    assert target.read_bytes() == good and len(downloads.requests_to("GET", path)) == 2

    fake.reset()
    downloads.reset()
    again = tmp_path / "again.mp4"
    again.write_bytes(b"the previous take")
    with_download_url(fake, downloads)
    downloads.script("GET", path, *[bad] * (DEFAULT_RETRIES + 1))
    with pytest.raises(e.DownloadError, match="checksum"):
        client.video.generate(path=again, **PARAMS)
    assert again.read_bytes() == b"the previous take"
