"""The retry policy's table, decisions and backoff; the header parsing it relies on."""

from __future__ import annotations

import email.utils
import importlib
import os
import pkgutil
import re
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import venice_api.api
from venice_ext._core._budget import FailureBudget
from venice_ext._core._headers import request_id_of, retry_after_seconds
from venice_ext._core._limits import Balances, RateLimits, balances_of, rate_limits_of
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


def _reference_match(template: str, path: str) -> bool:
    # The plain regex reading of a path template, which the segment matcher replaces.
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.fullmatch(f"{regex}/?", path) is not None


_path_pieces = st.sampled_from(["", "/", "crypto", "rpc", "base-mainnet", "{x}", "video", "queue", "a/b", "//"])


@settings(max_examples=300, deadline=None)
@given(
    template=st.sampled_from(sorted({path for _, path in OPERATION_SAFETY})),
    pieces=st.lists(_path_pieces, max_size=5),
    tail=st.sampled_from(["", "/", "//", "x"]),
)
def test_template_matching_agrees_with_the_regex_reading(template: str, pieces: list[str], tail: str) -> None:
    from venice_ext._core._retry import _matches, _template_segments

    near = template.replace("{network}", "".join(pieces)) + tail
    for path in (near, "/" + "/".join(pieces) + tail):
        assert _matches(_template_segments(template), path) is _reference_match(template, path), path


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
        # Too long for one wait, or for the call's total (nothing waited yet here).
        assert server_wait is not None and not decision.retry
        assert server_wait > min(policy.max_wait, policy.max_total_wait)


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
        # RFC 9110 delay-seconds is digits only: a fraction, a sign or `1_0` is no wait.
        ({"retry-after": "1.5"}, None),
        ({"retry-after": "1_0"}, None),
        ({"retry-after": "+5"}, None),
        ({"retry-after": "1e1"}, None),
        ({"retry-after": " 7 "}, 7.0),
        ({"retry-after": "1_0", "x-ratelimit-reset-requests": str(int(NOW + 4))}, 4.0),
        ({"retry-after": "9" * 5000}, 1e12),
        # A millisecond epoch timestamp, not a 57-year wait.
        ({"x-ratelimit-reset-requests": str(int((NOW + 12) * 1000))}, 12.0),
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


# --- the Idempotency-Key safety class, with and without the key ------------------------------


# Each safety, with and without a key, gets examples of its own: drawn at random, a
# key-dependent operation without its key (the case that matters) is a rare draw.
@pytest.mark.parametrize("has_key", [True, False], ids=["with key", "without key"])
@pytest.mark.parametrize("safety", list(Safety), ids=lambda safety: safety.name)
@given(
    policy=policies,
    retries_done=st.integers(0, 10),
    jitter=st.floats(0, 1, exclude_max=True),
    per_call=st.none() | st.booleans(),
)
def test_ambiguous_failures_are_repeated_exactly_when_the_operation_allows_it(
    safety: Safety, has_key: bool, policy: RetryPolicy, retries_done: int, jitter: float, per_call: bool | None
) -> None:
    decision = policy.decide(
        retries_done=retries_done,
        kind=FailureKind.AMBIGUOUS,
        safety=safety,
        server_wait=None,
        jitter=jitter,
        retry_ambiguous=per_call,
        has_idempotency_key=has_key,
    )
    opted_in = policy.retry_ambiguous if per_call is None else per_call
    repeatable = opted_in or safety is Safety.SAFE or (safety is Safety.SAFE_WITH_IDEMPOTENCY_KEY and has_key)
    assert decision.retry == (repeatable and retries_done < policy.max_retries)


# --- header values that are not finite numbers; resets in seconds or as a Unix time -------------

NOT_FINITE = ["nan", "NaN", " nan ", "-nan", "inf", "-inf", "+inf", "Infinity", "-Infinity", "1e999", "-1e999"]
not_finite = st.sampled_from(NOT_FINITE)


@given(value=not_finite)
def test_a_wait_that_is_not_a_finite_number_is_no_wait(value: str) -> None:
    assert retry_after_seconds({"retry-after-ms": value}, NOW) is None
    assert retry_after_seconds({"retry-after": value}, NOW) is None
    assert retry_after_seconds({"x-ratelimit-reset-requests": value}, NOW) is None


