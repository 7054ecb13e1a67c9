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

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

from venice_ext._core._quotes import QUOTE_HEADER
from venice_ext._core._requester import AsyncRequester, Requester
from venice_ext._core._requests import build_body
from venice_ext._core._retry import FailureKind, failure_kind_of_status
from venice_ext._core._symbols import (
    AsyncGeneratedVideo,
    GeneratedVideo,
    ModelParseError,
    QueueAudioRequest,
    QueueVideoRequest,
    QuoteAudioRequest,
    QuoteVideoRequest,
    queue_audio,
    queue_video,
    quote_audio,
    quote_video,
)
from venice_ext.errors import (
    APIConnectionError,
    QueueOutcomeUnknownError,
    RequestValidationError,
    ServerError,
    SpendLimitError,
    VeniceError,
)
from venice_ext.jobs._job import AsyncAudioJob, AsyncVideoJob, AudioJob, OnProgress, VideoJob, _AsyncJob, _Job
from venice_ext.jobs._state import JobRecord, iso_utc

__all__ = ["AsyncAudioJobs", "AsyncVideo", "AudioJobs", "GeneratedMedia", "Video"]

logger = logging.getLogger("venice_ext")

J = TypeVar("J", bound=JobRecord)
JobT = TypeVar("JobT", bound=_Job)
AsyncJobT = TypeVar("AsyncJobT", bound=_AsyncJob)


class GeneratedMedia(NamedTuple, Generic[J]):
    """What `generate()` returns: `path, job = client.video.generate(...)`."""

    path: Path
    job: J


@dataclass(frozen=True)
class _Operations:
    name: str
    quote: Any
    quote_request: Any
    queue: Any
    queue_request: Any


_VIDEO = _Operations("video", quote_video, QuoteVideoRequest, queue_video, QueueVideoRequest)
_AUDIO = _Operations("audio", quote_audio, QuoteAudioRequest, queue_audio, QueueAudioRequest)


def _writable_target(path: str | os.PathLike[str]) -> Path:
    """Checked before anything is paid for: a job whose file has nowhere to go is money wasted."""
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a directory; nothing was queued")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"{target.parent} is not a directory; nothing was queued")
    if not os.access(target.parent, os.W_OK):
        raise PermissionError(f"{target.parent} is not writable; nothing was queued")
    return target


class _Jobs(Generic[J]):
    _ops: ClassVar[_Operations]
    _job_type: type[J]

    def _quote_body(self, params: Mapping[str, Any], extra_body: Mapping[str, Any] | None) -> Any:
        return build_body(self._ops.quote_request.from_dict, params, extra_body, name=f"{self._ops.name}.quote")

    def _queue_body(self, params: Mapping[str, Any], extra_body: Mapping[str, Any] | None) -> Any:
        return build_body(self._ops.queue_request.from_dict, params, extra_body, name=f"{self._ops.name}.queue")

    def _generate_bodies(self, params: Mapping[str, Any], extra_body: Mapping[str, Any] | None) -> tuple[Any, Any]:
        """The quote's and the queue's requests from one set of arguments, each taking the fields it knows."""
        name = f"{self._ops.name}.generate"
        try:
            quote = self._ops.quote_request.from_dict(params)
            queue = self._ops.queue_request.from_dict(params)
        except ModelParseError as exc:
            raise RequestValidationError(f"{name}: {exc}") from exc
        unknown = sorted(set(quote.additional_properties) & set(queue.additional_properties))
        if unknown:
            raise RequestValidationError(
                f"{name}: unknown parameter(s) {', '.join(unknown)}; "
                "send fields the spec does not know yet with extra_body={...}"
            )
        quote.additional_properties.clear()
        queue.additional_properties.clear()
        for key, value in (extra_body or {}).items():
            queue[key] = value
        return quote, queue

    def _job(self, parsed: Any, sent_at: str) -> J:
        url = getattr(parsed, "download_url", None)
        status = getattr(parsed, "status", None)
        return self._job_type(
            model=parsed.model,
            queue_id=parsed.queue_id,
            download_url=url if isinstance(url, str) and url else None,
            queued_at=sent_at,
            status=status if isinstance(status, str) else "QUEUED",
        )

    def _unbound(self, job: str | bytes | Mapping[str, Any] | JobRecord) -> J:
        if isinstance(job, JobRecord):
            if job.KIND is not self._job_type.KIND:
                raise ValueError(f"a {job.KIND.name} job cannot be resumed by client.{self._ops.name}")
            fresh = self._job_type(model=job.model, queue_id=job.queue_id)
            fresh.copy_state_from(job)
            return fresh
        return self._job_type.from_json(job)

    def _ambiguous(self, exc: VeniceError, body: Any, sent_at: str) -> QueueOutcomeUnknownError | None:
        unclear = (isinstance(exc, APIConnectionError) and exc.may_have_been_processed) or (
            isinstance(exc, ServerError)
            and failure_kind_of_status(exc.status_code, venice_error_body=False) is FailureKind.AMBIGUOUS
        )
        if not unclear:
            return None
        operation = f"POST /{self._ops.name}/queue"
        sent = body.to_dict()
        return QueueOutcomeUnknownError(
            f"{operation}: no clear answer ({exc}); the job may have been queued and billed, so it was "
            "not sent again. Check the account's usage before queueing it anew",
            operation=operation,
            model=sent.get("model"),
            request_body=sent,
            sent_at=sent_at,
            error=exc,
        )

    def _check_spend(self, price: float, max_usd: float | None, body: Any) -> None:
        if max_usd is None or price <= max_usd:
            return
        model = getattr(body, "model", None)
        raise SpendLimitError(
            f"{self._ops.name}.generate: Venice quotes ${price:.4g} for this {self._ops.name} with {model}, "
            f"above max_usd=${max_usd:.4g}; nothing was queued",
            quote=price,
            limit=max_usd,
            model=model,
        )


