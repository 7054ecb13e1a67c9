"""The spend ledger behind `Venice(max_usd=...)`: pure bookkeeping, no I/O.

A billable request first `reserve`s its estimate: refused (SpendCapExceededError) when
what was spent, plus every estimate still in flight, plus this one would cross the cap.
Its answer then `settle`s the actual cost in place of the estimate, or a failure that
certainly cost nothing `release`s it. One lock guards every change, so threads share a
ledger safely; tasks never hold it across an await.

A balance difference (`x-venice-balance-usd` before and after) is only the cost of a
request when nothing else was in flight meanwhile: `Reservation.alone` says whether that
held, and `balance_cost` only answers for such a request.
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass

from venice_ext.errors import ConfigurationError, SpendCapExceededError

__all__ = ["Reservation", "Spend", "SpendLedger"]


@dataclass(frozen=True)
class Spend:
    """`client.spend`: USD charged so far, estimated for requests in flight, and left under the cap."""

    spent: float
    estimated: float
    remaining: float | None
    limit: float | None


class Reservation:
    """One request's estimate held in the ledger (a plain class: a dataclass's generated
    methods cost import time and none is used)."""

    __slots__ = ("alone", "balance_before", "estimate", "id")

    def __init__(self, id: int, estimate: float, alone: bool, balance_before: float | None) -> None:
        self.id = id
        self.estimate = estimate
        self.alone = alone
        self.balance_before = balance_before

    def __repr__(self) -> str:
        return f"Reservation(id={self.id}, estimate={self.estimate!r}, alone={self.alone})"


def _check_usd(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ConfigurationError(f"{name} must be a finite number of USD >= 0, not {value!r}")
    return float(value)


class SpendLedger:
    def __init__(self, max_usd: float | None) -> None:
        self.limit = None if max_usd is None else _check_usd(max_usd, "max_usd")
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._spent = 0.0
        self._outstanding: dict[int, Reservation] = {}
        self._balance: float | None = None

    def reserve(self, estimate: float, *, call_limit: float | None = None, model: str | None = None) -> Reservation:
        """Hold `estimate` against the cap (and `call_limit`, this call's own cap), or refuse."""
        estimate = _check_usd(estimate, "a cost estimate")
        with self._lock:
            in_flight = sum((r.estimate for r in self._outstanding.values()), 0.0)
            for limit, counted in ((self.limit, self._spent + in_flight), (call_limit, 0.0)):
                if limit is not None and counted + estimate > limit:
                    raise SpendCapExceededError(
                        f"refusing to send: estimated ${estimate:.6f} on top of ${self._spent:.6f} spent and "
                        f"${in_flight:.6f} in flight would cross max_usd=${limit:.6f}; nothing was sent",
                        estimate=estimate,
                        spent=self._spent,
                        in_flight=in_flight,
                        limit=limit,
                        model=model,
                    )
            for other in self._outstanding.values():
                other.alone = False
            reservation = Reservation(next(self._ids), estimate, not self._outstanding, self._balance)
            self._outstanding[reservation.id] = reservation
            return reservation

    def balance_cost(self, reservation: Reservation, balance_after: float) -> float | None:
        """The balance difference as this request's cost, when nothing else could have moved it."""
        with self._lock:
            if reservation.alone and reservation.balance_before is not None:
                return max(0.0, reservation.balance_before - balance_after)
            return None

    def observe_balance(self, balance_usd: float) -> None:
        with self._lock:
            self._balance = balance_usd

    def settle(self, reservation: Reservation, actual: float) -> None:
        """Replace the estimate by what the request actually cost."""
        actual = _check_usd(actual, "a settled cost")
        with self._lock:
            if self._outstanding.pop(reservation.id, None) is not None:
                self._spent += actual

    def release(self, reservation: Reservation) -> None:
        """The request certainly cost nothing (refused, not processed): drop its estimate."""
        with self._lock:
            self._outstanding.pop(reservation.id, None)

    def snapshot(self) -> Spend:
        with self._lock:
            in_flight = sum((r.estimate for r in self._outstanding.values()), 0.0)
            remaining = None if self.limit is None else max(0.0, self.limit - self._spent - in_flight)
            return Spend(self._spent, in_flight, remaining, self.limit)
