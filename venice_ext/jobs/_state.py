"""What a queued video or audio job is, apart from any client: its record, its JSON, and
how Venice's answers about it read. No I/O; `_job.py` adds the waiting and fetching.

A job's JSON is all another process needs to pick it up again (`client.video.resume`),
so a crash, a deadline or a lost connection never wastes a paid job. It also says
whether the media was already saved and cleaned up, so a resumed job neither fetches
twice nor polls for media Venice no longer has.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import httpx

from venice_ext._core._errors_from import parse_error_body, request_id_of
from venice_ext._core._symbols import (
    CompleteAudioRequest,
    CompleteVideoRequest,
    RetrieveAudioRequest,
    RetrieveVideoRequest,
    complete_audio,
    complete_video,
    retrieve_audio,
    retrieve_video,
)
from venice_ext.errors import (
    APIStatusError,
    ContentPolicyError,
    DownloadError,
    GoneError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    ResponseValidationError,
)
from venice_ext.jobs._download import DownloadFailed
from venice_ext.jobs._poll import JobProgress

__all__ = ["JOB_FORMAT_VERSION", "JobKind", "JobRecord", "RetrieveStatus"]

JOB_FORMAT_VERSION = 1
_FAILED_STATUSES = frozenset({"FAILED", "ERROR", "CANCELLED", "CANCELED", "EXPIRED"})


@dataclass(frozen=True)
class JobKind:
    """The operations of one kind of job (video or audio)."""

    name: str
    retrieve: Any
    retrieve_request: Callable[..., Any]
    complete: Any
    complete_request: Callable[..., Any]


VIDEO = JobKind("video", retrieve_video, RetrieveVideoRequest, complete_video, CompleteVideoRequest)
AUDIO = JobKind("audio", retrieve_audio, RetrieveAudioRequest, complete_audio, CompleteAudioRequest)


def iso_utc(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="milliseconds")


def is_media(response: httpx.Response) -> bool:
    """The job's file rather than a JSON status. Text is neither: it is an error page."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return not (media_type == "application/json" or media_type.endswith("+json") or media_type.startswith("text/"))


@dataclass(frozen=True)
class RetrieveStatus:
    """A JSON answer of /video/retrieve or /audio/retrieve."""

    status: str
    average_ms: float | None
    duration_ms: float | None
    body: dict[str, Any]

    @property
    def completed(self) -> bool:
        return self.status.upper() == "COMPLETED"

    @property
    def failed(self) -> bool:
        return self.status.upper() in _FAILED_STATUSES

    @classmethod
    def read(cls, response: httpx.Response, what: str) -> Self:
        """Parse a read JSON answer. Lenient about the timings, which a paid job must not fail over."""
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        status = body.get("status") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(status, str):
            raise ResponseValidationError(
                f"{what}: a {response.status_code} JSON answer without a status",
                status_code=response.status_code,
                body=response.content,
                request_id=request_id_of(response.headers),
            )

        def number(key: str) -> float | None:
            value = body.get(key)
            return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

        return cls(status, number("average_execution_time"), number("execution_duration"), body)


def _redacted(url: str | None) -> str | None:
    # The query string of a pre-signed URL is its signature: a credential, kept out of reprs.
    if url is None:
        return None
    parsed = httpx.URL(url)
    return str(parsed.copy_with(query=None)) + ("?…" if parsed.query else "")


