"""Errors raised by venice_ext, and the parsing of Venice's error bodies.

    VeniceError
    ├── APIConnectionError                 the request got no answer
    │   └── APITimeoutError                connect, write, read (between bytes) or pool timeout
    ├── APIStatusError                     the server answered with an error status
    │   ├── BadRequestError                400
    │   ├── AuthenticationError            401
    │   ├── PaymentRequiredError           402
    │   │   └── InsufficientBalanceError   INSUFFICIENT_BALANCE, API key spend limits
    │   ├── PermissionDeniedError          403
    │   ├── NotFoundError                  404
    │   ├── ConflictError                  409
    │   ├── GoneError                      410
    │   ├── PayloadTooLargeError           413
    │   ├── UnsupportedMediaTypeError      415
    │   ├── ContentPolicyError             422
    │   ├── RateLimitError                 429
    │   └── ServerError                    5xx
    │       └── ModelAtCapacityError       503
    ├── RequestValidationError             arguments that do not fit the spec's request (also a ValueError)
    ├── RetryBudgetExceededError           too many recent failures to risk another retry
    ├── ResponseValidationError            a 2xx body (or stream chunk) that does not fit its model
    ├── StreamInterruptedError             a stream ended early; carries what arrived
    ├── SpendLimitError                    a job's quote is above max_usd; nothing billable was sent
    ├── QueueOutcomeUnknownError           a job's queue request may have been billed; never resent
    └── JobError                           a queued video or audio job; carries it and its JSON
        ├── JobFailedError                 Venice says the job failed (content policy, media gone)
        ├── JobTimeoutError                the deadline passed first; the job is resumable
        └── DownloadError                  the file could not be fetched whole; carries bytes received

`str(error)` is one line: status, Venice code, message and request id. No error
ever contains the API key: bodies and response headers are the server's, and
request headers are never copied into an error.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from typing import Any

import httpx

from venice_ext._core._headers import request_id_of, retry_after_seconds
from venice_ext._core._retry import FailureKind, failure_kind_of_exception

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ContentPolicyError",
    "DownloadError",
    "GoneError",
    "InsufficientBalanceError",
    "JobError",
    "JobFailedError",
    "JobTimeoutError",
    "ModelAtCapacityError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "QueueOutcomeUnknownError",
    "RateLimitError",
    "RequestValidationError",
    "ResponseValidationError",
    "RetryBudgetExceededError",
    "ServerError",
    "SpendLimitError",
    "StreamInterruptedError",
    "UnsupportedMediaTypeError",
    "VeniceError",
    "connection_error_from",
    "error_from_response",
    "error_from_stream_payload",
    "parse_error_body",
    "request_id_of",
]


class VeniceError(Exception):
    """Base of every error venice_ext raises."""


class APIConnectionError(VeniceError):
    """The request got no HTTP answer (refused, reset, DNS, TLS...).

    `may_have_been_processed` is True when the failure came after the request was
    sent, so the server may have done (and billed) the work.
    """

    def __init__(self, message: str, *, may_have_been_processed: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.may_have_been_processed = may_have_been_processed


class APITimeoutError(APIConnectionError):
    """A connect, write, read (between bytes) or pool timeout."""


class RetryBudgetExceededError(VeniceError):
    """Retrying stopped because the client saw too many failures recently.

    Venice blocks a key for 30 s after more than 20 failed requests in 30 s; the
    client stops retrying well before that. `last_error` is what the final attempt
    would have raised.
    """

    def __init__(self, message: str, *, last_error: VeniceError | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.last_error = last_error


class RequestValidationError(VeniceError, ValueError):
    """Arguments that do not fit the spec's request model; nothing was sent."""


