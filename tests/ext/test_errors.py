"""Every error body shape Venice uses maps to the right typed error."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

import venice_ext
from venice_ext import errors as e
from venice_ext._core import _errors_from as m


def response(
    status: int,
    body: Any = None,
    *,
    text: str | None = None,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> httpx.Response:
    content = text.encode() if text is not None else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers={"content-type": content_type, **(headers or {})})


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, e.BadRequestError),
        (401, e.AuthenticationError),
        (402, e.PaymentRequiredError),
        (403, e.PermissionDeniedError),
        (404, e.NotFoundError),
        (409, e.ConflictError),
        (410, e.GoneError),
        (413, e.PayloadTooLargeError),
        (415, e.UnsupportedMediaTypeError),
        (422, e.ContentPolicyError),
        (429, e.RateLimitError),
        (500, e.ServerError),
        (502, e.ServerError),
        (503, e.ModelAtCapacityError),
        (504, e.ServerError),
        (418, e.APIStatusError),
    ],
)
def test_one_class_per_status(status: int, cls: type[e.APIStatusError]) -> None:
    error = m.error_from_response(response(status, {"error": "nope"}))
    assert type(error) is cls
    assert error.status_code == status and error.message == "nope"


def test_plain_error_string_with_request_id() -> None:
    error = m.error_from_response(response(400, {"error": "Invalid request parameters"}, headers={"CF-RAY": "8f1-AMS"}))
    assert str(error) == "400: Invalid request parameters (request id 8f1-AMS)"
    assert error.request_id == "8f1-AMS" and error.code is None


def test_x_request_id_when_there_is_no_cf_ray() -> None:
    error = m.error_from_response(response(500, {"error": "x"}, headers={"X-Request-ID": "req-42"}))
    assert error.request_id == "req-42"


def test_validation_details_and_issues_are_kept() -> None:
    body = {
        "error": "Invalid request parameters",
        "details": {"model": {"_errors": ["Required"]}},
        "issues": [{"path": ["model"], "message": "Required"}],
    }
    error = m.error_from_response(response(400, body))
    assert isinstance(error, e.BadRequestError)
    assert error.body["issues"][0]["path"] == ["model"]


def test_openai_style_error_object() -> None:
    body = {
        "error": {
            "message": "Your request exceeds the model's maximum context.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }
    error = m.error_from_response(response(400, body))
    assert error.code == "context_length_exceeded"
    assert str(error) == "400 context_length_exceeded: Your request exceeds the model's maximum context."


def test_provider_content_policy_error() -> None:
    body = {
        "error": {
            "message": "Blocked by the provider's content policy.",
            "type": "provider_content_policy",
            "credits_refunded": True,
            "recommended_model": "venice-uncensored",
        }
    }
    error = m.error_from_response(response(422, body))
    assert isinstance(error, e.ContentPolicyError)
    assert error.credits_refunded is True and error.recommended_model == "venice-uncensored"


def test_content_violation_with_suggested_prompt() -> None:
    error = m.error_from_response(response(422, {"error": "Content violation", "suggested_prompt": "a calm lake"}))
    assert isinstance(error, e.ContentPolicyError) and error.suggested_prompt == "a calm lake"


def test_payload_too_large_with_code() -> None:
    error = m.error_from_response(response(413, {"code": "PAYLOAD_TOO_LARGE", "error": "Request body too large"}))
    assert isinstance(error, e.PayloadTooLargeError) and error.code == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    "body",
    [
        {"error": "Insufficient USD or Diem balance to complete request. Visit https://venice.ai/settings/api."},
        {"error": "API key USD spend limit exceeded.", "code": "API_KEY_USD_SPEND_LIMIT_EXCEEDED"},
        {"error": "API key DIEM spend limit exceeded."},
        {
            "error": "Payment required",
            "code": "PAYMENT_REQUIRED",
            "reason": "insufficient_balance",
            "currentBalanceUsd": 0.01,
            "minimumBalanceUsd": 0.1,
        },
    ],
    ids=["insufficient-balance-message", "usd-spend-limit-code", "diem-spend-limit-message", "x402-wallet"],
)
def test_insufficient_balance_and_spend_limits(body: dict[str, Any]) -> None:
    error = m.error_from_response(response(402, body))
    assert isinstance(error, e.InsufficientBalanceError)
    assert error.code in (
        "INSUFFICIENT_BALANCE",
        "API_KEY_USD_SPEND_LIMIT_EXCEEDED",
        "API_KEY_DIEM_SPEND_LIMIT_EXCEEDED",
        "PAYMENT_REQUIRED",
    )


def test_x402_discovery_body_is_a_plain_payment_required() -> None:
    body = {"x402Version": 2, "error": "Payment required", "accepts": [{"scheme": "exact", "network": "base"}]}
    error = m.error_from_response(response(402, body))
    assert type(error) is e.PaymentRequiredError
    assert error.body["accepts"][0]["network"] == "base"


def test_known_codes_are_recognised_from_the_message() -> None:
    body = {"error": "Authentication failed - Pro subscription is inactive. Please upgrade."}
    assert m.error_from_response(response(401, body)).code == "AUTHENTICATION_FAILED_INACTIVE_KEY"


def test_html_page_from_a_proxy() -> None:
    html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>nginx</body></html>"
    error = m.error_from_response(response(502, text=html, content_type="text/html"))
    assert isinstance(error, e.ServerError)
    assert error.message == "502 Bad Gateway 502 Bad Gateway nginx"
    assert error.body == html
    assert "\n" not in str(error)


def test_empty_body_uses_the_reason_phrase() -> None:
    error = m.error_from_response(httpx.Response(503))
    assert isinstance(error, e.ModelAtCapacityError) and error.message == "Service Unavailable"


def test_retry_after_is_read_from_the_headers() -> None:
    error = m.error_from_response(response(429, {"error": "Rate limit exceeded"}, headers={"retry-after": "7"}))
    assert isinstance(error, e.RateLimitError) and error.retry_after == 7.0


def test_connection_errors_say_whether_the_request_may_have_been_processed() -> None:
    request = httpx.Request("POST", "https://x/chat")
    refused = m.connection_error_from(httpx.ConnectError("refused", request=request))
    lost = m.connection_error_from(httpx.RemoteProtocolError("Server disconnected", request=request))
    timeout = m.connection_error_from(httpx.ReadTimeout("timed out", request=request))
    assert not refused.may_have_been_processed and type(refused) is e.APIConnectionError
    assert lost.may_have_been_processed and "may have been processed" in str(lost)
    assert isinstance(timeout, e.APITimeoutError) and str(timeout).startswith("read timeout")


def _drawn_tree() -> dict[str, str]:
    """Each class name in the module docstring's tree, mapped to the name drawn as its parent."""
    assert e.__doc__ is not None
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in e.__doc__.splitlines():
        match = re.match(r"^(\s*[│├└─ ]*)([A-Z]\w+)", line)
        if not match or not line.startswith("    "):
            continue
        depth = len(match.group(1))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[match.group(2)] = stack[-1][1]
        stack.append((depth, match.group(2)))
    return parents