@dataclass(eq=False)
class JobRecord:
    """The state of one queued job. Subclasses add the waiting and fetching."""

    KIND: ClassVar[JobKind]

    model: str
    queue_id: str
    download_url: str | None = None
    queued_at: str = field(default_factory=lambda: iso_utc(dt.datetime.now(dt.UTC).timestamp()))
    quote_usd: float | None = None
    status: str = "QUEUED"
    saved_path: str | None = None
    cleaned_up: bool = False
    last_progress: JobProgress | None = field(default=None, repr=False)

    @property
    def ready(self) -> bool:
        """Venice has finished the media (or it is already saved)."""
        return self.status.upper() == "COMPLETED" or self.saved_path is not None

    # -- JSON ------------------------------------------------------------------------

    def to_json(self) -> str:
        """Everything needed to resume the job in another process, as one JSON object."""
        return json.dumps(
            {
                "version": JOB_FORMAT_VERSION,
                "kind": self.KIND.name,
                "model": self.model,
                "queue_id": self.queue_id,
                "download_url": self.download_url,
                "queued_at": self.queued_at,
                "quote_usd": self.quote_usd,
                "status": self.status,
                "saved_path": self.saved_path,
                "cleaned_up": self.cleaned_up,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes | Mapping[str, Any]) -> Self:
        """A job from `to_json()`'s output (of this kind of job), not bound to a client yet."""
        data = json.loads(text) if isinstance(text, (str, bytes)) else dict(text)
        if not isinstance(data, dict):
            raise ValueError("a job's JSON is an object")
        version = data.get("version")
        if not isinstance(version, int) or not 1 <= version <= JOB_FORMAT_VERSION:
            raise ValueError(f"job JSON version {version!r} is not one this client reads (1 to {JOB_FORMAT_VERSION})")
        if data.get("kind") != cls.KIND.name:
            raise ValueError(f"this is the JSON of a {data.get('kind')!r} job, not a {cls.KIND.name} job")
        for key in ("model", "queue_id", "queued_at"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise ValueError(f"job JSON: {key!r} is missing or not a string")
        quote = data.get("quote_usd")
        return cls(
            model=data["model"],
            queue_id=data["queue_id"],
            download_url=data.get("download_url") if isinstance(data.get("download_url"), str) else None,
            queued_at=data["queued_at"],
            quote_usd=float(quote) if isinstance(quote, (int, float)) and not isinstance(quote, bool) else None,
            status=data["status"] if isinstance(data.get("status"), str) else "QUEUED",
            saved_path=data.get("saved_path") if isinstance(data.get("saved_path"), str) else None,
            cleaned_up=data.get("cleaned_up") is True,
        )

    def copy_state_from(self, other: JobRecord) -> None:
        for name in ("download_url", "queued_at", "quote_usd", "status", "saved_path", "cleaned_up", "last_progress"):
            setattr(self, name, getattr(other, name))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(model={self.model!r}, queue_id={self.queue_id!r}, status={self.status!r}, "
            f"download_url={_redacted(self.download_url)!r}, queued_at={self.queued_at!r}, "
            f"saved_path={self.saved_path!r}, cleaned_up={self.cleaned_up!r})"
        )

    # -- reading Venice's answers ---------------------------------------------------------

    @property
    def _what(self) -> str:
        return f"{self.KIND.name} job {self.queue_id}"

    def seconds_since_queued(self, now: float) -> float:
        try:
            return max(0.0, now - dt.datetime.fromisoformat(self.queued_at).timestamp())
        except ValueError:
            return 0.0

    def adopt(self, answer: RetrieveStatus) -> None:
        self.status = answer.status
        url = answer.body.get("download_url")
        if isinstance(url, str) and url and self.download_url is None:
            self.download_url = url

    def failed_from_status_error(self, error: APIStatusError) -> JobFailedError | None:
        """The job failure an error answer to retrieve means, or None when it says nothing about the job."""
        if isinstance(error, ContentPolicyError):
            refunded = {True: "; credits refunded", False: "; credits not refunded", None: ""}[error.credits_refunded]
            why = f"rejected by a content policy: {error.message}{refunded}"
        elif isinstance(error, (NotFoundError, GoneError)):
            why = f"Venice has no media for it (it failed, expired or was cleaned up): {error.message}"
        else:
            return None
        self.status = "FAILED"
        return JobFailedError(
            f"{self._what} failed ({error.status_code}): {why}",
            job=self,
            job_json=self.to_json(),
            status="FAILED",
            status_code=error.status_code,
            code=error.code,
            credits_refunded=getattr(error, "credits_refunded", None),
            recommended_model=getattr(error, "recommended_model", None),
            suggested_prompt=getattr(error, "suggested_prompt", None),
            request_id=error.request_id,
            body=error.body,
            error=error,
        )

    def failed_from_answer(self, answer: RetrieveStatus, request_id: str | None) -> JobFailedError:
        fields = parse_error_body(answer.body)
        message = fields["message"] if isinstance(fields["message"], str) else "no reason given"
        self.status = answer.status
        return JobFailedError(
            f"{self._what} failed with status {answer.status}: {message}",
            job=self,
            job_json=self.to_json(),
            status=answer.status,
            code=fields["code"],
            credits_refunded=fields.get("credits_refunded"),
            recommended_model=fields.get("recommended_model"),
            suggested_prompt=fields.get("suggested_prompt"),
            request_id=request_id,
            body=answer.body,
        )

    def timed_out(self, timeout: float | None) -> JobTimeoutError:
        progress = self.last_progress
        estimate = f", {progress.fraction:.0%} of Venice's estimate" if progress and progress.estimated_total else ""
        return JobTimeoutError(
            f"{self._what} still {self.status} after waiting {timeout or 0:g} s{estimate}; nothing is lost: "
            f"resume it with client.{self.KIND.name}.resume(error.job_json)",
            job=self,
            job_json=self.to_json(),
            timeout=timeout,
            progress=progress,
        )

    def already_saved(self, target: Path) -> bool:
        """True when this job already saved its file at `target`; an error if it can no longer fetch it."""
        if self.saved_path is not None and Path(self.saved_path) == target and target.is_file():
            return True
        if self.cleaned_up:
            raise JobError(
                f"{self._what}: Venice's copy was deleted by complete(); the file was saved to {self.saved_path}",
                job=self,
                job_json=self.to_json(),
            )
        return False

    def may_complete(self, *, force: bool) -> bool:
        """Whether complete() has anything to do; an error before the file is saved (unless forced)."""
        if self.cleaned_up:
            return False
        if self.saved_path is None and not force:
            raise JobError(
                f"{self._what}: not deleting Venice's copy of media this job has not saved; "
                "download() it first, or pass force=True if it is safe elsewhere",
                job=self,
                job_json=self.to_json(),
            )
        return True

    def saved(self, target: Path) -> None:
        self.saved_path = str(target)
        self.status = "COMPLETED"

    def download_error(self, failure: DownloadFailed) -> DownloadError:
        return DownloadError(
            f"{self._what}: {failure.message}",
            job=self,
            job_json=self.to_json(),
            bytes_received=failure.bytes_received,
            expected_bytes=failure.expected_bytes,
            attempts=failure.attempts,
            status_code=failure.status_code,
            retry_after=failure.retry_after,
            error=failure.error,
        )

    def note_resumable(self, exc: BaseException) -> None:
        """Add the job's JSON to an error from elsewhere, so a paid job is never lost with a traceback."""
        if isinstance(exc, JobError):
            return  # it carries the job already
        # Notes print with every traceback: the pre-signed URL's signature stays out. Without
        # it the resumed job fetches the file through the API, with the key.
        shown = json.loads(self.to_json())
        if shown.get("download_url"):
            shown["download_url"] = None
        note = f"{self._what} is resumable: client.{self.KIND.name}.resume({json.dumps(shown)!r})"
        if note not in getattr(exc, "__notes__", ()):
            exc.add_note(note)
