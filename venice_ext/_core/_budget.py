"""A client-wide budget of failures, so retries never get the key blocked.

Venice blocks a key for 30 s after more than 20 failed requests in 30 s. Every
failed attempt (an error status or no answer) is recorded in a sliding window
shared by all threads and tasks using the budget (one client or several).

Any request in flight may still fail, so by default every request holds a slot
from before it is sent until its answer's status is known: the failures in the
window plus the requests in flight never pass `limit`, whatever the concurrency,
and the server never sees more than `limit` failed requests in a window. The price
is that at most `limit` requests of one budget are in flight at once (a stream
gives its slot back once its status is known); a call finding every slot taken by
requests in flight waits for one, retries first, then fresh calls in arrival order.
Once failures alone fill the window, fresh calls are refused before sending
(`FailureBudgetSpentError` says how long to wait), unless `gate_fresh_calls=False`
(they then go unreserved), and retries are refused (`RetryBudgetExceededError`).

`reserve_in_flight=False` lifts the cap on concurrency: a fresh call then takes a
slot only while the window holds failures, so the requests already in flight when
the first failure of a window comes back may all fail too; the failures the server
sees then stay within max(limit, requests in flight at that moment).
"""

from __future__ import annotations

import contextlib
import enum
import threading
from collections import deque
from collections.abc import Callable

__all__ = ["FailureBudget", "Slot", "SlotState"]


class SlotState(enum.Enum):
    HELD = "held"  # in flight, counted against `limit`
    UNRESERVED = "unreserved"  # in flight without a slot (reserve_in_flight=False, or the gate off)
    WAITING = "waiting"  # every slot taken by requests in flight: waits for one to come back
    REFUSED = "refused"  # the window's failures fill the budget: not to be sent
    WITHDRAWN = "withdrawn"  # gave up waiting (deadline, cancellation)
    DONE = "done"  # answered, and counted


class Slot:
    """One request's place in a budget, from before it is sent until its status is known."""

    __slots__ = ("_budget", "_wake", "retry", "retry_in", "state")

    def __init__(self, budget: FailureBudget, state: SlotState, *, retry: bool, retry_in: float | None = None) -> None:
        self._budget = budget
        self._wake: Callable[[], None] | None = None
        self.state = state
        self.retry = retry
        self.retry_in = retry_in  # when refused: seconds until the window's first failure leaves it

    @property
    def in_flight(self) -> bool:
        return self.state in (SlotState.HELD, SlotState.UNRESERVED)

    def _decide(self, state: SlotState, retry_in: float | None = None) -> None:
        # Under the budget's lock: the waiter learns its fate from `state` once woken.
        self.state, self.retry_in = state, retry_in
        if self._wake is not None:
            self._wake()

    def wait(self, timeout: float | None) -> None:
        """Block until this slot is held or refused, or `timeout` passes (then WITHDRAWN)."""
        if self.state is not SlotState.WAITING:
            return
        event = threading.Event()
        with self._budget._lock:
            if self.state is not SlotState.WAITING:
                return
            self._wake = event.set
        try:
            event.wait(timeout)
        finally:
            self._budget._withdraw(self)

    async def async_wait(self, timeout: float | None) -> None:
        """Wait until this slot is held or refused, or `timeout` passes (then WITHDRAWN)."""
        if self.state is not SlotState.WAITING:
            return
        import asyncio

        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            # A closed loop's waiter was cancelled, and withdraws itself (giving back a slot it was handed).
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, woken)

        with self._budget._lock:
            if self.state is not SlotState.WAITING:
                return
            self._wake = wake
        try:
            await asyncio.wait({woken}, timeout=timeout)
        finally:
            self._budget._withdraw(self)


def _resolve(future: object) -> None:
    import asyncio

    if isinstance(future, asyncio.Future) and not future.done():
        future.set_result(None)


