"""Fetching a pre-signed download URL: a plain client, the attempts, the revocation.

A separate client with no Authorization header and no base URL fetches it, so the
API key never leaves for another host. The URL's query is its signature, a
credential for the file: httpx logs every request's URL at INFO, so a filter on
its logger takes the query out of any logged URL that carries a signature.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

import httpx

from venice_ext._core._config import user_agent
from venice_ext._core._errors_from import connection_error_from, error_from_response
from venice_ext.jobs._download import DownloadFailed, Retryable, range_headers

__all__ = [
    "async_plain_client",
    "async_revoke",
    "async_url_sender",
    "keep_signatures_out_of_httpx_log",
    "plain_client",
    "revoke",
    "url_sender",
]

logger = logging.getLogger("venice_ext")

# A query parameter whose name says it signs or authorises the URL (S3, GCS, Azure SAS, CloudFront, tokens).
_SIGNING_PARAMETER = re.compile(r"(?i)(?:^|&)[^=&]*(?:sig|token|credential|key|auth|policy|secret)[^=&]*=")


def _signed(value: object) -> bool:
    if isinstance(value, httpx.URL):
        value = str(value)
    if not isinstance(value, str) or "?" not in value:
        return False
    return bool(_SIGNING_PARAMETER.search(value.partition("?")[2].partition("#")[0]))


def _without_query(value: object) -> str:
    url = httpx.URL(str(value))
    return f"{url.copy_with(query=None, fragment=None)}?<query redacted>"


class _SignedUrlFilter(logging.Filter):
    """Takes the query (the signature) out of signed URLs in httpx's log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(_signed(arg) for arg in record.args):
            record.args = tuple(_without_query(arg) if _signed(arg) else arg for arg in record.args)
        return True


def keep_signatures_out_of_httpx_log() -> None:
    """Install the filter on httpx's logger, once per process."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(existing, _SignedUrlFilter) for existing in httpx_logger.filters):
        httpx_logger.addFilter(_SignedUrlFilter())


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
def async_plain_client(timeout: httpx.Timeout) -> httpx.AsyncClient:
    """A client for another host: no Authorization, no base URL, none of the Venice client's headers."""
    keep_signatures_out_of_httpx_log()
    return httpx.AsyncClient(timeout=timeout, follow_redirects=True, headers={"User-Agent": user_agent()})


def async_url_sender(http: httpx.AsyncClient, url: str) -> Callable[[int, str | None], Awaitable[httpx.Response]]:
    host = httpx.URL(url).host

    async def send(offset: int, validator: str | None) -> httpx.Response:
        headers = range_headers(offset, validator)
        try:
            response = await http.send(http.build_request("GET", url, headers=headers), stream=True)
        except httpx.TransportError as exc:
            raise Retryable(connection_error_from(exc)) from exc
        if 200 <= response.status_code < 300:
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
def plain_client(timeout: httpx.Timeout) -> httpx.Client:
    """A client for another host: no Authorization, no base URL, none of the Venice client's headers."""
    keep_signatures_out_of_httpx_log()
    return httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": user_agent()})


def url_sender(http: httpx.Client, url: str) -> Callable[[int, str | None], httpx.Response]:
    host = httpx.URL(url).host

    def send(offset: int, validator: str | None) -> httpx.Response:
        headers = range_headers(offset, validator)
        try:
            response = http.send(http.build_request("GET", url, headers=headers), stream=True)
        except httpx.TransportError as exc:
            raise Retryable(connection_error_from(exc)) from exc
        if 200 <= response.status_code < 300:
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
