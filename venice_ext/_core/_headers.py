"""Reading Venice's response headers: request id, waits, rate limits, balances.

Pure functions over a lower-cased header mapping; the clock is a parameter.
"""

from __future__ import annotations

import datetime
import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "Balances",
    "RateLimits",
    "balances_of",
    "rate_limits_of",
    "request_id_of",
    "reset_timestamp",
    "retry_after_seconds",
]

# x-ratelimit-reset-requests is a Unix timestamp; values below this are taken as
# already relative (seconds), which is what some proxies send instead.
_EPOCH_FLOOR = 1_000_000_000
# Beyond this a reset timestamp is in milliseconds: 1e12 s is 31,000 years away,
# while 1e12 ms is 2001.
_EPOCH_MS_FLOOR = 1_000_000_000_000
# RFC 9110 delay-seconds is 1*DIGIT: no sign, fraction, exponent or underscore
# (float() and int() accept `1_0` as 10).
_DELAY_SECONDS = re.compile(r"[0-9]+")


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """Venice's request id: Cloudflare's CF-RAY, else X-Request-ID."""
    for name in ("cf-ray", "x-request-id"):
        value = headers.get(name)
        if value:
            return value
    return None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number == number and number not in (float("inf"), float("-inf")) else None


def retry_after_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """How long the server asked to wait, in seconds, or None if it did not say.

    Precedence: `retry-after-ms`, `Retry-After` (seconds or an HTTP date, UTC when it
    names no zone), then `x-ratelimit-reset-requests` (a Unix timestamp, or seconds
    when small). Never negative; values that are not finite numbers are ignored.
    """
    milliseconds = _number(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return max(0.0, milliseconds / 1000)
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        digits = retry_after.strip()
        if _DELAY_SECONDS.fullmatch(digits):
            # Longer than 12 digits is "longer than any cap", and int() refuses 4,300.
            return float(int(digits)) if len(digits.lstrip("0")) <= 12 else 1e12
        try:
            when = email.utils.parsedate_to_datetime(retry_after.strip())
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            # HTTP dates are UTC, the asctime form included, though it names no zone;
            # a naive datetime's timestamp() would read it in the local zone instead.
            if when.tzinfo is None:
                when = when.replace(tzinfo=datetime.UTC)
            return max(0.0, when.timestamp() - now)
    reset = reset_timestamp(_number(headers.get("x-ratelimit-reset-requests")))
    if reset is not None:
        return max(0.0, reset - now) if reset >= _EPOCH_FLOOR else max(0.0, reset)
    return None


def reset_timestamp(value: float | None) -> float | None:
    """A reset time in seconds: a millisecond epoch timestamp is divided down."""
    if value is None:
        return None
    return value / 1000 if value >= _EPOCH_MS_FLOOR else value


@dataclass(frozen=True)
class RateLimits:
    """Venice's `x-ratelimit-*` headers. Reset of requests is a Unix timestamp, of tokens seconds."""

    limit_requests: int | None = None
    remaining_requests: int | None = None
    reset_requests_at: float | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None
    reset_tokens_in: float | None = None

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> RateLimits:
        """What these headers say: `RateLimits.of(raw.headers)` for a `with_raw_response` answer."""
        return rate_limits_of(headers)


def _integer(value: str | None) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def rate_limits_of(headers: Mapping[str, str]) -> RateLimits:
    return RateLimits(
        limit_requests=_integer(headers.get("x-ratelimit-limit-requests")),
        remaining_requests=_integer(headers.get("x-ratelimit-remaining-requests")),
        reset_requests_at=reset_timestamp(_number(headers.get("x-ratelimit-reset-requests"))),
        limit_tokens=_integer(headers.get("x-ratelimit-limit-tokens")),
        remaining_tokens=_integer(headers.get("x-ratelimit-remaining-tokens")),
        reset_tokens_in=_number(headers.get("x-ratelimit-reset-tokens")),
    )


@dataclass(frozen=True)
class Balances:
    """Balances Venice reports after a request: the account's (`x-venice-balance-*`) and, for
    a wallet signed in with x402, its prepaid USD (`X-Balance-Remaining`)."""

    usd: float | None = None
    diem: float | None = None
    vcu: float | None = None
    wallet_usd: float | None = None

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> Balances:
        """What these headers say: `Balances.of(raw.headers)` for a `with_raw_response` answer."""
        return balances_of(headers)


def balances_of(headers: Mapping[str, str]) -> Balances:
    return Balances(
        usd=_number(headers.get("x-venice-balance-usd")),
        diem=_number(headers.get("x-venice-balance-diem")),
        vcu=_number(headers.get("x-venice-balance-vcu")),
        wallet_usd=_number(headers.get("x-balance-remaining")),
    )