class FailureBudget:
    def __init__(
        self,
        *,
        limit: int = 15,
        window: float = 30.0,
        gate_fresh_calls: bool = True,
        reserve_in_flight: bool = True,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("need limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self.gate_fresh_calls = gate_fresh_calls
        self.reserve_in_flight = reserve_in_flight
        self._failures: deque[float] = deque()
        self._reserved = 0
        self._unreserved_in_flight = 0
        self._waiting_retries: deque[Slot] = deque()
        self._waiting_fresh: deque[Slot] = deque()
        # A plain lock serves asyncio tasks too: it is never held across an await.
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"FailureBudget(limit={self.limit}, window={self.window:g}, gate_fresh_calls={self.gate_fresh_calls}, "
            f"reserve_in_flight={self.reserve_in_flight})"
        )

    def _tidy(self, now: float) -> None:
        """Drop the failures the window left behind and hand freed slots to waiters; with
        neither (nearly every call) only the two tests run."""
        if self._failures:
            self._expire(now)
        if self._waiting_retries or self._waiting_fresh:
            self._hand_over(now)

    def _expire(self, now: float) -> None:
        horizon = now - self.window
        while self._failures and self._failures[0] <= horizon:
            self._failures.popleft()

    def _taken(self) -> int:
        return len(self._failures) + self._reserved + self._unreserved_in_flight

    def _retry_in(self, now: float) -> float:
        return max(0.0, self._failures[0] + self.window - now) if self._failures else 0.0

    def _held(self, *, retry: bool) -> Slot:
        self._reserved += 1
        return Slot(self, SlotState.HELD, retry=retry)

    def _unreserved(self) -> Slot:
        self._unreserved_in_flight += 1
        return Slot(self, SlotState.UNRESERVED, retry=False)

    def start_fresh(self, now: float) -> Slot:
        """A fresh call's slot: HELD, UNRESERVED, WAITING (for a request in flight), or REFUSED."""
        with self._lock:
            self._tidy(now)
            if not self.gate_fresh_calls or (not self.reserve_in_flight and not self._failures):
                return self._unreserved()
            if len(self._failures) >= self.limit or (not self.reserve_in_flight and self._taken() >= self.limit):
                return Slot(self, SlotState.REFUSED, retry=False, retry_in=self._retry_in(now))
            if self._taken() < self.limit and not self._waiting_retries and not self._waiting_fresh:
                return self._held(retry=False)
            slot = Slot(self, SlotState.WAITING, retry=False)
            self._waiting_fresh.append(slot)
            return slot

    def reserve_retry(self, now: float) -> Slot:
        """A retry's slot: HELD, WAITING (for a request in flight), or REFUSED."""
        with self._lock:
            self._tidy(now)
            if self._taken() < self.limit and not self._waiting_retries:
                return self._held(retry=True)
            if not self.reserve_in_flight or len(self._failures) >= self.limit:
                return Slot(self, SlotState.REFUSED, retry=True, retry_in=self._retry_in(now))
            slot = Slot(self, SlotState.WAITING, retry=True)
            self._waiting_retries.append(slot)
            return slot

    def finish(self, slot: Slot, now: float, *, failed: bool) -> None:
        """A request in flight came back (or was given up): free its slot, count it if it failed."""
        with self._lock:
            if slot.state is SlotState.HELD:
                self._reserved -= 1
            elif slot.state is SlotState.UNRESERVED:
                self._unreserved_in_flight -= 1
            else:
                return
            slot.state = SlotState.DONE
            if failed:
                self._failures.append(now)
            self._tidy(now)

    def _hand_over(self, now: float) -> None:
        """Give freed slots to the waiters, retries first; refuse them all once failures fill the window."""
        while self._waiting_retries or self._waiting_fresh:
            queue = self._waiting_retries or self._waiting_fresh
            if len(self._failures) >= self.limit:
                retry_in = self._retry_in(now)
                for waiting in (*self._waiting_retries, *self._waiting_fresh):
                    waiting._decide(SlotState.REFUSED, retry_in)
                self._waiting_retries.clear()
                self._waiting_fresh.clear()
                return
            if self._taken() >= self.limit:
                return  # a request in flight will come back and call this again
            slot = queue.popleft()
            self._reserved += 1
            slot._decide(SlotState.HELD)

    def _withdraw(self, slot: Slot) -> None:
        """A waiter stopped waiting: leave the queue, or keep the slot it was handed meanwhile."""
        with self._lock:
            slot._wake = None
            if slot.state is SlotState.WAITING:
                slot.state = SlotState.WITHDRAWN
                queue = self._waiting_retries if slot.retry else self._waiting_fresh
                queue.remove(slot)

    def record_failure(self, now: float) -> None:
        """A failed request that held no slot."""
        with self._lock:
            self._expire(now)
            self._failures.append(now)

    def failures(self, now: float) -> int:
        with self._lock:
            self._expire(now)
            return len(self._failures)

    def in_flight(self) -> int:
        """Requests sent and not yet answered, with a slot or without."""
        with self._lock:
            return self._reserved + self._unreserved_in_flight

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting_retries) + len(self._waiting_fresh)

    def exhausted(self, now: float) -> bool:
        with self._lock:
            self._expire(now)
            return self._taken() >= self.limit
