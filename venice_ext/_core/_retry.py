"""The retry policy: which failures are retried, for which operations, after how long.

Pure decisions, no I/O: the transport in `_transport.py` feeds them what happened
and applies what they say, with an injected sleep and clock.

A failure is one of three kinds:
- NOT_PROCESSED: the server certainly did no work (429, 503, connection refused,
  anything that failed before the request was fully sent). Always retried.
- INFERENCE_FAILED: a 500 with a Venice error body. The inference failed and was
  not billed; Venice's docs ask clients to retry. Always retried.
- AMBIGUOUS: the request may have been processed and billed (502, 504, read
  timeouts, connection lost after sending). Retried only for operations that are
  safe to repeat, per `OPERATION_SAFETY`, unless the caller opts in.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

import httpx

__all__ = [
    "OPERATION_SAFETY",
    "Decision",
    "FailureKind",
    "RetryPolicy",
    "Safety",
    "failure_kind_of_exception",
    "failure_kind_of_status",
    "safety_of",
]


class Safety(enum.Enum):
    SAFE = "safe to repeat"
    BILLABLE = "creates billable work or resources"
    SAFE_WITH_IDEMPOTENCY_KEY = "safe to repeat with the same Idempotency-Key"


class FailureKind(enum.Enum):
    NOT_PROCESSED = "not processed"
    INFERENCE_FAILED = "inference failed"
    AMBIGUOUS = "may have been processed"
    FINAL = "not retryable"


# The one table of what may be repeated after an ambiguous failure. Paths are the
# spec's templates, relative to the API base URL. Operations not listed follow the
# HTTP method: GET, HEAD, OPTIONS and DELETE are safe, everything else billable.
OPERATION_SAFETY: dict[tuple[str, str], Safety] = {
    ("POST", "/video/retrieve"): Safety.SAFE,
    ("POST", "/video/quote"): Safety.SAFE,
    ("POST", "/video/complete"): Safety.SAFE,
    ("POST", "/audio/retrieve"): Safety.SAFE,
    ("POST", "/audio/quote"): Safety.SAFE,
    ("POST", "/audio/complete"): Safety.SAFE,
    ("POST", "/crypto/rpc/{network}"): Safety.SAFE_WITH_IDEMPOTENCY_KEY,
    ("POST", "/chat/completions"): Safety.BILLABLE,
    ("POST", "/responses"): Safety.BILLABLE,
    ("POST", "/image/generate"): Safety.BILLABLE,
    ("POST", "/images/generations"): Safety.BILLABLE,
    ("POST", "/image/upscale"): Safety.BILLABLE,
    ("POST", "/image/edit"): Safety.BILLABLE,
    ("POST", "/image/multi-edit"): Safety.BILLABLE,
    ("POST", "/image/background-remove"): Safety.BILLABLE,
    ("POST", "/embeddings"): Safety.BILLABLE,
    ("POST", "/audio/speech"): Safety.BILLABLE,
    ("POST", "/audio/transcriptions"): Safety.BILLABLE,
    ("POST", "/audio/voices"): Safety.BILLABLE,
    ("POST", "/video/transcriptions"): Safety.BILLABLE,
    ("POST", "/video/queue"): Safety.BILLABLE,
    ("POST", "/audio/queue"): Safety.BILLABLE,
    ("POST", "/augment/text-parser"): Safety.BILLABLE,
    ("POST", "/augment/scrape"): Safety.BILLABLE,
    ("POST", "/augment/search"): Safety.BILLABLE,
    ("POST", "/api_keys"): Safety.BILLABLE,
    ("POST", "/api_keys/generate_web3_key"): Safety.BILLABLE,
    ("POST", "/x402/top-up"): Safety.BILLABLE,
}

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def _template_segments(template: str) -> tuple[str | None, ...]:
    # Segment by segment rather than one regex per template: compiling 28 patterns cost
    # more at import than every later lookup put together. None stands for a parameter.
    return tuple(None if part.startswith("{") and part.endswith("}") else part for part in template.split("/"))


def _matches(template: tuple[str | None, ...], path: str) -> bool:
    parts = path[:-1].split("/") if path.endswith("/") and len(path) > 1 else path.split("/")
    if len(parts) != len(template):
        return False
    return all(
        part == literal if literal is not None else part != "" for part, literal in zip(parts, template, strict=True)
    )


_TEMPLATES: tuple[tuple[str, tuple[str | None, ...], Safety], ...] = tuple(
    (method, _template_segments(path), safety) for (method, path), safety in OPERATION_SAFETY.items()
)


@functools.lru_cache(maxsize=1024)
def safety_of(method: str, path: str) -> Safety:
    """Safety of an operation, by method and path relative to the API base URL."""
    method = method.upper()
    for table_method, template, safety in _TEMPLATES:
        if table_method == method and _matches(template, path):
            return safety
    return Safety.SAFE if method in _SAFE_METHODS else Safety.BILLABLE


def failure_kind_of_status(status: int, *, venice_error_body: bool) -> FailureKind:
    if status in (429, 503):
        return FailureKind.NOT_PROCESSED
    if status == 500 and venice_error_body:
        return FailureKind.INFERENCE_FAILED
    if status in (502, 504):
        return FailureKind.AMBIGUOUS
    return FailureKind.FINAL


def failure_kind_of_exception(exc: Exception) -> FailureKind:
    # Connect and pool failures happen before a byte is sent; a write failure means
    # the request never arrived whole, and HTTP/1.1 servers act on whole requests only.
    if isinstance(
        exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError, httpx.WriteTimeout)
    ):
        return FailureKind.NOT_PROCESSED
    if isinstance(exc, (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError, httpx.CloseError)):
        return FailureKind.AMBIGUOUS
    return FailureKind.FINAL


@dataclass(frozen=True)
class Decision:
    """What to do after a failed attempt. `wait` is in seconds."""

    retry: bool
    wait: float = 0.0
    reason: str = ""
    wait_too_long: bool = False


@dataclass(frozen=True)
class RetryPolicy:
    """How many retries, how long between them, and when to refuse to wait.

    Backoff without server guidance: `initial_backoff * 2**retry`, capped at
    `max_backoff`, with jitter taking it down to half of that (so concurrent
    clients spread out). A server-requested wait longer than `max_wait` is not
    slept: the caller gets a RateLimitError carrying the wait instead. Nor is a
    wait that would take the call's total waiting past `max_total_wait`: each
    wait being capped does not bound their sum.
    """

    max_retries: int = 2
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    max_wait: float = 60.0
    retry_ambiguous: bool = False
    max_total_wait: float = 90.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if not 0 < self.initial_backoff <= self.max_backoff:
            raise ValueError("need 0 < initial_backoff <= max_backoff")
        if self.max_wait < 0:
            raise ValueError("max_wait must be >= 0")
        if self.max_total_wait < 0:
            raise ValueError("max_total_wait must be >= 0")

    def backoff_cap(self, retry: int) -> float:
        """Upper bound of the wait before retry number `retry` (0-based)."""
        return float(min(self.max_backoff, self.initial_backoff * 2.0 ** min(retry, 62)))

    def backoff(self, retry: int, jitter: float) -> float:
        """The wait before retry `retry`; `jitter` in [0, 1) picks within [cap/2, cap)."""
        cap = self.backoff_cap(retry)
        return cap / 2 + cap / 2 * min(max(jitter, 0.0), 1.0)

    def decide(
        self,
        *,
        retries_done: int,
        kind: FailureKind,
        safety: Safety,
        server_wait: float | None,
        jitter: float,
        retry_ambiguous: bool | None = None,
        has_idempotency_key: bool = False,
        max_retries: int | None = None,
        waited: float = 0.0,
    ) -> Decision:
        limit = self.max_retries if max_retries is None else max_retries
        if kind is FailureKind.FINAL:
            return Decision(False, reason="not retryable")
        if kind is FailureKind.AMBIGUOUS and not self._may_repeat(safety, retry_ambiguous, has_idempotency_key):
            return Decision(False, reason=f"{kind.value}, and the operation {safety.value}")
        if retries_done >= limit:
            return Decision(False, reason=f"gave up after {retries_done} retries")
        if server_wait is not None:
            if server_wait > self.max_wait:
                return Decision(False, wait=server_wait, reason="server asked for too long a wait", wait_too_long=True)
            if waited + server_wait > self.max_total_wait:
                return Decision(
                    False, wait=server_wait, reason="the call's total wait would pass its cap", wait_too_long=True
                )
            return Decision(True, wait=server_wait, reason=f"{kind.value}; server asked to wait")
        wait = self.backoff(retries_done, jitter)
        if waited + wait > self.max_total_wait:
            return Decision(False, wait=wait, reason="the call's total wait would pass its cap")
        return Decision(True, wait=wait, reason=f"{kind.value}; backing off")

    def _may_repeat(self, safety: Safety, per_call: bool | None, has_key: bool) -> bool:
        opted_in = self.retry_ambiguous if per_call is None else per_call
        if opted_in or safety is Safety.SAFE:
            return True
        return safety is Safety.SAFE_WITH_IDEMPOTENCY_KEY and has_key
