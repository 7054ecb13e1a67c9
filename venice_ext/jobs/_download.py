"""Saving a finished job's media to disk: streamed, checked, resumed, renamed into place.

The bytes go to a temporary file beside the target as they arrive (never all in
memory), are checked against Content-Length, and the file is renamed over the target
only when whole, so the target never holds a partial file. A connection that drops
midway is retried a bounded number of times, asking for the rest with `Range` and
starting over when the server answers with the whole body instead.

A `send(offset)` function opens each attempt; it returns a streamed 2xx response, or
raises `Retryable` for a failure worth another attempt, or any other error to stop.
`plain_client` and `url_sender` fetch a pre-signed download URL: a separate client
with no Authorization header and no base URL, so the API key never leaves for
another host.
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

from venice_ext._core._config import user_agent
from venice_ext._core._errors_from import connection_error_from, error_from_response
from venice_ext._core._files import AtomicFile, async_offload, offload
from venice_ext.errors import APIStatusError, VeniceError

__all__ = [
    "DEFAULT_RETRIES",
    "DownloadFailed",
    "Retryable",
    "async_plain_client",
    "async_revoke",
    "async_save_stream",
    "async_url_sender",
    "plain_client",
    "revoke",
    "save_stream",
    "url_sender",
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


def _range_headers(offset: int, validator: str | None = None) -> dict[str, str]:
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


def _refusal(response: httpx.Response, host: str) -> Exception:
    """What an error answer from the download host means: another attempt, or the end."""
    error = error_from_response(response)
    if response.status_code >= 500 or response.status_code == 408:
        return Retryable(error)
    if response.status_code == 410:
        message = f"the download URL on {host} has expired (410); it is valid for 24 hours after queueing"
    elif response.status_code == 429:
        wait = f"; retry after {error.retry_after:g} s" if error.retry_after is not None else ""
        message = f"the download host {host} is rate limiting (429){wait}"
    else:
        message = f"the download host {host} refused the download ({error})"
    return DownloadFailed(message, bytes_received=0, expected_bytes=None, attempts=1, error=error)


def _revoked(response: httpx.Response | None, exc: Exception | None, host: str) -> bool:
    # 404 and 410 mean there is nothing left to revoke.
    if response is not None and (200 <= response.status_code < 300 or response.status_code in (404, 410)):
        return True
    why = str(exc) if exc is not None else f"status {response.status_code if response else '?'}"
    logger.warning("could not revoke the download URL on %s (%s); it stays valid until it expires", host, why)
    return False


# unasync: begin async source
async def async_save_stream(
    target: Path,
    send: Callable[[int], Awaitable[httpx.Response]],
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
    attempts = failures = 0
    try:
        while True:
            attempts += 1
            try:
                response = first if first is not None else await send(file.size)
                first = None
                try:
                    expected = await async_offload(_place, response, file, expected)
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


def async_plain_client(timeout: httpx.Timeout) -> httpx.AsyncClient:
    """A client for another host: no Authorization, no base URL, none of the Venice client's headers."""
    return httpx.AsyncClient(timeout=timeout, follow_redirects=True, headers={"User-Agent": user_agent()})


def async_url_sender(http: httpx.AsyncClient, url: str) -> Callable[[int], Awaitable[httpx.Response]]:
    host = httpx.URL(url).host

    version: list[str | None] = [None]

    async def send(offset: int) -> httpx.Response:
        headers = _range_headers(offset, version[0])
        try:
            response = await http.send(http.build_request("GET", url, headers=headers), stream=True)
        except httpx.TransportError as exc:
            raise Retryable(connection_error_from(exc)) from exc
        if 200 <= response.status_code < 300:
            if response.status_code == 200 or version[0] is None:
                version[0] = _validator(response)
            return response
        try:
            await response.aread()
        finally:
            await response.aclose()
        raise _refusal(response, host)

    return send


async def async_revoke(http: httpx.AsyncClient, url: str) -> bool:
    """DELETE the pre-signed URL so nobody else can fetch the file; False (and a warning) if that failed."""
    try:
        return _revoked(await http.delete(url), None, httpx.URL(url).host)
    except httpx.TransportError as exc:
        return _revoked(None, exc, httpx.URL(url).host)


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
def save_stream(
    target: Path,
    send: Callable[[int], httpx.Response],
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
    attempts = failures = 0
    try:
        while True:
            attempts += 1
            try:
                response = first if first is not None else send(file.size)
                first = None
                try:
                    expected = offload(_place, response, file, expected)
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


def plain_client(timeout: httpx.Timeout) -> httpx.Client:
    """A client for another host: no Authorization, no base URL, none of the Venice client's headers."""
    return httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": user_agent()})


def url_sender(http: httpx.Client, url: str) -> Callable[[int], httpx.Response]:
    host = httpx.URL(url).host

    version: list[str | None] = [None]

    def send(offset: int) -> httpx.Response:
        headers = _range_headers(offset, version[0])
        try:
            response = http.send(http.build_request("GET", url, headers=headers), stream=True)
        except httpx.TransportError as exc:
            raise Retryable(connection_error_from(exc)) from exc
        if 200 <= response.status_code < 300:
            if response.status_code == 200 or version[0] is None:
                version[0] = _validator(response)
            return response
        try:
            response.read()
        finally:
            response.close()
        raise _refusal(response, host)

    return send


def revoke(http: httpx.Client, url: str) -> bool:
    """DELETE the pre-signed URL so nobody else can fetch the file; False (and a warning) if that failed."""
    try:
        return _revoked(http.delete(url), None, httpx.URL(url).host)
    except httpx.TransportError as exc:
        return _revoked(None, exc, httpx.URL(url).host)


# unasync: end sync twin
