"""Every error venice_ext raises: the classes, and the tree they form.

    VeniceError
    ├── ConfigurationError                 the client cannot be built as asked (no key, unsafe URL)
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
    ├── JobError                           a queued video or audio job; carries it and its JSON
    │   ├── JobFailedError                 Venice says the job failed (content policy, media gone)
    │   ├── JobTimeoutError                the deadline passed first; the job is resumable
    │   └── DownloadError                  the file could not be fetched whole; carries bytes received
    ├── UnsupportedTypeError               a tool annotation JSON Schema cannot describe (also a TypeError)
    ├── NoMatchingModelError               models.resolve found no model that fits (also a LookupError)
    ├── ToolArgumentsError                 a model's tool arguments that do not fit (also a ValueError)
    ├── MaxIterationsError                 the tool loop hit max_iterations; carries the history
    ├── StructuredOutputError              a reply that does not fit the requested type; carries the text
    ├── OutputPathError                    an output path that cannot be written safely (also a ValueError)
    ├── CostUnknownError                 a request estimate_cost cannot price (no model, no listed price)
    └── E2EEError                          end-to-end encryption failed closed; `check` names what failed
        ├── E2EENotInstalledError          the `e2ee` extra (cryptography, pycryptodome) is missing
        ├── E2EEUnsupportedRequestError    what E2EE cannot carry (tools, web search, images, a non-E2EE model)
        ├── E2EEAttestationError           an attestation check failed (not verified, wrong model, debug...)
        │   ├── E2EENonceMismatchError     the attestation is not for the nonce just sent: stale or replayed
        │   └── E2EEKeyBindingError        the model key is not bound to the attestation: a swapped key
        ├── E2EEDecryptionError            a streamed chunk that does not decrypt, authenticate or decode
        └── E2EESignatureError             the answer's signature is missing, invalid, or not the attested signer's

`str(error)` is one line: status, Venice code, message and request id. No error
ever contains the API key: bodies and response headers are the server's, and
request headers are never copied into an error. No E2EE error contains a private
key or a plaintext message: they name the check that failed, the model and the
request id. Turning answers into these errors
is `venice_ext._core._errors_from`'s job; this module imports nothing of the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ContentPolicyError",
    "CostUnknownError",
    "DownloadError",
    "E2EEAttestationError",
    "E2EEDecryptionError",
    "E2EEError",
    "E2EEKeyBindingError",
    "E2EENonceMismatchError",
    "E2EENotInstalledError",
    "E2EESignatureError",
    "E2EEUnsupportedRequestError",
    "GoneError",
    "InsufficientBalanceError",
    "JobError",
    "JobFailedError",
    "JobTimeoutError",
    "MaxIterationsError",
    "ModelAtCapacityError",
    "NoMatchingModelError",
    "NotFoundError",
    "OutputPathError",
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
    "StructuredOutputError",
    "ToolArgumentsError",
    "UnsupportedMediaTypeError",
    "UnsupportedTypeError",
    "VeniceError",
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


class ConfigurationError(VeniceError):
    """The client cannot be built as asked (no API key, an unsafe base URL...)."""


class UnsupportedTypeError(VeniceError, TypeError):
    """An annotation that cannot be described as JSON Schema."""


class ToolArgumentsError(VeniceError, ValueError):
    """Arguments from the model that are not JSON, or do not fit the tool's schema."""


class MaxIterationsError(VeniceError):
    """The model still wanted tools after `max_iterations` completions; carries the history so far.

    `tool_calls` holds `ToolCallRecord`s; `last` is the last completion.
    """

    def __init__(self, iterations: int, messages: list[dict[str, Any]], tool_calls: list[Any], last: Any) -> None:
        super().__init__(f"the model still asked for tools after {iterations} completions (max_iterations)")
        self.iterations = iterations
        self.messages = messages
        self.tool_calls = tool_calls
        self.last = last


class StructuredOutputError(VeniceError):
    """The model's reply does not fit the requested type; `raw_text` is what it said."""

    def __init__(self, message: str, *, raw_text: str | None, completion: Any) -> None:
        super().__init__(message)
        self.message = message
        self.raw_text = raw_text
        self.completion = completion


class NoMatchingModelError(VeniceError, LookupError):
    """`client.models.resolve(...)` found no model of that type, capabilities and trait; the message names them."""


class E2EEError(VeniceError):
    """End-to-end encryption failed closed: nothing readable was sent, or what came back is refused.

    `check` names what failed (e.g. "nonce", "report_data_address", "chunk"), `model`
    the model asked for, `request_id` the completion's id once there is one. The
    message never holds a key or a plaintext.
    """

    def __init__(self, message: str, *, check: str, model: str | None = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.check = check
        self.model = model
        self.request_id = request_id


class E2EENotInstalledError(E2EEError):
    """E2EE needs the `e2ee` extra: pip install 'venice-client[e2ee]'."""


class E2EEUnsupportedRequestError(E2EEError, ValueError):
    """A request E2EE cannot carry: tools, web search, multimodal content, a plaintext role, a
    model without E2EE. Refused before anything about the prompt was sent."""


class E2EEAttestationError(E2EEError):
    """The model's attestation failed a check; its key is not used."""


class E2EENonceMismatchError(E2EEAttestationError):
    """The attestation does not carry the nonce just sent (its `nonce` field, the quote's report
    data, or the GPU evidence): it is stale or replayed."""


class E2EEKeyBindingError(E2EEAttestationError):
    """The model key is not bound to the attestation: it does not hash to the attested signing
    address, or that address is not the one in the quote's report data."""


class E2EEDecryptionError(E2EEError):
    """A streamed chunk did not decrypt or authenticate (tampered, truncated, not for this session's
    key), was sent in plaintext, or left an unfinished UTF-8 character."""


class E2EESignatureError(E2EEError):
    """The answer's signature could not be fetched, does not verify under the attested signing key,
    names another signer, or (when required) does not sign this exchange's hashes."""


class OutputPathError(VeniceError, ValueError):
    """An output path that cannot be written safely (a directory, a device, a missing folder...)."""


class CostUnknownError(VeniceError, LookupError):
    """estimate_cost cannot price the request: no model named, the model or its price is not listed."""
