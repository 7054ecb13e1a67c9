"""Downloads on every flavour of client: sync, async on httpx, async on the aiohttp extra.

Media from /video/retrieve and from a pre-signed download URL, over real sockets:
a resume asks for the rest of the same version (`Range` + `If-Range`), a resumed part
of another version restarts from zero, a body short of its length or failing the
server's checksum is never committed; and no log record carries the URL's signature.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from pathlib import Path
from typing import Any

import pytest

import venice_ext
from tests.ext.conftest import API_KEY, FakeClock
from tests.ext.test_download import PARAMS, PIECE, QUEUE_ID, media, whole
from venice_ext import AsyncVenice, Venice
from venice_ext import errors as e
from venice_ext.testing import DropAfter, FakeVenice, Reply

FLAVORS = ["sync", "async-httpx", "async-aiohttp"]
SIGNATURE = "5ee7c0de"
DOWNLOAD_PATH = f"/downloads/{QUEUE_ID}.mp4"


def generate(flavor: str, fake: FakeVenice, clock: FakeClock, target: Path, *, queue_only: bool = False) -> Any:
    """`video.generate(path=target)` (or `queue(...).download(target)`) on a client of this flavour."""
    options: dict[str, Any] = {"api_key": API_KEY, "base_url": fake.base_url, "hooks": clock.hooks()}
    if flavor == "sync":
        with Venice(**options) as client:
            if queue_only:
                return client.video.queue(**PARAMS).download(target)
            return client.video.generate(path=target, **PARAMS)[0]

    async def run() -> Any:
        transport = {"transport": venice_ext.aiohttp_transport()} if flavor == "async-aiohttp" else {}
        async with AsyncVenice(**options, **transport) as client:
            if queue_only:
                job = await client.video.queue(**PARAMS)
                return await job.download(target)
            return (await client.video.generate(path=target, **PARAMS))[0]

    return asyncio.run(run())


def signed_url(fake: FakeVenice, downloads: FakeVenice) -> None:
    url = f"{downloads.url}{DOWNLOAD_PATH}?X-Amz-Expires=86400&X-Amz-Signature={SIGNATURE}"
    queued = {"model": PARAMS["model"], "queue_id": QUEUE_ID, "download_url": url}
    fake.script("POST", "/video/queue", Reply(json=queued))
    fake.script("POST", "/video/retrieve", Reply(json={"status": "COMPLETED"}))


# --- media from /video/retrieve -----------------------------------------------------------------


def resumed(flavor: str, fake: FakeVenice, validator: str) -> list[Any]:
    """The retrieve requests that asked for the rest of the file, each checked to carry `validator`.

    aiohttp drops the bytes it had buffered when it learns of the cut before the reader
    took them (its stream raises first), so on a loaded machine the aiohttp client may
    have saved nothing and start over without Range; the other flavours always resume.
    """
    retrieves = fake.requests_to("POST", "/video/retrieve")
    assert "range" not in retrieves[0].headers and "if-range" not in retrieves[0].headers
    ranged = [request for request in retrieves if "range" in request.headers]
    assert all(request.headers.get("if-range") == validator for request in ranged), "a resume names its version"
    assert ranged or flavor == "async-aiohttp", "the download resumed"
    return ranged


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_retrieve_download_resumes_into_the_same_version_with_if_range(
    flavor: str, fake: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    size = 5 * PIECE + 11
    version = {"etag": '"take-1"'}
    fake.script(
        "POST",
        "/video/retrieve",
        DropAfter(2 * PIECE + 100, media(size, honour_range=True, chunk_delay=0.05, headers=version)),
        media(size, honour_range=True, headers=version),
    )
    target = tmp_path / "v.mp4"
    assert generate(flavor, fake, clock, target, queue_only=True) == target
    assert target.read_bytes() == whole(size)
    assert len(fake.requests_to("POST", "/video/retrieve")) == 2
    for resume in resumed(flavor, fake, '"take-1"'):
        assert 2 * PIECE <= int(resume.headers["range"][6:-1]) <= 2 * PIECE + 100
    assert [path.name for path in tmp_path.iterdir()] == ["v.mp4"]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_retrieve_download_without_an_etag_resumes_with_last_modified(
    flavor: str, fake: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    size = 4 * PIECE
    version = {"etag": 'W/"weak"', "last-modified": "Wed, 02 Dec 2026 10:00:00 GMT"}
    fake.script(
        "POST",
        "/video/retrieve",
        DropAfter(PIECE + 5, media(size, honour_range=True, chunk_delay=0.05, headers=version)),
        media(size, honour_range=True, headers=version),
    )
    target = tmp_path / "v.mp4"
    generate(flavor, fake, clock, target, queue_only=True)
    assert target.read_bytes() == whole(size)
    resumed(flavor, fake, version["last-modified"])  # a weak ETag cannot validate a range


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_retrieve_resume_into_another_version_restarts_from_zero(
    flavor: str, fake: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    size, changed = 5 * PIECE + 7, 6 * PIECE + 1
    fake.script(
        "POST",
        "/video/retrieve",
        DropAfter(2 * PIECE, media(size, honour_range=True, chunk_delay=0.05, headers={"etag": '"v1"'})),
        # A server that ignores If-Range: the rest of a file of another length.
        media(changed, honour_range=True, headers={"etag": '"v2"'}),
        media(changed, honour_range=True, headers={"etag": '"v2"'}),
    )
    target = tmp_path / "v.mp4"
    generate(flavor, fake, clock, target, queue_only=True)
    assert target.read_bytes() == whole(changed), "one version, whole; never a splice of two"
    retrieves = fake.requests_to("POST", "/video/retrieve")
    if resumed(flavor, fake, '"v1"'):
        assert len(retrieves) == 3 and "range" not in retrieves[2].headers, "the mismatched part restarted"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_retrieve_download_that_fails_its_checksum_is_never_committed(
    flavor: str, fake: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    good = whole(2 * PIECE + 3)
    md5 = {"content-md5": base64.b64encode(hashlib.md5(good).digest()).decode()}
    corrupt = bytes(b ^ 0xFF for b in good[:10]) + good[10:]
    bad = Reply(body=corrupt, content_type="video/mp4", headers=md5)
    fake.script("POST", "/video/retrieve", bad, Reply(body=good, content_type="video/mp4", headers=md5))
    target = tmp_path / "v.mp4"
    generate(flavor, fake, clock, target, queue_only=True)
    assert target.read_bytes() == good and len(fake.requests_to("POST", "/video/retrieve")) == 2

    fake.reset()
    target.write_bytes(b"the previous take")
    fake.set_default("POST", "/video/retrieve", bad)
    with pytest.raises(e.DownloadError, match="checksum"):
        generate(flavor, fake, clock, target, queue_only=True)
    assert target.read_bytes() == b"the previous take"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_retrieve_download_cut_short_is_retried_and_never_committed_short(
    flavor: str, fake: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    size = 3 * PIECE
    fake.set_default("POST", "/video/retrieve", DropAfter(PIECE + 1, media(size, chunk_delay=0.02)))
    target = tmp_path / "v.mp4"
    with pytest.raises(e.DownloadError, match="gave up after 4 attempt") as caught:
        generate(flavor, fake, clock, target, queue_only=True)
    assert caught.value.expected_bytes == size and isinstance(caught.value.error, e.APIConnectionError)
    assert list(tmp_path.iterdir()) == []


# --- a pre-signed download URL ------------------------------------------------------------------


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_download_url_resumes_with_if_range_and_restarts_on_another_version(
    flavor: str, fake: FakeVenice, downloads: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    size, changed = 4 * PIECE + 9, 5 * PIECE
    signed_url(fake, downloads)
    downloads.script(
        "GET",
        DOWNLOAD_PATH,
        DropAfter(PIECE + 9, media(size, honour_range=True, chunk_delay=0.05, headers={"etag": '"a"'})),
        media(size, honour_range=True, headers={"etag": '"a"'}),
    )
    first = tmp_path / "first.mp4"
    generate(flavor, fake, clock, first)
    assert first.read_bytes() == whole(size)
    gets = downloads.requests_to("GET", DOWNLOAD_PATH)
    assert gets[1].headers["if-range"] == '"a"' and gets[1].headers["range"].startswith("bytes=")
    assert all("authorization" not in get.headers for get in gets)

    fake.reset()
    downloads.reset()
    signed_url(fake, downloads)
    downloads.script(
        "GET",
        DOWNLOAD_PATH,
        DropAfter(PIECE, media(size, honour_range=True, chunk_delay=0.05, headers={"etag": '"a"'})),
        media(changed, honour_range=True, headers={"etag": '"b"'}),
        media(changed, honour_range=True, headers={"etag": '"b"'}),
    )
    second = tmp_path / "second.mp4"
    generate(flavor, fake, clock, second)
    assert second.read_bytes() == whole(changed)
    assert "range" not in downloads.requests_to("GET", DOWNLOAD_PATH)[2].headers


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_download_url_short_or_failing_its_checksum_is_never_committed(
    flavor: str, fake: FakeVenice, downloads: FakeVenice, clock: FakeClock, tmp_path: Path
) -> None:
    good = whole(2 * PIECE + 5)
    md5 = {"content-md5": base64.b64encode(hashlib.md5(good).digest()).decode()}
    corrupt = bytes(b ^ 0xFF for b in good[:10]) + good[10:]
    signed_url(fake, downloads)
    downloads.set_default("GET", DOWNLOAD_PATH, Reply(body=corrupt, content_type="video/mp4", headers=md5))
    target = tmp_path / "v.mp4"
    with pytest.raises(e.DownloadError, match="checksum"):
        generate(flavor, fake, clock, target)
    assert list(tmp_path.iterdir()) == []

    fake.reset()
    downloads.reset()
    signed_url(fake, downloads)
    downloads.set_default("GET", DOWNLOAD_PATH, DropAfter(PIECE, media(2 * PIECE, chunk_delay=0.02)))
    with pytest.raises(e.DownloadError, match="gave up after 4 attempt"):
        generate(flavor, fake, clock, target)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flavor", FLAVORS)
def test_no_log_record_carries_the_download_urls_signature(
    flavor: str,
    fake: FakeVenice,
    downloads: FakeVenice,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    signed_url(fake, downloads)
    downloads.script(
        "GET",
        DOWNLOAD_PATH,
        DropAfter(PIECE, media(3 * PIECE, honour_range=True, chunk_delay=0.05)),
        media(3 * PIECE, honour_range=True),
    )
    with caplog.at_level(logging.DEBUG):
        generate(flavor, fake, clock, tmp_path / "v.mp4")
    assert len(downloads.requests_to("GET", DOWNLOAD_PATH)) == 2
    records = caplog.records
    logged = [record.getMessage() for record in records]
    assert any("HTTP Request" in line and DOWNLOAD_PATH in line for line in logged), "httpx did log the download"
    assert not [line for line in logged if SIGNATURE in line]
    assert not [record for record in records if SIGNATURE in repr(record.args) or SIGNATURE in str(record.msg)]


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("https://files.example/v.mp4?X-Amz-Expires=86400&X-Amz-Signature=abc", True),
        ("https://storage.example/v.mp4?X-Goog-Credential=x&X-Goog-Signature=abc", True),
        ("https://blob.example/v.mp4?sv=2024&se=2026&sig=abc", True),
        ("https://cdn.example/v.mp4?Expires=1&Key-Pair-Id=K&Policy=p", True),
        ("https://cdn.example/v.mp4?token=abc#part", True),
        ("https://api.venice.ai/api/v1/models?type=text", False),
        ("https://api.venice.ai/api/v1/models", False),
    ],
)
def test_the_httpx_log_filter_takes_the_query_out_of_signed_urls_only(url: str, redacted: bool) -> None:
    import httpx

    from venice_ext.jobs._presigned import _SignedUrlFilter

    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: %s %s", ("GET", httpx.URL(url)), None)
    assert _SignedUrlFilter().filter(record)
    message = record.getMessage()
    assert ("abc" not in message and "?<query redacted>" in message) if redacted else message.endswith(url)
