"""Every error venice_ext raises: the classes, and the tree they form.

    VeniceError
    ├── ConfigurationError                 the client cannot be built as asked (no key, unsafe URL)
    ├── APIConnectionError                 the request got no answer
    │   └── APITimeoutError                connect, write, read (between bytes) or pool timeout
    ├── APIStatusError                     the server answered with an error status
    │   ├── BadRequestError                400
    │   ├── AuthenticationError            401
    │   │   └── SignInRejectedError        401 to a wallet: Venice refused its sign-in (signature, expiry, nonce)
    │   ├── PaymentRequiredError           402
    │   │   └── InsufficientBalanceError   INSUFFICIENT_BALANCE, API key spend limits
    │   ├── PaymentRejectedError           a signed x402 top-up payment Venice refused (replayed, invalid, unfunded)
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
    │   └── FailureBudgetSpentError        a fresh call refused before sending; carries retry_in
    ├── ResponseValidationError            a 2xx body (or stream chunk) that does not fit its model
    ├── StreamInterruptedError             a stream ended early; carries what arrived
    │   └── StreamTimeoutError             it went silent too long (also an APITimeoutError)
    ├── SpendLimitError                    a job's quote is above max_usd; nothing billable was sent
    │   └── SpendCapExceededError          the client's max_usd would be crossed; carries estimate and spent
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
    ├── WalletError                        wallet sign-in or an x402 top-up stopped on our side
    │   ├── WalletNotInstalledError        the `wallet` extra (eth-account) is missing
    │   ├── UnpayableRequirementError      no accepted option fits (network, asset, expired, below minimum)
    │   ├── TopUpRefusedError              a top-up above max_usd; nothing was signed
    │   └── PaymentOutcomeUnknownError     the paid top-up got no answer: maybe paid, never resent
    ├── CostUnknownError                   a request estimate_cost cannot price (no model, no listed price)
    └── E2EEError                          end-to-end encryption failed closed; `check` names what failed
        ├── E2EENotInstalledError          the `e2ee` extra (cryptography, pycryptodome) is missing
        ├── E2EEUnsupportedRequestError    what E2EE cannot carry (tools, web search, images, a non-E2EE model)
        ├── E2EEAttestationError           an attestation check failed (not verified, wrong model, debug...)
        │   ├── E2EENonceMismatchError     the attestation is not for the nonce just sent: stale or replayed
        │   └── E2EEKeyBindingError        the model key is not bound to the attestation: a swapped key
        ├── E2EEDecryptionError            a streamed chunk that does not decrypt, authenticate or decode
        └── E2EESignatureError             the answer's signature is missing, invalid, or not the attested signer's

`str(error)` is one line: status, Venice code, message and request id. No error
ever contains the API key: bodies and response headers are the server's, request
headers are never copied into an error, and a body that echoes a bearer token or a
signed URL has it redacted. No E2EE error contains a private key or a plaintext
message: they name the check that failed, the model and the request id. Every error
pickles round-trip (a ProcessPoolExecutor worker may raise them). Turning answers
into these errors is `venice_ext._core._errors_from`'s job; this package imports
nothing of the engine. The classes live in private submodules (`_status`, `_jobs`,
`_e2ee`, `_wallet`), all importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from venice_ext.errors._base import ConfigurationError, VeniceError
from venice_ext.errors._e2ee import (
    E2EEAttestationError,
    E2EEDecryptionError,
    E2EEError,
    E2EEKeyBindingError,
    E2EENonceMismatchError,
    E2EENotInstalledError,
    E2EESignatureError,
    E2EEUnsupportedRequestError,
)
from venice_ext.errors._jobs import DownloadError, JobError, JobFailedError, JobTimeoutError
from venice_ext.errors._status import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ContentPolicyError,
    GoneError,
    InsufficientBalanceError,
    ModelAtCapacityError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnsupportedMediaTypeError,
)
from venice_ext.errors._wallet import (
    PaymentOutcomeUnknownError,
    PaymentRejectedError,
    SignInRejectedError,
    TopUpRefusedError,
    UnpayableRequirementError,
    WalletError,
    WalletNotInstalledError,
)

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
    "FailureBudgetSpentError",
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
    "StreamTimeoutError",
    "StructuredOutputError",
    "ToolArgumentsError",
    "UnsupportedMediaTypeError",
    "UnsupportedTypeError",
    "VeniceError",
]


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


class StreamTimeoutError(StreamInterruptedError, APITimeoutError):
    """A stream that went silent longer than its idle or progress timeout.

    It carries what arrived (`partial`, `chunks_received`), like any interrupted
    stream, and is an `APITimeoutError` too, so code that catches timeouts still does.
    """

    def __init__(self, message: str, *, partial: Any = None, chunks_received: int = 0) -> None:
        super().__init__(message, partial=partial, chunks_received=chunks_received)
        self.may_have_been_processed = True


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


class OutputPathError(VeniceError, ValueError):
    """An output path that cannot be written safely (a directory, a device, a missing folder...)."""


class FailureBudgetSpentError(RetryBudgetExceededError):
    """A fresh call refused before sending: the failure window is nearly spent.

    `retry_in` is the number of seconds until the oldest failure leaves the window.
    Turned off with `FailureBudget(gate_fresh_calls=False)`.
    """

    def __init__(self, message: str, *, retry_in: float) -> None:
        super().__init__(message)
        self.retry_in = retry_in

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_failure_budget_spent, (self.message, self.retry_in))


def _rebuild_failure_budget_spent(message: str, retry_in: float) -> FailureBudgetSpentError:
    return FailureBudgetSpentError(message, retry_in=retry_in)


class CostUnknownError(VeniceError, LookupError):
    """estimate_cost cannot price the request: no model named, the model or its price is not listed."""


class SpendCapExceededError(SpendLimitError):
    """`Venice(max_usd=...)` (or a call's `max_usd`) refused a billable request before sending it.

    `estimate` is this request's estimated USD, `spent` what the client has been charged
    so far, `in_flight` the estimates of requests still out, `limit` the cap that would
    be crossed. Nothing of this request was sent.
    """

    def __init__(
        self, message: str, *, estimate: float, spent: float, in_flight: float, limit: float, model: str | None = None
    ) -> None:
        super().__init__(message, quote=estimate, limit=limit, model=model)
        self.estimate = estimate
        self.spent = spent
        self.in_flight = in_flight

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_spend_cap_exceeded,
            (self.message, self.estimate, self.spent, self.in_flight, self.limit, self.model),
        )


def _rebuild_spend_cap_exceeded(
    message: str, estimate: float, spent: float, in_flight: float, limit: float, model: str | None
) -> SpendCapExceededError:
    return SpendCapExceededError(message, estimate=estimate, spent=spent, in_flight=in_flight, limit=limit, model=model)


__all__ += [
    "PaymentOutcomeUnknownError",
    "PaymentRejectedError",
    "SignInRejectedError",
    "SpendCapExceededError",
    "TopUpRefusedError",
    "UnpayableRequirementError",
    "WalletError",
    "WalletNotInstalledError",
]
