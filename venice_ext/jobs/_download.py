"""Saving a finished job's media to disk: streamed, checked, resumed, renamed into place.

The bytes go to a temporary file beside the target as they arrive (never all in
memory), are checked against Content-Length, and the file is renamed over the target
only when whole, so the target never holds a partial file. A connection that drops
midway is retried a bounded number of times, asking for the rest with `Range` and
starting over when the server answers with the whole body instead.

A `send(offset, validator)` function opens each attempt; it returns a streamed 2xx
response, or raises `Retryable` for a failure worth another attempt, or any other
error to stop. `validator` identifies the file version being saved (a strong ETag,
else Last-Modified, from the answer that began it): a resume sends it as `If-Range`
(`range_headers`), so the server answers with the rest of that version or the whole
of a new one. Fetching a pre-signed download URL is in `_presigned.py`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from venice_ext._core._errors_from import connection_error_from
from venice_ext._core._files import AtomicFile, async_offload, offload
from venice_ext.errors import APIStatusError, VeniceError

__all__ = [
    "DEFAULT_RETRIES",
    "IDENTITY",
    "DownloadFailed",
    "Retryable",
    "async_save_stream",
    "range_headers",
    "save_stream",
]

logger = logging.getLogger("venice_ext")

DEFAULT_RETRIES = 3
# Ranges address the bytes as sent; a compressed answer would make an offset meaningless.
IDENTITY = {"Accept-Encoding": "identity"}
_CONTENT_RANGE = re.compile(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*")


class Retryable(Exception):
    """A failed attempt worth repeating (a dropped connection, a 5xx); `error` is the typed error."""

    def __init__(self, error: VeniceError) -> None:
        super().__init__(str(error))
        self.error = error


class DownloadFailed(Exception):
    """Internal: the download gave up. The job layer turns it into a DownloadError carrying the job."""

    def __init__(
        self,
        message: str,
        *,
        bytes_received: int,
        expected_bytes: int | None,
        attempts: int,
        error: VeniceError | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.bytes_received = bytes_received
        self.expected_bytes = expected_bytes
        self.attempts = attempts
        self.error = error
        self.status_code = error.status_code if isinstance(error, APIStatusError) else None
        self.retry_after = error.retry_after if isinstance(error, APIStatusError) else None


class _Short(Exception):
    """The body ended before its declared length, or resumed at the wrong place."""


def _place(response: httpx.Response, file: AtomicFile, expected: int | None = None) -> int | None:
    """Ready `file` for this answer's body; the whole file's expected size, when known.

    `expected` is the size the first answer gave: a part of a file of another size is a
    part of another version of it, and splicing the two would commit a file that never was.
    """
    if response.status_code == 206:
        match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", ""))
        total = None if match is None or match.group(3) == "*" else int(match.group(3))
        if match is None or not file.size or int(match.group(1)) != file.size:
            # Not the part asked for (or a part when the whole was asked for): start over.
            file.restart()
            raise _Short("the server resumed at another offset than asked")
        if expected is not None and total is not None and total != expected:
            file.restart()
            raise _Short(f"the file changed on the server ({expected} bytes, now {total}); starting over")
        return total if total is not None else expected
    if file.size:
        file.restart()  # the server ignored Range and sends everything again
    declared = response.headers.get("content-length", "")
    return int(declared) if declared.isdigit() and "content-encoding" not in response.headers else None


def _declared_digest(response: httpx.Response) -> tuple[str, bytes] | None:
    """The whole file's checksum when the answer gives one (Content-MD5, x-amz-checksum-sha256, x-goog-hash)."""
    candidates = [
        ("md5", response.headers.get("content-md5")),
        ("sha256", response.headers.get("x-amz-checksum-sha256")),
    ]
    for part in response.headers.get("x-goog-hash", "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "md5":
            candidates.append(("md5", value))
    for algorithm, value in candidates:
        if value:
            try:
                return algorithm, base64.b64decode(value.strip(), validate=True)
            except (ValueError, binascii.Error):
                continue
    return None


def _check_digest(file: AtomicFile, digest: tuple[str, bytes] | None) -> None:
    if digest is None:
        return
    file.file.flush()
    hasher = hashlib.new(digest[0])
    with open(file.path, "rb") as written:
        for block in iter(lambda: written.read(1 << 20), b""):
            hasher.update(block)
    if hasher.digest() != digest[1]:
        file.restart()
        raise _Short(f"the file does not match the server's {digest[0]} checksum; starting over")


def _check_whole(response: httpx.Response, file: AtomicFile, expected: int | None) -> None:
    # h11 already refuses a short body, but other transports (aiohttp, mocks) may not.
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and response.num_bytes_downloaded != int(declared):
        raise _Short(f"the answer ended after {response.num_bytes_downloaded} of {declared} bytes")
    if expected is not None and file.size != expected:
        raise _Short(f"the file has {file.size} of {expected} bytes")


def _backoff(failures: int) -> float:
    return float(min(4.0, 0.5 * 2 ** (failures - 1)))


def _failure(exc: Exception) -> VeniceError | None:
    if isinstance(exc, Retryable):
        return exc.error
    if isinstance(exc, VeniceError):
        return exc
    if isinstance(exc, httpx.TransportError):
        return connection_error_from(exc)
    return None


def _gave_up(file: AtomicFile, expected: int | None, attempts: int, exc: Exception, what: str) -> DownloadFailed:
    error = _failure(exc)
    reason = str(error) if error is not None else str(exc)
    return DownloadFailed(
        f"{what}: gave up after {attempts} attempt(s) with {file.size} bytes saved: {reason}",
        bytes_received=file.size,
        expected_bytes=expected,
        attempts=attempts,
        error=error,
    )


def range_headers(offset: int, validator: str | None = None) -> dict[str, str]:
    if not offset:
        return dict(IDENTITY)
    headers = {**IDENTITY, "Range": f"bytes={offset}-"}
    if validator:
        # The rest of this version, or the whole new one: never a part of another.
        headers["If-Range"] = validator
    return headers


def _validator(response: httpx.Response) -> str | None:
    """What identifies the file version an answer carries, for If-Range: a strong ETag, else Last-Modified."""
    etag: str = response.headers.get("etag", "")
    if etag and not etag.startswith("W/"):
        return etag
    modified: str | None = response.headers.get("last-modified")
    return modified or None


# unasync: begin async source
async def async_save_stream(
    target: Path,
    send: Callable[[int, str | None], Awaitable[httpx.Response]],
    *,
    first: httpx.Response | None = None,
    retries: int = DEFAULT_RETRIES,
    sleep: Callable[[float], Awaitable[None]],
    what: str = "download",
) -> int:
    """Write the media to `target`, atomically; its size in bytes. `first` is an answer already open.

    In the async client the file work runs in a worker thread, to keep the loop free.
    """
    try:
        file = await async_offload(AtomicFile, target)
    except BaseException:
        if first is not None:
            await first.aclose()
        raise
    expected: int | None = None
    digest: tuple[str, bytes] | None = None
    validator: str | None = None
    attempts = failures = 0
    try:
        while True:
            attempts += 1
            try:
                response = first if first is not None else await send(file.size, validator if file.size else None)
                first = None
                try:
                    expected = await async_offload(_place, response, file, expected)
                    if response.status_code == 200 or validator is None:
                        validator = _validator(response)
                    if response.status_code == 200:
                        digest = _declared_digest(response)
                    async for chunk in response.aiter_bytes():
                        await async_offload(file.write, chunk)
                    _check_whole(response, file, expected)
                    await async_offload(_check_digest, file, digest)
                finally:
                    await response.aclose()
            except DownloadFailed as exc:
                exc.bytes_received, exc.expected_bytes, exc.attempts = file.size, expected, attempts
                raise
            except (httpx.TransportError, Retryable, _Short) as exc:
                failures += 1
                if failures > retries:
                    raise _gave_up(file, expected, attempts, exc, what) from exc
                logger.info("%s interrupted after %d bytes (%s); attempt %d", what, file.size, exc, attempts + 1)
                await sleep(_backoff(failures))
                continue
            except VeniceError as exc:
                if attempts == 1:
                    raise  # nothing was fetched yet: the caller knows best what this error means
                raise _gave_up(file, expected, attempts, exc, what) from exc
            await async_offload(file.commit)
            return file.size
    except BaseException:
        file.discard()
        raise


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
def save_stream(
    target: Path,
    send: Callable[[int, str | None], httpx.Response],
    *,
    first: httpx.Response | None = None,
    retries: int = DEFAULT_RETRIES,
    sleep: Callable[[float], None],
    what: str = "download",
) -> int:
    """Write the media to `target`, atomically; its size in bytes. `first` is an answer already open.

    In the async client the file work runs in a worker thread, to keep the loop free.
    """
    try:
        file = offload(AtomicFile, target)
    except BaseException:
        if first is not None:
            first.close()
        raise
    expected: int | None = None
    digest: tuple[str, bytes] | None = None
    validator: str | None = None
    attempts = failures = 0
    try:
        while True:
            attempts += 1
            try:
                response = first if first is not None else send(file.size, validator if file.size else None)
                first = None
                try:
                    expected = offload(_place, response, file, expected)
                    if response.status_code == 200 or validator is None:
                        validator = _validator(response)
                    if response.status_code == 200:
                        digest = _declared_digest(response)
                    for chunk in response.iter_bytes():
                        offload(file.write, chunk)
                    _check_whole(response, file, expected)
                    offload(_check_digest, file, digest)
                finally:
                    response.close()
            except DownloadFailed as exc:
                exc.bytes_received, exc.expected_bytes, exc.attempts = file.size, expected, attempts
                raise
            except (httpx.TransportError, Retryable, _Short) as exc:
                failures += 1
                if failures > retries:
                    raise _gave_up(file, expected, attempts, exc, what) from exc
                logger.info("%s interrupted after %d bytes (%s); attempt %d", what, file.size, exc, attempts + 1)
                sleep(_backoff(failures))
                continue
            except VeniceError as exc:
                if attempts == 1:
                    raise  # nothing was fetched yet: the caller knows best what this error means
                raise _gave_up(file, expected, attempts, exc, what) from exc
            offload(file.commit)
            return file.size
    except BaseException:
        file.discard()
        raise


# unasync: end sync twin
