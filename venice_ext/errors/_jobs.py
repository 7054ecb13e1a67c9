"""The errors of queued video and audio jobs: each carries the job and its JSON to resume it."""

from __future__ import annotations

from typing import Any

from venice_ext.errors._base import VeniceError
from venice_ext.errors._status import APIStatusError

__all__ = ["DownloadError", "JobError", "JobFailedError", "JobTimeoutError"]


class JobError(VeniceError):
    """A queued job did not give its file. `job` is the job; `job_json` lets another
    process pick it up: `client.video.resume(error.job_json)` (or `client.audio`)."""

    def __init__(self, message: str, *, job: Any, job_json: str) -> None:
        super().__init__(message)
        self.message = message
        self.job = job
        self.job_json = job_json


class JobFailedError(JobError):
    """Venice says the job failed: a content policy rejection (422), media not found or
    expired (404, 410), or a failure status. The fields come from the answer's body;
    `credits_refunded` says whether the job's price was returned. `error` is the typed
    status error it came from (a ContentPolicyError, NotFoundError...), when there was one.
    """

    def __init__(
        self,
        message: str,
        *,
        job: Any,
        job_json: str,
        status: str | None = None,
        status_code: int | None = None,
        code: str | None = None,
        credits_refunded: bool | None = None,
        recommended_model: str | None = None,
        suggested_prompt: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        error: APIStatusError | None = None,
    ) -> None:
        super().__init__(message, job=job, job_json=job_json)
        self.status = status
        self.status_code = status_code
        self.code = code
        self.credits_refunded = credits_refunded
        self.recommended_model = recommended_model
        self.suggested_prompt = suggested_prompt
        self.request_id = request_id
        self.body = body
        self.error = error


class JobTimeoutError(JobError):
    """The job was still running at the deadline. Nothing is lost: resume it later from
    `job_json`. `timeout` is the deadline (seconds), `progress` the last JobProgress seen."""

    def __init__(self, message: str, *, job: Any, job_json: str, timeout: float | None, progress: Any) -> None:
        super().__init__(message, job=job, job_json=job_json)
        self.timeout = timeout
        self.progress = progress


class DownloadError(JobError):
    """The finished file could not be fetched whole; the target path was left untouched.

    `bytes_received` is how much of it had arrived, `expected_bytes` its size when
    known, `attempts` how many requests were made. For an error answer, `status_code`
    (410: the download URL expired; 429: rate limited, see `retry_after`) and `error`,
    the typed status error.
    """

    def __init__(
        self,
        message: str,
        *,
        job: Any,
        job_json: str,
        bytes_received: int,
        expected_bytes: int | None = None,
        attempts: int = 1,
        status_code: int | None = None,
        retry_after: float | None = None,
        error: VeniceError | None = None,
    ) -> None:
        super().__init__(message, job=job, job_json=job_json)
        self.bytes_received = bytes_received
        self.expected_bytes = expected_bytes
        self.attempts = attempts
        self.status_code = status_code
        self.retry_after = retry_after
        self.error = error
