"""`client.video` and the job half of `client.audio`: quote, queue, resume, generate; sync and async.

Keyword arguments are the fields of the spec's request (checked against the generated
request models, so a misspelt one fails before anything is sent, let alone billed);
`extra_body` sends fields the spec does not know yet.

    path, job = client.video.generate(
        path="venice.mp4", max_usd=2.0, on_progress=print,
        model="wan-2.5-preview-text-to-video", prompt="Dawn over the lagoon", duration="5s",
    )

A queue request is never repeated by a retry (`OPERATION_SAFETY` marks it billable); when
its outcome is unclear, QueueOutcomeUnknownError says so instead of guessing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

import httpx

from venice_ext._core._calls import options_of
from venice_ext._core._carried import QUOTE_HEADER
from venice_ext._core._requester import AsyncRequester, Requester, RequestOptions
from venice_ext._core._symbols import AsyncGeneratedVideo, GeneratedVideo
from venice_ext.errors import VeniceError
from venice_ext.jobs._job import AsyncAudioJob, AsyncVideoJob, AudioJob, OnProgress, VideoJob, _AsyncJob, _Job
from venice_ext.jobs._job_bodies import (
    _AUDIO,
    _VIDEO,
    _check_limit,
    _cleanup_failed,
    _Jobs,
    _writable_target,
)
from venice_ext.jobs._state import JobRecord, iso_utc

__all__ = ["AsyncAudioJobs", "AsyncVideo", "AudioJobs", "GeneratedMedia", "Video"]

J = TypeVar("J", bound=JobRecord)
JobT = TypeVar("JobT", bound=_Job)
AsyncJobT = TypeVar("AsyncJobT", bound=_AsyncJob)


class GeneratedMedia(NamedTuple, Generic[J]):
    """What `generate()` returns: `path, job = client.video.generate(...)`."""

    path: Path
    job: J


# unasync: begin async source
class _AsyncJobResource(_Jobs[AsyncJobT]):
    def __init__(self, requester: AsyncRequester) -> None:
        self._requester = requester

    async def quote(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> float:
        """The price in USD of a job with these parameters. Nothing is queued or billed."""
        body = self._quote_body(params, extra_body)
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        result = await self._requester.call(self._ops.quote, body=body, **options)
        return float(result.quote)

    async def queue(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> AsyncJobT:
        """Queue a job (billed); keep `job.to_json()` to resume it after a crash. The options are
        the queueing call's: `deadline` bounds it, retries included (waiting is `job.wait`'s)."""
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        return await self._send_queue(self._queue_body(params, extra_body), options)

    def resume(self, job: str | bytes | Mapping[str, Any] | JobRecord) -> AsyncJobT:
        """A job (its JSON, or a job from another client) bound to this client. Nothing is sent."""
        fresh = self._unbound(job)
        fresh._requester = self._requester
        return fresh

    async def generate(
        self,
        *,
        path: str | os.PathLike[str],
        max_usd: float | None = None,
        on_progress: OnProgress | None = None,
        timeout: float | None = None,
        revoke_download_url: bool = False,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> GeneratedMedia[AsyncJobT]:
        """Quote, refuse above `max_usd` (SpendLimitError, before anything billable), queue, wait,
        save to `path`, and delete Venice's copy once the file is safe.

        Unlike elsewhere, `timeout` bounds the wait for the job (as in `job.download`), not one
        request. `max_retries`, `retry_ambiguous`, `deadline` (per request, retries included),
        `strict_parsing`, `extra_headers` and `extra_query` apply to the quote and to the queue
        request each; the polls, the download and the clean-up keep the client's settings.
        """
        _check_limit(max_usd)
        target = _writable_target(path)
        quote_body, queue_body = self._generate_bodies(params, extra_body)
        options = options_of(
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        quoted = await self._requester.call(self._ops.quote, body=quote_body, **options)
        price = float(quoted.quote)
        self._check_spend(price, max_usd, queue_body)
        # The client's spend cap takes this quote as the job's estimate instead of asking again.
        job = await self._send_queue(
            queue_body, {**options, "extra_headers": {**(extra_headers or {}), QUOTE_HEADER: repr(price)}}
        )
        job.quote_usd = price
        await job.download(target, timeout=timeout, on_progress=on_progress, revoke_download_url=revoke_download_url)
        try:
            if not await job.complete():
                _cleanup_failed(job, "Venice answered success: false")
        except VeniceError as exc:
            _cleanup_failed(job, str(exc))
        return GeneratedMedia(target, job)

    async def _send_queue(self, body: Any, options: RequestOptions) -> AsyncJobT:
        sent_at = iso_utc(self._requester.hooks.clock())
        try:
            parsed = await self._requester.call(self._ops.queue, body=body, **options)
        except VeniceError as exc:
            unclear = self._ambiguous(exc, body, sent_at)
            if unclear is None:
                raise
            raise unclear from exc
        return self.resume(self._job(parsed, sent_at))


class AsyncVideo(_AsyncJobResource[AsyncVideoJob]):
    """`client.video`: `quote(**params)`, `queue(**params)`, `resume(job_json)`, `generate(path=..., **params)`.

    In the async client every method but `resume` is a coroutine. `transcriptions` and
    `with_raw_response` are the generated ones.
    """

    _ops = _VIDEO
    _job_type = AsyncVideoJob

    def __init__(self, requester: AsyncRequester) -> None:
        super().__init__(requester)
        generated = AsyncGeneratedVideo(requester)
        self.transcriptions = generated.transcriptions
        self.with_raw_response = generated.with_raw_response
        # The plain retrieve and complete; jobs (`queue(...)`, `resume(...)`) wait and download.
        self.retrieve = generated.retrieve
        self.complete = generated.complete


class AsyncAudioJobs(_AsyncJobResource[AsyncAudioJob]):
    """Queued audio generation (music and the like): the same methods as `client.video`."""

    _ops = _AUDIO
    _job_type = AsyncAudioJob


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class _JobResource(_Jobs[JobT]):
    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def quote(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> float:
        """The price in USD of a job with these parameters. Nothing is queued or billed."""
        body = self._quote_body(params, extra_body)
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        result = self._requester.call(self._ops.quote, body=body, **options)
        return float(result.quote)

    def queue(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> JobT:
        """Queue a job (billed); keep `job.to_json()` to resume it after a crash. The options are
        the queueing call's: `deadline` bounds it, retries included (waiting is `job.wait`'s)."""
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        return self._send_queue(self._queue_body(params, extra_body), options)

    def resume(self, job: str | bytes | Mapping[str, Any] | JobRecord) -> JobT:
        """A job (its JSON, or a job from another client) bound to this client. Nothing is sent."""
        fresh = self._unbound(job)
        fresh._requester = self._requester
        return fresh

    def generate(
        self,
        *,
        path: str | os.PathLike[str],
        max_usd: float | None = None,
        on_progress: OnProgress | None = None,
        timeout: float | None = None,
        revoke_download_url: bool = False,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> GeneratedMedia[JobT]:
        """Quote, refuse above `max_usd` (SpendLimitError, before anything billable), queue, wait,
        save to `path`, and delete Venice's copy once the file is safe.

        Unlike elsewhere, `timeout` bounds the wait for the job (as in `job.download`), not one
        request. `max_retries`, `retry_ambiguous`, `deadline` (per request, retries included),
        `strict_parsing`, `extra_headers` and `extra_query` apply to the quote and to the queue
        request each; the polls, the download and the clean-up keep the client's settings.
        """
        _check_limit(max_usd)
        target = _writable_target(path)
        quote_body, queue_body = self._generate_bodies(params, extra_body)
        options = options_of(
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        quoted = self._requester.call(self._ops.quote, body=quote_body, **options)
        price = float(quoted.quote)
        self._check_spend(price, max_usd, queue_body)
        # The client's spend cap takes this quote as the job's estimate instead of asking again.
        job = self._send_queue(
            queue_body, {**options, "extra_headers": {**(extra_headers or {}), QUOTE_HEADER: repr(price)}}
        )
        job.quote_usd = price
        job.download(target, timeout=timeout, on_progress=on_progress, revoke_download_url=revoke_download_url)
        try:
            if not job.complete():
                _cleanup_failed(job, "Venice answered success: false")
        except VeniceError as exc:
            _cleanup_failed(job, str(exc))
        return GeneratedMedia(target, job)

    def _send_queue(self, body: Any, options: RequestOptions) -> JobT:
        sent_at = iso_utc(self._requester.hooks.clock())
        try:
            parsed = self._requester.call(self._ops.queue, body=body, **options)
        except VeniceError as exc:
            unclear = self._ambiguous(exc, body, sent_at)
            if unclear is None:
                raise
            raise unclear from exc
        return self.resume(self._job(parsed, sent_at))


class Video(_JobResource[VideoJob]):
    """`client.video`: `quote(**params)`, `queue(**params)`, `resume(job_json)`, `generate(path=..., **params)`.

    In the async client every method but `resume` is a coroutine. `transcriptions` and
    `with_raw_response` are the generated ones.
    """

    _ops = _VIDEO
    _job_type = VideoJob

    def __init__(self, requester: Requester) -> None:
        super().__init__(requester)
        generated = GeneratedVideo(requester)
        self.transcriptions = generated.transcriptions
        self.with_raw_response = generated.with_raw_response
        # The plain retrieve and complete; jobs (`queue(...)`, `resume(...)`) wait and download.
        self.retrieve = generated.retrieve
        self.complete = generated.complete


class AudioJobs(_JobResource[AudioJob]):
    """Queued audio generation (music and the like): the same methods as `client.video`."""

    _ops = _AUDIO
    _job_type = AudioJob


# unasync: end sync twin
