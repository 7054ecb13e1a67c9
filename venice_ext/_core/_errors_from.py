"""From HTTP answers and transport failures to the typed errors of `venice_ext.errors`.

Kept apart from the classes, so that `errors` imports nothing of the engine and every
layer may raise its errors without a circle.
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
from venice_ext.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
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
    ResponseValidationError,
    ServerError,
    UnsupportedMediaTypeError,
    VeniceError,
)

__all__ = [
    "connection_error_from",
    "error_from_response",
    "error_from_stream_payload",
    "parse_error_body",
    "redact_body",
    "redact_text",
    "request_id_of",
    "undecodable_body_error",
    "undecodable_stand_in",
]


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


def _issues_text(issues: Any, details: Any) -> str:
    """Venice's 400 validation detail as one line: `temperature: Number must be less than or equal to 2`."""
    lines: list[str] = []
    if isinstance(issues, list):
        for issue in issues[:10]:
            if isinstance(issue, Mapping) and isinstance(issue.get("message"), str):
                path = issue.get("path")
                where = ".".join(str(part) for part in path) if isinstance(path, list) else ""
                lines.append(f"{where}: {issue['message']}" if where else issue["message"])
    elif isinstance(details, Mapping):
        for name, detail in list(details.items())[:10]:
            errors = detail.get("_errors") if isinstance(detail, Mapping) else None
            if isinstance(errors, list) and errors and name != "_errors":
                lines.append(f"{name}: {'; '.join(str(item) for item in errors[:3])}")
    return "; ".join(lines)[:_MAX_MESSAGE]


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
    details = _issues_text(body.get("issues"), body.get("details"))
    if details:
        message = f"{message}: {details}" if isinstance(message, str) and message else details
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


_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[^\s\"',;]+")
_SIGNED_QUERY = re.compile(r"(?i)(https?://[^\s\"'?#]+)\?[^\s\"'#]*")
_SECRET_KEYS = frozenset({"authorization", "proxy-authorization", "x-api-key", "api_key", "apikey", "cookie"})


def redact_text(text: str) -> str:
    """`text` without bearer or basic credentials and without the query of any URL (signatures live there)."""
    return _SIGNED_QUERY.sub(r"\1?<query redacted>", _BEARER.sub(r"\1 <redacted>", text))


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [_redact(item) for item in value]
    if isinstance(value, dict):
        return {
            key: "<redacted>" if isinstance(key, str) and key.lower() in _SECRET_KEYS else _redact(item)
            for key, item in value.items()
        }
    return value


def redact_body(body: Any) -> Any:
    """An error body with any echoed credential taken out: servers and proxies echo request headers."""
    try:
        return _redact(body)
    except RecursionError:
        return "<error body nested too deep to show>"


def _decode_body(content: bytes, content_type: str) -> Any:
    if not content:
        return None
    text = content.decode("utf-8", errors="replace")
    if "json" in content_type or text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            pass  # a body nested deeper than Python's stack is kept as its text
    return text


def _fallback_message(body: Any, reason: str) -> str:
    if isinstance(body, str) and body.strip():
        squashed = " ".join(re.sub(r"<[^>]+>", " ", body).split())
        return squashed[:_MAX_MESSAGE] or reason
    return reason


_UNDECODABLE = "x-venice-client-undecodable-body"


def undecodable_stand_in(response: httpx.Response, request: httpx.Request) -> httpx.Response:
    """An error answer whose body did not decode, as an empty body marked so that
    `error_from_response` says why; what httpx would raise is no typed error."""
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("content-encoding", "content-length")]
    encoding = response.headers.get("content-encoding", "")
    return httpx.Response(
        response.status_code,
        headers=[*headers, (_UNDECODABLE, encoding)],
        content=b"",
        request=request,
        extensions=response.extensions,
    )


def undecodable_body_error(response: httpx.Response, exc: Exception) -> VeniceError:
    """The typed error for a body that its Content-Encoding does not decode (a gzip that is not gzip).

    An error status keeps its class (the status says what happened); a 2xx is a
    ResponseValidationError. Streams call this too, for a chunk that fails to decode.
    """
    headers = {key.lower(): value for key, value in response.headers.items()}
    encoding = headers.get("content-encoding", "")
    reason = f"the body does not decode as its Content-Encoding {encoding!r} says: {type(exc).__name__}"
    status = response.status_code
    if 200 <= status < 300:
        return ResponseValidationError(
            f"{response.request.method} {response.request.url.path}: the {status} answer is unreadable: {reason}",
            status_code=status,
            body=b"",
            request_id=request_id_of(headers),
        )
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIStatusError)
    return cls(
        reason,
        status_code=status,
        request_id=request_id_of(headers),
        headers=headers,
        retry_after=retry_after_seconds(headers, time.time()),
    )


def connection_error_from(exc: Exception) -> APIConnectionError:
    """The typed error for an httpx transport failure."""
    processed = failure_kind_of_exception(exc) is FailureKind.AMBIGUOUS
    detail = redact_text(str(exc)) or type(exc).__name__
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
    payload = redact_body(payload)
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
    body = redact_body(_decode_body(response.content, headers.get("content-type", "")))
    fields = parse_error_body(body)
    status = response.status_code
    reason = response.reason_phrase or httpx.codes.get_reason_phrase(status) or "error"
    if _UNDECODABLE in headers:
        reason = f"{reason}; the body does not decode as its Content-Encoding {headers[_UNDECODABLE]!r} says"
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