def test_the_drawn_tree_is_complete_and_true() -> None:
    parents = _drawn_tree()
    public = {name for name in venice_ext.__all__ if isinstance(getattr(venice_ext, name), type)}
    errors = {name for name in public if issubclass(getattr(venice_ext, name), BaseException)}
    errors -= {name for name in errors if issubclass(getattr(venice_ext, name), Warning)}
    for name in errors | set(e.__all__):
        cls = getattr(e, name)
        assert issubclass(cls, e.VeniceError), f"{name} is not a VeniceError"
        if cls is e.VeniceError:
            continue
        assert name in parents, f"{name} missing from the drawn tree"
        assert parents[name] == cls.__mro__[1].__name__, f"{name} drawn under {parents[name]}"
    assert set(parents) <= set(e.__all__)


def _raise_in_worker(status: int) -> None:
    raise m.error_from_response(
        httpx.Response(
            status, json={"error": "nope"}, headers={"cf-ray": "ray-1"}, request=httpx.Request("GET", "https://x/")
        )
    )


def test_every_error_pickles_round_trip() -> None:
    import pickle

    status = m.error_from_response(
        httpx.Response(
            429,
            json={"error": "slow down"},
            headers={"retry-after": "3", "cf-ray": "r"},
            request=httpx.Request("GET", "https://x/"),
        )
    )
    others: list[e.VeniceError] = [
        status,
        e.APIConnectionError("gone", may_have_been_processed=True),
        e.ResponseValidationError("bad", status_code=200, body=b"{}", request_id="r"),
        e.StreamInterruptedError("cut", partial={"a": 1}, chunks_received=2),
        e.RetryBudgetExceededError("budget", last_error=status),
        e.DownloadError("short", job=object(), job_json="{}", bytes_received=3),
        e.MaxIterationsError(3, [], [], None),
        e.E2EENonceMismatchError("stale", check="nonce", model="m"),
    ]
    for error in others:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
        assert {k: repr(v) for k, v in vars(copy).items() if k != "job"} == {
            k: repr(v) for k, v in vars(error).items() if k != "job"
        }
    assert type(status).__module__ == "venice_ext.errors"


def test_an_error_crosses_a_process_pool() -> None:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1) as pool:
        future = pool.submit(_raise_in_worker, 400)
        error = future.exception(timeout=60)
    assert isinstance(error, e.BadRequestError) and error.request_id == "ray-1" and error.status_code == 400


def _response(status: int, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, content=content, headers=headers or {}, request=httpx.Request("POST", "https://x/chat/completions")
    )


def test_validation_details_are_in_the_message() -> None:
    body = {
        "error": "Invalid request parameters",
        "details": {"_errors": [], "temperature": {"_errors": ["Number must be less than or equal to 2"]}},
        "issues": [{"code": "too_big", "path": ["temperature"], "message": "Number must be less than or equal to 2"}],
    }
    error = m.error_from_response(_response(400, json.dumps(body).encode(), {"cf-ray": "r1"}))
    assert isinstance(error, e.BadRequestError)
    assert "temperature: Number must be less than or equal to 2" in str(error) and "r1" in str(error)
    only_details = {k: v for k, v in body.items() if k != "issues"}
    assert "temperature: Number must be" in str(
        m.error_from_response(_response(400, json.dumps(only_details).encode()))
    )


def test_deeply_nested_error_bodies_stay_typed() -> None:
    deep = b"[" * 5000 + b"]" * 5000
    error = m.error_from_response(_response(500, deep, {"content-type": "application/json"}))
    assert isinstance(error, e.ServerError) and error.status_code == 500


def test_an_echoed_authorization_header_is_redacted() -> None:
    secret = "sk-ECHO-1234567890"
    body = {"error": f"bad auth: Bearer {secret}", "headers": {"Authorization": f"Bearer {secret}", "x": "y"}}
    error = m.error_from_response(_response(401, json.dumps(body).encode()))
    import pickle

    for text in (str(error), repr(error), repr(vars(error)), repr(pickle.dumps(error))):
        assert secret not in text
    assert error.body["headers"]["x"] == "y"


def test_a_signed_url_in_an_error_loses_its_query() -> None:
    text = m.redact_text("GET https://cdn.example/v.mp4?X-Amz-Signature=abc123&X-Amz-Credential=k failed")
    assert "abc123" not in text and "https://cdn.example/v.mp4?<query redacted>" in text
