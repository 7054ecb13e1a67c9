"""The retry policy's table, decisions and backoff; the header parsing it relies on."""

from __future__ import annotations

import email.utils
import importlib
import pkgutil
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import venice_api.api
from venice_ext._core._budget import FailureBudget
from venice_ext._core._headers import balances_of, rate_limits_of, request_id_of, retry_after_seconds
from venice_ext._core._retry import OPERATION_SAFETY, FailureKind, RetryPolicy, Safety, safety_of

NOW = 1_760_000_000.0

BILLABLE_BY_NAME = [
    ("POST", "/chat/completions"),
    ("POST", "/responses"),
    ("POST", "/image/generate"),
    ("POST", "/images/generations"),
    ("POST", "/image/upscale"),
    ("POST", "/image/edit"),
    ("POST", "/embeddings"),
    ("POST", "/audio/speech"),
    ("POST", "/audio/transcriptions"),
    ("POST", "/video/queue"),
    ("POST", "/audio/queue"),
    ("POST", "/augment/text-parser"),
    ("POST", "/augment/scrape"),
    ("POST", "/augment/search"),
    ("POST", "/api_keys"),
    ("POST", "/x402/top-up"),
]


def generated_operations() -> list[tuple[str, str]]:
    names = pkgutil.walk_packages(venice_api.api.__path__, "venice_api.api.")
    modules = [importlib.import_module(info.name) for info in names]
    return sorted((m.METHOD, m.PATH) for m in modules if hasattr(m, "PATH"))


@pytest.mark.parametrize(("method", "path"), BILLABLE_BY_NAME)
def test_operations_that_create_billable_work_are_billable(method: str, path: str) -> None:
    assert safety_of(method, path) is Safety.BILLABLE


def test_every_generated_operation_is_classified_and_the_table_names_real_operations() -> None:
    operations = generated_operations()
    assert len(operations) == 49
    for method, path in operations:
        safety = safety_of(method, path)
        if method in ("GET", "DELETE"):
            assert safety is Safety.SAFE, (method, path)
        elif (method, path) not in OPERATION_SAFETY:
            assert safety is Safety.BILLABLE, f"unlisted {method} {path} must default to billable"
    assert set(OPERATION_SAFETY) <= set(operations), "the table names an operation the spec doesn't have"


def test_job_polling_and_cleanup_are_safe_and_rpc_needs_a_key() -> None:
    for path in (
        "/video/retrieve",
        "/video/quote",
        "/video/complete",
        "/audio/retrieve",
        "/audio/quote",
        "/audio/complete",
    ):
        assert safety_of("POST", path) is Safety.SAFE
    assert safety_of("POST", "/crypto/rpc/base-mainnet") is Safety.SAFE_WITH_IDEMPOTENCY_KEY
    assert safety_of("GET", "/api_keys/abc123") is Safety.SAFE
    assert safety_of("PATCH", "/api_keys") is Safety.BILLABLE


kinds = st.sampled_from(list(FailureKind))
safeties = st.sampled_from(list(Safety))
policies = st.builds(
    RetryPolicy,
    max_retries=st.integers(0, 6),
    initial_backoff=st.floats(0.01, 2.0),
    max_backoff=st.floats(2.0, 30.0),
    max_wait=st.floats(0.0, 120.0),
    retry_ambiguous=st.booleans(),
)


@given(policy=policies, retry=st.integers(0, 100), jitter=st.floats(0.0, 1.0, exclude_max=True))
def test_backoff_stays_within_half_cap_and_cap(policy: RetryPolicy, retry: int, jitter: float) -> None:
    cap = policy.backoff_cap(retry)
    wait = policy.backoff(retry, jitter)
    assert 0 < cap <= policy.max_backoff
    assert cap / 2 <= wait <= cap


@given(policy=policies, retry=st.integers(0, 100))
def test_backoff_caps_never_shrink(policy: RetryPolicy, retry: int) -> None:
    assert policy.backoff_cap(retry) <= policy.backoff_cap(retry + 1)


