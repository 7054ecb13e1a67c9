"""Saving a job's media: streamed to a temporary file, checked, resumed after a drop, renamed into
place; the pre-signed download URL fetched without the API key; a 200 MB file in bounded memory.

(test_download_integrity.py: the async retries against the sync ones, and what is never
saved as the whole file.)"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ext.conftest import API_KEY, FakeClock
from venice_ext import AsyncVenice, Venice
from venice_ext import errors as e
from venice_ext.jobs._download import DownloadFailed, save_stream
from venice_ext.testing import DropAfter, FakeVenice, Reply, Reset
from venice_ext.testing._canned_media import TINY_MP4

MODEL = "kling-v3-pro-text-to-video"
PARAMS: dict[str, Any] = {"model": MODEL, "prompt": "A heron takes off from the lagoon", "duration": "5s"}
QUEUE_ID = "c0ffee00-1111-4222-8333-444455556666"
PIECE = 64 * 1024


def pattern(size: int, seed: int = 20260101) -> Any:
    """A body of `size` bytes made piece by piece from a fixed seed, from any offset: `pattern(n)(offset)`."""

    def body_from(offset: int) -> Iterator[bytes]:
        index, skip = divmod(offset, PIECE)
        for number in range(index, -(-size // PIECE)):
            piece = random.Random(seed + number).randbytes(min(PIECE, size - number * PIECE))
            yield piece[skip:]
            skip = 0

    return body_from


def whole(size: int) -> bytes:
    return b"".join(pattern(size)(0))


def media(size: int, **options: Any) -> Reply:
    return Reply(body_from=pattern(size), body_size=size, content_type="video/mp4", **options)


def with_download_url(fake: FakeVenice, downloads: FakeVenice) -> str:
    url = f"{downloads.url}/downloads/{QUEUE_ID}.mp4?X-Amz-Expires=86400&X-Amz-Signature=5ee7"
    fake.script("POST", "/video/queue", Reply(json={"model": MODEL, "queue_id": QUEUE_ID, "download_url": url}))
    fake.script(
        "POST",
        "/video/retrieve",
        Reply(json={"status": "PROCESSING", "average_execution_time": 145000, "execution_duration": 141000}),
        Reply(json={"status": "COMPLETED", "average_execution_time": 145000, "execution_duration": 146000}),
    )
    return url


def leftovers(directory: Path, target: Path) -> list[Path]:
    return [path for path in directory.iterdir() if path != target]


# --- the pre-signed download URL -----------------------------------------------------------


@pytest.mark.parametrize("revoke", [False, True], ids=["kept", "revoked"])
def test_the_download_url_is_fetched_without_the_api_key(
    fake: FakeVenice, downloads: FakeVenice, clock: FakeClock, tmp_path: Path, revoke: bool
) -> None:
    with_download_url(fake, downloads)
    path = f"/downloads/{QUEUE_ID}.mp4"
    downloads.script("GET", path, Reply(body=TINY_MP4, content_type="video/mp4"))
    downloads.script("DELETE", path, Reply(204))
    target = tmp_path / "heron.mp4"
    secret_header = {"X-Team-Token": "not-for-other-hosts"}
    with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks(), default_headers=secret_header) as client:
        saved, job = client.video.generate(path=target, revoke_download_url=revoke, **PARAMS)
    assert saved.read_bytes() == TINY_MP4 and job.cleaned_up and job.download_url is not None
    [get] = downloads.requests_to("GET", path)
    assert "authorization" not in get.headers and "x-team-token" not in get.headers
    assert API_KEY not in str(get.headers)
    assert get.query == "X-Amz-Expires=86400&X-Amz-Signature=5ee7", "the pre-signed URL is used as given"
    assert len(downloads.requests_to("DELETE", path)) == (1 if revoke else 0)
    assert [r.path for r in fake.requests] == [
        "/video/quote",
        "/video/queue",
        "/video/retrieve",
        "/video/retrieve",
        "/video/complete",
    ], "the API host never sees the download"
    assert downloads.requests[0].received_at < fake.requests[-1].received_at, "cleanup after the file is saved"


@pytest.mark.parametrize(
    ("status", "headers", "match"),
    [(410, {}, "expired"), (429, {"Retry-After": "30"}, "retry after 30 s")],
)
def test_410_or_429_from_the_download_host_is_a_typed_error(
    fake: FakeVenice,
    downloads: FakeVenice,
    client: Venice,
    tmp_path: Path,
    status: int,
    headers: dict[str, str],
    match: str,
) -> None:
    with_download_url(fake, downloads)
    downloads.script("GET", f"/downloads/{QUEUE_ID}.mp4", Reply(status, json={"error": "no"}, headers=headers))
    target = tmp_path / "v.mp4"
    with pytest.raises(e.DownloadError, match=match) as caught:
        client.video.generate(path=target, **PARAMS)
    error = caught.value
    assert error.status_code == status and error.bytes_received == 0 and error.attempts == 1
    assert isinstance(error.error, e.GoneError if status == 410 else e.RateLimitError)
    assert error.retry_after == (30.0 if status == 429 else None)
    assert list(tmp_path.iterdir()) == [] and "/video/complete" not in [r.path for r in fake.requests]
    assert client.video.resume(error.job_json).download_url == error.job.download_url, "still resumable"


def test_network_errors_on_the_download_host_are_retried_lightly(
    fake: FakeVenice, downloads: FakeVenice, client: Venice, clock: FakeClock, tmp_path: Path
) -> None:
    with_download_url(fake, downloads)
    path = f"/downloads/{QUEUE_ID}.mp4"
    downloads.script(
        "GET", path, Reset(), Reply(502, body="bad gateway"), Reply(body=TINY_MP4, content_type="video/mp4")
    )
    saved, _ = client.video.generate(path=tmp_path / "v.mp4", **PARAMS)
    assert saved.read_bytes() == TINY_MP4
    assert len(downloads.requests_to("GET", path)) == 3
    assert clock.sleeps[-2:] == [0.5, 1.0]

    downloads.set_default("GET", path, Reset())
    with_download_url(fake, downloads)
    with pytest.raises(e.DownloadError, match="gave up after 4 attempt") as caught:
        client.video.generate(path=tmp_path / "w.mp4", **PARAMS)
    assert isinstance(caught.value.error, e.APIConnectionError)


def test_download_url_resumes_with_range(
    fake: FakeVenice, downloads: FakeVenice, client: Venice, tmp_path: Path
) -> None:
    size = 5 * PIECE + 123
    with_download_url(fake, downloads)
    path = f"/downloads/{QUEUE_ID}.mp4"
    downloads.script(
        "GET",
        path,
        DropAfter(2 * PIECE + 500, media(size, honour_range=True, chunk_delay=0.05)),
        media(size, honour_range=True),
    )
    target = tmp_path / "v.mp4"
    client.video.generate(path=target, **PARAMS)
    assert target.read_bytes() == whole(size)
    first, second = downloads.requests_to("GET", path)
    assert "range" not in first.headers
    offset = int(re.fullmatch(r"bytes=(\d+)-", second.headers["range"]).group(1))  # type: ignore[union-attr]
    assert 2 * PIECE <= offset <= 2 * PIECE + 500, "only the missing part was asked for"


# --- media delivered by /video/retrieve ------------------------------------------------------


@pytest.mark.parametrize("ranges", [True, False], ids=["resumed with Range", "restarted"])
def test_a_connection_dropped_mid_download_is_retried(
    fake: FakeVenice, client: Venice, tmp_path: Path, ranges: bool
) -> None:
    size = 6 * PIECE + 77
    target = tmp_path / "v.mp4"
    target.write_bytes(b"the previous take")
    fake.script(
        "POST",
        "/video/retrieve",
        DropAfter(3 * PIECE + 1000, media(size, honour_range=ranges, chunk_delay=0.05)),
        media(size, honour_range=ranges),
    )
    job = client.video.queue(**PARAMS)
    assert job.download(target) == target
    assert target.read_bytes() == whole(size), "byte-identical"
    assert leftovers(tmp_path, target) == []
    first, second = fake.requests_to("POST", "/video/retrieve")
    assert "range" not in first.headers and second.headers["range"].startswith("bytes=")
    assert 3 * PIECE <= int(second.headers["range"][6:-1]) <= 3 * PIECE + 1000
    assert second.json() == first.json()


def test_a_download_that_keeps_dropping_gives_up_and_leaves_nothing(
    fake: FakeVenice, client: Venice, tmp_path: Path
) -> None:
    size = 4 * PIECE
    target = tmp_path / "v.mp4"
    fake.set_default("POST", "/video/retrieve", DropAfter(PIECE + 10, media(size, chunk_delay=0.02)))
    with pytest.raises(e.DownloadError) as caught:
        client.video.generate(path=target, **PARAMS)
    error = caught.value
    assert error.attempts == 4 and PIECE <= error.bytes_received <= PIECE + 10 and error.expected_bytes == size
    assert isinstance(error.error, e.APIConnectionError)
    assert list(tmp_path.iterdir()) == [], "no partial file at the target, no temporary file either"
    assert "/video/complete" not in [r.path for r in fake.requests], "Venice's copy is kept for a retry"
    assert error.job.saved_path is None and not error.job.cleaned_up


def test_a_full_disk_leaves_no_partial_file_and_the_job_resumable(
    fake: FakeVenice, client: Venice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = 3 * PIECE
    fake.script("POST", "/video/retrieve", media(size))
    written: list[int] = []

    def write(self: Any, chunk: bytes) -> None:
        if written:
            raise OSError(28, "No space left on device")
        written.append(len(chunk))

    monkeypatch.setattr("venice_ext._core._files.AtomicFile.write", write)
    job = client.video.queue(**PARAMS)
    with pytest.raises(OSError, match="No space left") as caught:
        job.download(tmp_path / "v.mp4")
    assert list(tmp_path.iterdir()) == []
    assert any(job.queue_id in note and "resume" in note for note in caught.value.__notes__)
    monkeypatch.undo()
    fake.script("POST", "/video/retrieve", media(size))
    assert client.video.resume(job.to_json()).download(tmp_path / "v.mp4").read_bytes() == whole(size)


def test_content_length_and_content_range_are_checked(tmp_path: Path) -> None:
    """Against a transport that hands over short bodies without complaint, as a mock might."""
    request = httpx.Request("POST", "https://api.venice.ai/api/v1/video/retrieve")
    data = bytes(range(200))

    def answer(status: int, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body), request=request)

    answers = iter(
        [
            answer(200, data[:50], {"content-length": "200"}),  # short
            answer(206, data[60:], {"content-range": "bytes 60-199/200", "content-length": "140"}),  # wrong offset
            answer(200, data[:120], {"content-length": "200"}),  # short again, fresh start
            answer(206, data[120:], {"content-range": "bytes 120-199/200", "content-length": "80"}),
        ]
    )
    offsets: list[int] = []

    def send(offset: int, validator: str | None) -> httpx.Response:
        offsets.append(offset)
        return next(answers)

    sleeps: list[float] = []
    target = tmp_path / "v.mp4"
    assert save_stream(target, send, sleep=sleeps.append) == 200
    assert target.read_bytes() == data and offsets == [0, 50, 0, 120] and sleeps == [0.5, 1.0, 2.0]

    with pytest.raises(DownloadFailed, match="gave up after 2 attempt") as caught:
        save_stream(
            tmp_path / "w.mp4",
            lambda _, __: answer(200, b"abc", {"content-length": "9"}),
            retries=1,
            sleep=sleeps.append,
        )
    assert caught.value.bytes_received == 3 and caught.value.expected_bytes == 9
    assert sorted(path.name for path in tmp_path.iterdir()) == ["v.mp4"]


def test_200_mb_download_in_bounded_memory(fake: FakeVenice, client: Venice, tmp_path: Path) -> None:
    size = 200 * 1024 * 1024
    expected = hashlib.sha256()
    for piece in pattern(size)(0):
        expected.update(piece)
    fake.script("POST", "/video/retrieve", media(size))
    job = client.video.queue(**PARAMS)
    target = tmp_path / "big.mp4"

    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        started = time.monotonic()
        job.download(target)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()

    print(f"200 MB download: peak {peak / 2**20:.1f} MiB above baseline, {elapsed:.1f} s")
    assert peak < 50 * 2**20, f"peak memory {peak / 2**20:.1f} MiB above the baseline"
    assert target.stat().st_size == size
    actual = hashlib.sha256()
    with target.open("rb") as file:
        while block := file.read(2**20):
            actual.update(block)
    assert actual.hexdigest() == expected.hexdigest()


# --- async ---------------------------------------------------------------------------------------


def test_async_downloads(fake: FakeVenice, downloads: FakeVenice, clock: FakeClock, tmp_path: Path) -> None:
    size = 5 * PIECE + 9
    path = f"/downloads/{QUEUE_ID}.mp4"
    with_download_url(fake, downloads)
    downloads.script("GET", path, DropAfter(PIECE + 7, media(size, honour_range=True, chunk_delay=0.05)))
    downloads.script("GET", path, media(size, honour_range=True))
    downloads.script("DELETE", path, Reply(204))

    async def main() -> None:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            saved, job = await client.video.generate(path=tmp_path / "a.mp4", revoke_download_url=True, **PARAMS)
            assert saved.read_bytes() == whole(size) and job.cleaned_up

            fake.script(
                "POST",
                "/video/retrieve",
                DropAfter(2 * PIECE + 3, media(size, honour_range=True, chunk_delay=0.05)),
                media(size, honour_range=True),
            )
            other = await client.video.queue(**PARAMS)
            await other.download(tmp_path / "b.mp4")

            fake.script(
                "POST",
                "/video/queue",
                Reply(json={"model": MODEL, "queue_id": "q2", "download_url": downloads.url + "/gone.mp4"}),
            )
            fake.script("POST", "/video/retrieve", Reply(json={"status": "COMPLETED"}))
            downloads.script("GET", "/gone.mp4", Reply(410, json={"error": "expired"}))
            with pytest.raises(e.DownloadError, match="expired"):
                await client.video.generate(path=tmp_path / "c.mp4", **PARAMS)

    asyncio.run(main())
    assert (tmp_path / "b.mp4").read_bytes() == whole(size)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4", "b.mp4"]
    gets = downloads.requests_to("GET", path)
    assert all("authorization" not in r.headers for r in downloads.requests) and len(gets) == 2
    assert gets[1].headers["range"].startswith("bytes=") and len(downloads.requests_to("DELETE", path)) == 1


@pytest.mark.parametrize("twin", ["sync", "async"])
def test_a_retrieve_download_that_keeps_dropping_gives_up_after_the_same_attempts(
    twin: str, fake: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    size = 4 * PIECE
    fake.set_default("POST", "/video/retrieve", DropAfter(PIECE + 10, media(size, chunk_delay=0.02)))
    target = tmp_path / "v.mp4"

    def sync() -> None:
        with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            client.video.queue(**PARAMS).download(target)

    async def main() -> None:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            job = await client.video.queue(**PARAMS)
            await job.download(target)

    with pytest.raises(e.DownloadError, match="gave up after 4 attempt") as caught:
        sync() if twin == "sync" else asyncio.run(main())
    assert caught.value.attempts == 4 and len(fake.requests_to("POST", "/video/retrieve")) == 4
    assert clock.sleeps[-3:] == [0.5, 1.0, 2.0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("twin", ["sync", "async"])
def test_a_download_url_that_keeps_failing_gives_up_after_the_same_attempts(
    twin: str, fake: FakeVenice, downloads: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    path = f"/downloads/{QUEUE_ID}.mp4"
    downloads.set_default("GET", path, Reset())
    with_download_url(fake, downloads)
    target = tmp_path / "v.mp4"

    def sync() -> None:
        with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            client.video.generate(path=target, **PARAMS)

    async def main() -> None:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            await client.video.generate(path=target, **PARAMS)

    with pytest.raises(e.DownloadError, match="gave up after 4 attempt") as caught:
        sync() if twin == "sync" else asyncio.run(main())
    assert caught.value.attempts == 4 and len(downloads.requests_to("GET", path)) == 4
    assert isinstance(caught.value.error, e.APIConnectionError)
