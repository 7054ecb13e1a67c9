"""When to top up by itself: below a balance, by a fixed amount, never past a total cap."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["AutoTopUp", "next_top_up"]


@dataclass(frozen=True)
class AutoTopUp:
    """Top up `amount_usd` whenever `X-Balance-Remaining` falls below `below_usd`, while
    the top-ups this client made by itself stay within `cap_usd` in total."""

    below_usd: float
    amount_usd: float
    cap_usd: float

    def __post_init__(self) -> None:
        for name in ("below_usd", "amount_usd", "cap_usd"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise ValueError(f"AutoTopUp.{name} must be a finite number >= 0, got {value!r}")
        if self.amount_usd <= 0:
            raise ValueError("AutoTopUp.amount_usd must be positive")


def next_top_up(policy: AutoTopUp | None, *, balance_usd: float | None, spent_usd: float) -> float | None:
    """The amount to top up now, or None: no policy, no balance known, enough left, or the cap reached."""
    if policy is None or balance_usd is None or balance_usd >= policy.below_usd:
        return None
    if spent_usd + policy.amount_usd > policy.cap_usd + 1e-9:
        return None
    return policy.amount_usd
