"""The request half of `client.video` and `client.audio`'s jobs, shared by both twins and
free of I/O: request bodies from keyword arguments, a job from the queue's answer, the
checks that run before anything is billed.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from venice_ext._core._requests import build_body
from venice_ext._core._retry import FailureKind, failure_kind_of_status
from venice_ext._core._symbols import (
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
from venice_ext.jobs._state import JobRecord

logger = logging.getLogger("venice_ext")

J = TypeVar("J", bound=JobRecord)


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
