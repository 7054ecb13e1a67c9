"""The errors for an answer with an error status, one class per status Venice documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from venice_ext.errors._base import VeniceError

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ContentPolicyError",
    "GoneError",
    "InsufficientBalanceError",
    "ModelAtCapacityError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "UnsupportedMediaTypeError",
]


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