class ResponseValidationError(VeniceError):
    """A success answer whose body does not fit the spec's model. Carries the raw body."""

    def __init__(self, message: str, *, status_code: int, body: bytes, request_id: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body
        self.request_id = request_id


class StreamInterruptedError(VeniceError):
    """A stream ended without its end marker and without a finish reason.

    `partial` is the completion assembled from what arrived (JSON, shaped like the
    final answer), `chunks_received` how many chunks that was.
    """

    def __init__(self, message: str, *, partial: Any = None, chunks_received: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.partial = partial
        self.chunks_received = chunks_received


class SpendLimitError(VeniceError):
    """`generate(max_usd=...)` refused: Venice quoted more than the limit. Only the quote was sent."""

    def __init__(self, message: str, *, quote: float, limit: float, model: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.quote = quote
        self.limit = limit
        self.model = model


class QueueOutcomeUnknownError(VeniceError):
    """A job's queue request got no clear answer: it may have been queued, and billed.

    It is never sent again by a retry (that could pay twice). Check the account's usage
    before queueing anew. `operation` is e.g. "POST /video/queue", `model` and
    `request_body` what was sent, `sent_at` when (ISO 8601, UTC), `error` the failure.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        model: str | None,
        request_body: Mapping[str, Any],
        sent_at: str,
        error: VeniceError,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.model = model
        self.request_body = request_body
        self.sent_at = sent_at
        self.error = error


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


class APIStatusError(VeniceError):
    """The server answered with an error status.

    Attributes: status_code, code (Venice's error code when the body names one),
    message, request_id (CF-RAY or X-Request-ID), body (parsed JSON, or the text of
    a non-JSON body), headers, retry_after (seconds, when the server said).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.body = body
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.retry_after = retry_after
        super().__init__(self._one_line())

    def _one_line(self) -> str:
        parts = [str(self.status_code)]
        if self.code:
            parts.append(self.code)
        line = " ".join(parts) + f": {self.message}"
        if self.request_id:
            line += f" (request id {self.request_id})"
        return line


class BadRequestError(APIStatusError):
    """400: the request is invalid; `body` may carry `details` and `issues`."""


class AuthenticationError(APIStatusError):
    """401: missing, invalid or inactive API key."""


class PaymentRequiredError(APIStatusError):
    """402: payment needed (x402 bodies included)."""


class InsufficientBalanceError(PaymentRequiredError):
    """402 because the balance or this key's spend limit is exhausted."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409."""


class GoneError(APIStatusError):
    """410: the resource expired or was removed."""


class PayloadTooLargeError(APIStatusError):
    """413."""


class UnsupportedMediaTypeError(APIStatusError):
    """415."""


class ContentPolicyError(APIStatusError):
    """422: blocked by a content policy.

    `suggested_prompt`, `recommended_model` and `credits_refunded` are set when the
    body carries them.
    """

    def __init__(
        self,
        message: str,
        *,
        suggested_prompt: str | None = None,
        recommended_model: str | None = None,
        credits_refunded: bool | None = None,
        **kwargs: Any,
    ) -> None:
        self.suggested_prompt = suggested_prompt
        self.recommended_model = recommended_model
        self.credits_refunded = credits_refunded
        super().__init__(message, **kwargs)


class RateLimitError(APIStatusError):
    """429: rate limited; `retry_after` says how long the server asked to wait."""


class ServerError(APIStatusError):
    """5xx."""


class ModelAtCapacityError(ServerError):
    """503: the model is at capacity."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    422: ContentPolicyError,
    429: RateLimitError,
    503: ModelAtCapacityError,
}

# Venice often sends only the message of a documented code; these prefixes name it.
_CODES_BY_MESSAGE: tuple[tuple[str, str], ...] = (
    ("authentication failed - pro subscription is inactive", "AUTHENTICATION_FAILED_INACTIVE_KEY"),
    ("authentication failed", "AUTHENTICATION_FAILED"),
    ("insufficient usd or diem balance", "INSUFFICIENT_BALANCE"),
    ("api key diem spend limit exceeded", "API_KEY_DIEM_SPEND_LIMIT_EXCEEDED"),
    ("api key usd spend limit exceeded", "API_KEY_USD_SPEND_LIMIT_EXCEEDED"),
)
_BALANCE_CODES = frozenset({"INSUFFICIENT_BALANCE", "INSUFFICIENT_FUNDS"})
_SPEND_LIMIT = re.compile(r"SPEND_LIMIT|CONSUMPTION_LIMIT")
_MAX_MESSAGE = 500


def parse_error_body(body: Any) -> dict[str, Any]:
    """Normalize every error shape Venice uses into message/code/extra fields.

    Shapes: {"error": "..."}; {"error": "...", "details": {...}, "issues": [...]};
    OpenAI's {"error": {"message", "type", "param", "code"}}; the provider content
    policy {"error": {"message", "type", "credits_refunded", "recommended_model"}};
    {"code": ..., "error": ...}; x402 payment bodies; anything else.
    """
    fields: dict[str, Any] = {"message": None, "code": None}
    if not isinstance(body, Mapping):
        return fields
    error = body.get("error")
    nested: Mapping[str, Any] = error if isinstance(error, Mapping) else {}
    message = nested.get("message") if nested else error
    if not isinstance(message, str) or not message:
        message = next(
            (body[key] for key in ("message", "description", "detail") if isinstance(body.get(key), str)), None
        )
    fields["message"] = message
    code = nested.get("code") or body.get("code")
    if isinstance(code, str) and code:
        fields["code"] = code
    elif isinstance(message, str):
        lowered = message.lower()
        fields["code"] = next((name for prefix, name in _CODES_BY_MESSAGE if lowered.startswith(prefix)), None)
    # x402 wallets out of credit: code PAYMENT_REQUIRED, the reason says why.
    fields["insufficient_balance"] = body.get("reason") == "insufficient_balance"
    for key in ("suggested_prompt", "recommended_model", "credits_refunded"):
        value = nested.get(key, body.get(key))
        if value is not None:
            fields[key] = value
    return fields


def _decode_body(content: bytes, content_type: str) -> Any:
    if not content:
        return None
    text = content.decode("utf-8", errors="replace")
    if "json" in content_type or text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def _fallback_message(body: Any, reason: str) -> str:
    if isinstance(body, str) and body.strip():
        squashed = " ".join(re.sub(r"<[^>]+>", " ", body).split())
        return squashed[:_MAX_MESSAGE] or reason
    return reason


def connection_error_from(exc: Exception) -> APIConnectionError:
    """The typed error for an httpx transport failure."""
    processed = failure_kind_of_exception(exc) is FailureKind.AMBIGUOUS
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        kind = {
            httpx.ConnectTimeout: "connect",
            httpx.ReadTimeout: "read",
            httpx.WriteTimeout: "write",
            httpx.PoolTimeout: "pool",
        }.get(type(exc), "")
        return APITimeoutError(f"{kind} timeout: {detail}".strip(), may_have_been_processed=processed)
    suffix = " (the request may have been processed)" if processed else ""
    return APIConnectionError(f"connection failed: {detail}{suffix}", may_have_been_processed=processed)


def error_from_stream_payload(payload: Any, *, headers: Mapping[str, str] | None = None) -> APIStatusError:
    """The typed error for an error event inside a stream (the HTTP status was 200).

    The status comes from the payload when it names one (`status`, `status_code`, or
    a numeric `code`), else 500: the inference failed after the answer began.
    """
    fields = parse_error_body(payload)
    nested = payload.get("error") if isinstance(payload, Mapping) else None
    status = 500
    for source in (payload, nested):
        if isinstance(source, Mapping):
            for key in ("status", "status_code", "code"):
                value = source.get(key)
                if isinstance(value, int) and 400 <= value <= 599:
                    status = value
    lowered = {key.lower(): value for key, value in (headers or {}).items()}
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIStatusError)
    message = fields["message"] if isinstance(fields["message"], str) else "error event in the stream"
    code = fields["code"] if isinstance(fields["code"], str) else None
    return cls(message, status_code=status, code=code, request_id=request_id_of(lowered), body=payload, headers=lowered)


def error_from_response(response: httpx.Response, *, retry_after: float | None = None) -> APIStatusError:
    """The typed error for an error answer. The body must already be read."""
    headers = {key.lower(): value for key, value in response.headers.items()}
    if retry_after is None:
        retry_after = retry_after_seconds(headers, time.time())
    body = _decode_body(response.content, headers.get("content-type", ""))
    fields = parse_error_body(body)
    status = response.status_code
    reason = response.reason_phrase or httpx.codes.get_reason_phrase(status) or "error"
    message = fields["message"] if isinstance(fields["message"], str) else _fallback_message(body, reason)
    code = fields["code"]
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIStatusError)
    if status == 402 and (
        fields.get("insufficient_balance") or code in _BALANCE_CODES or (code and _SPEND_LIMIT.search(code))
    ):
        cls = InsufficientBalanceError
    common: dict[str, Any] = {
        "status_code": status,
        "code": code,
        "request_id": request_id_of(headers),
        "body": body,
        "headers": headers,
        "retry_after": retry_after,
    }
    if cls is ContentPolicyError:
        return ContentPolicyError(
            message,
            suggested_prompt=fields.get("suggested_prompt"),
            recommended_model=fields.get("recommended_model"),
            credits_refunded=fields.get("credits_refunded"),
            **common,
        )
    return cls(message, **common)