def _check_limit(max_usd: float | None) -> None:
    if max_usd is not None and (not math.isfinite(max_usd) or max_usd < 0):
        raise ValueError("max_usd must be a finite amount >= 0")


def _cleanup_failed(job: JobRecord, why: str) -> None:
    logger.warning(
        "%s job %s: the file is saved, but Venice's copy was not deleted (%s); call job.complete() later",
        job.KIND.name,
        job.queue_id,
        why,
    )


# unasync: begin async source
class _AsyncJobResource(_Jobs[AsyncJobT]):
    def __init__(self, requester: AsyncRequester) -> None:
        self._requester = requester

    async def quote(
        self, *, extra_body: Mapping[str, Any] | None = None, deadline: float | None = None, **params: Any
    ) -> float:
        """The price in USD of a job with these parameters. Nothing is queued or billed."""
        body = self._quote_body(params, extra_body)
        result = await self._requester.call(self._ops.quote, body=body, deadline=deadline)
        return float(result.quote)

    async def queue(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
        **params: Any,
    ) -> AsyncJobT:
        """Queue a job (billed); keep `job.to_json()` to resume it after a crash. `deadline`
        bounds the queueing call, retries included (waiting for the job is `job.wait`'s)."""
        return await self._send_queue(self._queue_body(params, extra_body), extra_headers, deadline)

    def resume(self, job: str | bytes | Mapping[str, Any] | JobRecord) -> AsyncJobT:
        """A job (its JSON, or a job from another client) bound to this client."""
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
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> GeneratedMedia[AsyncJobT]:
        """Quote, refuse above `max_usd` (SpendLimitError, before anything billable), queue, wait,
        save to `path`, and delete Venice's copy once the file is safe. `timeout` bounds the wait."""
        _check_limit(max_usd)
        target = _writable_target(path)
        quote_body, queue_body = self._generate_bodies(params, extra_body)
        quoted = await self._requester.call(self._ops.quote, body=quote_body, extra_headers=extra_headers)
        price = float(quoted.quote)
        self._check_spend(price, max_usd, queue_body)
        # The client's spend cap takes this quote as the job's estimate instead of asking again.
        job = await self._send_queue(queue_body, {**(extra_headers or {}), QUOTE_HEADER: repr(price)})
        job.quote_usd = price
        await job.download(target, timeout=timeout, on_progress=on_progress, revoke_download_url=revoke_download_url)
        try:
            if not await job.complete():
                _cleanup_failed(job, "Venice answered success: false")
        except VeniceError as exc:
            _cleanup_failed(job, str(exc))
        return GeneratedMedia(target, job)

    async def _send_queue(
        self, body: Any, extra_headers: Mapping[str, str] | None, deadline: float | None = None
    ) -> AsyncJobT:
        sent_at = iso_utc(self._requester.hooks.clock())
        try:
            parsed = await self._requester.call(
                self._ops.queue, body=body, extra_headers=extra_headers, deadline=deadline
            )
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
        self, *, extra_body: Mapping[str, Any] | None = None, deadline: float | None = None, **params: Any
    ) -> float:
        """The price in USD of a job with these parameters. Nothing is queued or billed."""
        body = self._quote_body(params, extra_body)
        result = self._requester.call(self._ops.quote, body=body, deadline=deadline)
        return float(result.quote)

    def queue(
        self,
        *,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
        **params: Any,
    ) -> JobT:
        """Queue a job (billed); keep `job.to_json()` to resume it after a crash. `deadline`
        bounds the queueing call, retries included (waiting for the job is `job.wait`'s)."""
        return self._send_queue(self._queue_body(params, extra_body), extra_headers, deadline)

    def resume(self, job: str | bytes | Mapping[str, Any] | JobRecord) -> JobT:
        """A job (its JSON, or a job from another client) bound to this client."""
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
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> GeneratedMedia[JobT]:
        """Quote, refuse above `max_usd` (SpendLimitError, before anything billable), queue, wait,
        save to `path`, and delete Venice's copy once the file is safe. `timeout` bounds the wait."""
        _check_limit(max_usd)
        target = _writable_target(path)
        quote_body, queue_body = self._generate_bodies(params, extra_body)
        quoted = self._requester.call(self._ops.quote, body=quote_body, extra_headers=extra_headers)
        price = float(quoted.quote)
        self._check_spend(price, max_usd, queue_body)
        # The client's spend cap takes this quote as the job's estimate instead of asking again.
        job = self._send_queue(queue_body, {**(extra_headers or {}), QUOTE_HEADER: repr(price)})
        job.quote_usd = price
        job.download(target, timeout=timeout, on_progress=on_progress, revoke_download_url=revoke_download_url)
        try:
            if not job.complete():
                _cleanup_failed(job, "Venice answered success: false")
        except VeniceError as exc:
            _cleanup_failed(job, str(exc))
        return GeneratedMedia(target, job)

    def _send_queue(self, body: Any, extra_headers: Mapping[str, str] | None, deadline: float | None = None) -> JobT:
        sent_at = iso_utc(self._requester.hooks.clock())
        try:
            parsed = self._requester.call(self._ops.queue, body=body, extra_headers=extra_headers, deadline=deadline)
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