@given(value=not_finite, seconds=st.integers(0, 600))
def test_a_wait_that_is_not_a_finite_number_gives_way_to_the_next_header(value: str, seconds: int) -> None:
    assert retry_after_seconds({"retry-after-ms": value, "retry-after": str(seconds)}, NOW) == seconds
    reset = {"x-ratelimit-reset-requests": str(int(NOW) + seconds)}
    assert retry_after_seconds({"retry-after": value, **reset}, NOW) == seconds


@given(value=not_finite, name=st.sampled_from(["limit-requests", "remaining-requests", "limit-tokens"]))
def test_rate_limits_and_balances_ignore_values_that_are_not_finite(value: str, name: str) -> None:
    headers = {f"x-ratelimit-{name}": value, "x-ratelimit-reset-requests": value, "x-ratelimit-reset-tokens": value}
    headers |= {"x-venice-balance-usd": value, "x-venice-balance-diem": value, "x-venice-balance-vcu": value}
    assert rate_limits_of(headers) == RateLimits()
    assert balances_of(headers) == Balances()


@given(seconds=st.floats(0, 999_999_999, allow_nan=False).map(lambda s: round(s, 3)))
def test_a_relative_reset_is_a_number_of_seconds(seconds: float) -> None:
    # Proxies send x-ratelimit-reset-requests as seconds; below any plausible Unix time it is one.
    assert retry_after_seconds({"x-ratelimit-reset-requests": f"{seconds}"}, NOW) == pytest.approx(seconds)


@given(ahead=st.integers(-3600, 3600))
def test_an_absolute_reset_is_a_unix_time(ahead: int) -> None:
    assert retry_after_seconds({"x-ratelimit-reset-requests": str(int(NOW) + ahead)}, NOW) == max(0, ahead)


# --- HTTP dates without a zone ------------------------------------------------------------------


@pytest.fixture
def far_from_utc() -> Iterator[None]:
    """A local time zone hours away from UTC, so a date read in local time is visibly wrong."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/Los_Angeles"
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


ZONELESS = [
    "%a, %d %b %Y %H:%M:%S",  # IMF-fixdate without its GMT
    "%a %b %d %H:%M:%S %Y",  # asctime, which HTTP defines as UTC and recipients must accept
    "%a, %d %b %Y %H:%M:%S -0000",  # RFC 5322's "UTC, local zone unknown"
]


@pytest.mark.usefixtures("far_from_utc")
@pytest.mark.parametrize("layout", ZONELESS, ids=["no zone", "asctime", "-0000"])
@given(ahead=st.integers(0, 86_400))
def test_an_http_date_without_a_zone_is_utc(layout: str, ahead: int) -> None:
    date = time.strftime(layout, time.gmtime(NOW + ahead))
    assert retry_after_seconds({"retry-after": date}, NOW) == ahead


@pytest.mark.usefixtures("far_from_utc")
@given(ahead=st.integers(-86_400, 86_400), zone=st.sampled_from(["GMT", "UTC", "+0000"]))
def test_an_http_date_with_a_zone_is_read_in_that_zone(ahead: int, zone: str) -> None:
    date = time.strftime(f"%a, %d %b %Y %H:%M:%S {zone}", time.gmtime(NOW + ahead))
    assert retry_after_seconds({"retry-after": date}, NOW) == max(0, ahead)


# --- the failure budget's window edge -----------------------------------------------------------


def test_a_failure_exactly_one_window_ago_has_left_the_budget() -> None:
    budget = FailureBudget(limit=2, window=30)
    budget.record_failure(100.0)
    budget.record_failure(110.0)
    assert budget.failures(129.0) == 2 and budget.exhausted(129.0)
    assert budget.failures(130.0) == 1 and not budget.exhausted(130.0)
    assert budget.failures(140.0) == 0


@given(window=st.integers(1, 40), limit=st.integers(1, 10), data=st.data())
def test_failure_budget_window_edges_on_whole_seconds(window: int, limit: int, data: st.DataObject) -> None:
    # Failures at whole seconds around `now - window`: exactly on the edge, one before, one after.
    now = 1000
    around_the_edge = st.integers(-1, 1) | st.integers(-window, window)
    times = sorted(now - window + offset for offset in data.draw(st.lists(around_the_edge, max_size=30)))
    budget = FailureBudget(limit=limit, window=window)
    for moment in times:
        budget.record_failure(moment)
    expected = sum(1 for moment in times if now - window < moment)
    assert budget.failures(now) == expected
    assert budget.exhausted(now) == (expected >= limit)
