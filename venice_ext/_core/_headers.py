"""Reading Venice's response headers: request id and waits (rate limits and balances are
read in `_limits.py`, loaded when first asked for).

Pure functions over a lower-cased header mapping; the clock is a parameter.
"""

from __future__ import annotations

import datetime
import email.utils
import re
from collections.abc import Mapping

__all__ = ["number_of", "request_id_of", "reset_timestamp", "retry_after_seconds"]

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


def number_of(value: str | None) -> float | None:
    """A header's finite number, or None (absent, not a number, NaN or infinite)."""
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
    milliseconds = number_of(headers.get("retry-after-ms"))
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
    reset = reset_timestamp(number_of(headers.get("x-ratelimit-reset-requests")))
    if reset is not None:
        return max(0.0, reset - now) if reset >= _EPOCH_FLOOR else max(0.0, reset)
    return None


def reset_timestamp(value: float | None) -> float | None:
    """A reset time in seconds: a millisecond epoch timestamp is divided down."""
    if value is None:
        return None
    return value / 1000 if value >= _EPOCH_MS_FLOOR else value