def test_default_backoff_doubles_from_half_a_second_to_eight() -> None:
    policy = RetryPolicy()
    assert [policy.backoff_cap(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


@given(
    policy=policies,
    retries_done=st.integers(0, 10),
    kind=kinds,
    safety=safeties,
    server_wait=st.none() | st.floats(0, 300),
    jitter=st.floats(0, 1, exclude_max=True),
    per_call=st.none() | st.booleans(),
    has_key=st.booleans(),
)
@settings(max_examples=300)
def test_decisions(
    policy: RetryPolicy,
    retries_done: int,
    kind: FailureKind,
    safety: Safety,
    server_wait: float | None,
    jitter: float,
    per_call: bool | None,
    has_key: bool,
) -> None:
    decision = policy.decide(
        retries_done=retries_done,
        kind=kind,
        safety=safety,
        server_wait=server_wait,
        jitter=jitter,
        retry_ambiguous=per_call,
        has_idempotency_key=has_key,
    )
    opted_in = policy.retry_ambiguous if per_call is None else per_call
    if decision.retry:
        assert kind is not FailureKind.FINAL
        assert retries_done < policy.max_retries
        assert 0 <= decision.wait <= max(policy.max_backoff, policy.max_wait)
        if server_wait is not None:
            assert decision.wait == server_wait
    if kind is FailureKind.AMBIGUOUS and safety is Safety.BILLABLE and not opted_in:
        assert not decision.retry, "a possibly billed request is never repeated by default"
    if kind in (FailureKind.NOT_PROCESSED, FailureKind.INFERENCE_FAILED) and retries_done < policy.max_retries:
        assert decision.retry or decision.wait_too_long
    if decision.wait_too_long:
        assert server_wait is not None and server_wait > policy.max_wait and not decision.retry


def test_max_retries_zero_never_retries() -> None:
    policy = RetryPolicy(max_retries=0)
    decision = policy.decide(
        retries_done=0, kind=FailureKind.NOT_PROCESSED, safety=Safety.SAFE, server_wait=None, jitter=0.5
    )
    assert not decision.retry


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": email.utils.formatdate(NOW + 42, usegmt=True)}, 42.0),
        ({"x-ratelimit-reset-requests": str(int(NOW + 12))}, 12.0),
        ({"x-ratelimit-reset-requests": str(int(NOW - 5))}, 0.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(headers, NOW) == expected


@given(
    st.dictionaries(
        st.sampled_from(["retry-after", "retry-after-ms", "x-ratelimit-reset-requests"]), st.text(max_size=40)
    )
)
def test_retry_after_never_raises_nor_goes_negative(headers: dict[str, str]) -> None:
    wait = retry_after_seconds(headers, NOW)
    assert wait is None or wait >= 0


def test_rate_limits_balances_and_request_id() -> None:
    headers = {
        "x-ratelimit-limit-requests": "500",
        "x-ratelimit-remaining-requests": "499",
        "x-ratelimit-reset-requests": "1760000060",
        "x-ratelimit-limit-tokens": "1000000",
        "x-ratelimit-remaining-tokens": "999000",
        "x-ratelimit-reset-tokens": "1.5",
        "x-venice-balance-usd": "12.34",
        "x-venice-balance-diem": "5",
        "x-venice-balance-vcu": "not-a-number",
        "cf-ray": "abc-AMS",
    }
    limits = rate_limits_of(headers)
    assert (limits.limit_requests, limits.remaining_requests, limits.reset_requests_at) == (500, 499, 1760000060.0)
    assert (limits.limit_tokens, limits.remaining_tokens, limits.reset_tokens_in) == (1000000, 999000, 1.5)
    balances = balances_of(headers)
    assert (balances.usd, balances.diem, balances.vcu) == (12.34, 5.0, None)
    assert request_id_of(headers) == "abc-AMS"


@given(
    times=st.lists(st.floats(0, 200), max_size=60),
    now=st.floats(0, 260),
    limit=st.integers(1, 25),
    window=st.floats(1, 60),
)
def test_failure_budget_counts_the_sliding_window(times: list[float], now: float, limit: int, window: float) -> None:
    budget = FailureBudget(limit=limit, window=window)
    times = sorted(times)
    for moment in times:
        budget.record_failure(moment)
    now = max([now, *times])
    expected = sum(1 for moment in times if now - window < moment <= now)
    assert budget.failures(now) == expected
    assert budget.exhausted(now) == (expected >= limit)


def test_failure_budget_is_shared_safely_by_threads() -> None:
    budget = FailureBudget(limit=10_000, window=1000)
    threads = [threading.Thread(target=lambda: [budget.record_failure(NOW) for _ in range(500)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert budget.failures(NOW) == 4000
