"""Venice's rate limits and balances, as its response headers report them.

Apart from `_headers.py` because nothing sends a request through them: the two frozen
dataclasses cost more import time than the rest of the header reading, and only a
caller who asks (`APIResponse.rate_limits`, `.balances`, the batch runner) loads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from venice_ext._core._headers import number_of, reset_timestamp

__all__ = ["Balances", "RateLimits", "balances_of", "rate_limits_of"]


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
    number = number_of(value)
    return int(number) if number is not None else None


def rate_limits_of(headers: Mapping[str, str]) -> RateLimits:
    return RateLimits(
        limit_requests=_integer(headers.get("x-ratelimit-limit-requests")),
        remaining_requests=_integer(headers.get("x-ratelimit-remaining-requests")),
        reset_requests_at=reset_timestamp(number_of(headers.get("x-ratelimit-reset-requests"))),
        limit_tokens=_integer(headers.get("x-ratelimit-limit-tokens")),
        remaining_tokens=_integer(headers.get("x-ratelimit-remaining-tokens")),
        reset_tokens_in=number_of(headers.get("x-ratelimit-reset-tokens")),
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
        usd=number_of(headers.get("x-venice-balance-usd")),
        diem=number_of(headers.get("x-venice-balance-diem")),
        vcu=number_of(headers.get("x-venice-balance-vcu")),
        wallet_usd=number_of(headers.get("x-balance-remaining")),
    )
