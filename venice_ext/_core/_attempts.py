"""One call's way through the retry loop: its state and decisions, without I/O.

The retry transports (`_transport.py`) send, sleep and read; `Attempts` decides.
Per-request options travel in `request.extensions["venice"]`:
`retry_ambiguous` (bool), `max_retries` (int) and `deadline` (seconds for the
whole call, retries and waits included; the client's `deadline` otherwise).
The deadline's end, on the transport's clock, is left in the response's
`extensions[DEADLINE_EXTENSION]` for a stream reader to bound the body with, and that
clock in `extensions[DEADLINE_CLOCK_EXTENSION]`.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from venice_ext._core._budget import FailureBudget, Slot, SlotState
from venice_ext._core._errors_from import error_from_response
from venice_ext._core._headers import retry_after_seconds
from venice_ext._core._retry import (
    Decision,
    FailureKind,
    RetryPolicy,
    Safety,
    failure_kind_of_exception,
    failure_kind_of_status,
    safety_of,
)
from venice_ext.errors import (
    APITimeoutError,
    FailureBudgetSpentError,
    RequestValidationError,
    RetryBudgetExceededError,
    VeniceError,
)

__all__ = ["DEADLINE_CLOCK_EXTENSION", "DEADLINE_EXTENSION", "EXTENSION", "Attempts", "TransportHooks"]

logger = logging.getLogger("venice_ext")

EXTENSION = "venice"
DEADLINE_EXTENSION = "venice_deadline_at"
DEADLINE_CLOCK_EXTENSION = "venice_deadline_clock"  # the clock the end time is on, for the stream reader


@dataclass
class TransportHooks:
    """What the retry loop needs from the outside world, injectable for tests."""

    sleep: Callable[[float], None] = time.sleep
    async_sleep: Callable[[float], Awaitable[None]] = field(default_factory=lambda: _asyncio_sleep)
    clock: Callable[[], float] = time.time
    jitter: Callable[[], float] = random.random


class Attempts:
    """One call's state through the retry loop. A plain class: generating a dataclass's
    methods costs about a millisecond of `import venice_ext`, and none of them is used."""

    __slots__ = (
        "api_path",
        "budget",
        "deadline_at",
        "hooks",
        "pending_retry",
        "policy",
        "request",
        "retries_done",
        "safety",
        "sent",
        "slot",
        "waited",
    )

    def __init__(
        self,
        policy: RetryPolicy,
        budget: FailureBudget,
        hooks: TransportHooks,
        request: httpx.Request,
        api_path: str,
        *,
        client_deadline: float | None = None,
    ) -> None:
        self.policy = policy
        self.budget = budget
        self.hooks = hooks
        self.request = request
        self.api_path = api_path
        self.retries_done = 0
        self.waited = 0.0
        self.slot: Slot | None = None  # the latest attempt's place in the failure budget
        self.sent = False  # whether the latest attempt went out (a slot given up unsent is no failure)
        self.pending_retry: tuple[Decision, str, VeniceError] | None = None
        self.deadline_at: float | None = None
        deadline = self._options.get("deadline", client_deadline)
        if deadline is not None:
            if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or not deadline > 0:
                # Checked before anything is sent: a per-call typo must not silently mean "no deadline".
                raise RequestValidationError(f"deadline must be a number of seconds > 0, not {deadline!r}")
            self.deadline_at = hooks.clock() + float(deadline)
        self.safety = safety_of(request.method, api_path)
        if self.safety is Safety.SAFE_WITH_IDEMPOTENCY_KEY and "idempotency-key" not in request.headers:
            request.headers["Idempotency-Key"] = _idempotency_key()

    @property
    def _options(self) -> dict[str, object]:
        options = self.request.extensions.get(EXTENSION)
        return options if isinstance(options, dict) else {}

    def time_left(self) -> float | None:
        """Seconds left of the call's deadline; None without one."""
        return None if self.deadline_at is None else max(0.0, self.deadline_at - self.hooks.clock())

    def bound_attempt(self) -> None:
        """Shrink this attempt's timeouts to what is left of the deadline, or give up if nothing is."""
        if self.deadline_at is None:
            self.sent = True
            return
        left = self.deadline_at - self.hooks.clock()
        if left <= 0:
            raise APITimeoutError(f"{self.request.method} {self.api_path}: the call's deadline passed")
        self.sent = True
        timeouts = self.request.extensions.get("timeout")
        if isinstance(timeouts, dict):
            self.request.extensions["timeout"] = {
                phase: left if value is None else min(float(value), left) for phase, value in timeouts.items()
            }

    def mark(self, response: httpx.Response) -> httpx.Response:
        if self.deadline_at is not None:
            response.extensions[DEADLINE_EXTENSION] = self.deadline_at
            response.extensions[DEADLINE_CLOCK_EXTENSION] = self.hooks.clock
        return response

    def admit(self) -> Slot:
        """Ask the failure budget for the fresh call's slot; the transport waits on it if it must."""
        self.slot = self.budget.start_fresh(self.hooks.clock())
        return self.slot

    def check_slot(self) -> None:
        """Go on once the slot (after any wait) is held; else refuse the attempt before it is sent."""
        slot = self.slot
        if slot is None or slot.in_flight:
            if self.pending_retry is not None:
                decision, what, _ = self.pending_retry
                self._log_retry(decision, what)
                self.pending_retry = None
            return
        method, path, budget = self.request.method, self.api_path, self.budget
        if slot.state is SlotState.WITHDRAWN:
            raise APITimeoutError(
                f"{method} {path}: the call's deadline passed while waiting for one of the failure budget's "
                f"{budget.limit} slots (every one held by a request in flight)"
            )
        if self.pending_retry is None:
            retry_in = slot.retry_in or 0.0
            raise FailureBudgetSpentError(
                f"not sending {method} {path}: the failure budget is spent "
                f"({budget.limit} failed requests in {budget.window:.0f} s; Venice blocks a key "
                f"for 30 s after more than 20); retry in {retry_in:.1f} s",
                retry_in=retry_in,
            )
        _, what, last_error = self.pending_retry
        failures = budget.failures(self.hooks.clock())
        raise RetryBudgetExceededError(
            f"not retrying {method} {path} after {what}: {failures} failed requests "
            f"in the last {budget.window:.0f} s (Venice blocks a key for 30 s after more than 20)",
            last_error=last_error,
        ) from last_error

    def _count(self, *, failed: bool) -> None:
        if self.slot is not None and self.slot.in_flight:
            self.budget.finish(self.slot, self.hooks.clock(), failed=failed)

    def release(self) -> None:
        """The call ended with its last request unanswered (cancelled, or an error): count it failed if sent."""
        self._count(failed=self.sent)

    def after_response(self, response: httpx.Response) -> Decision | None:
        """None when the response is final; else what to do about it. Error bodies must be read."""
        if response.status_code < 400:
            self._count(failed=False)
            return None
        now = self.hooks.clock()
        self._count(failed=True)
        venice_body = response.status_code == 500 and _is_venice_error(response)
        kind = failure_kind_of_status(response.status_code, venice_error_body=venice_body)
        server_wait = retry_after_seconds(response.headers, now)
        decision = self._decide(kind, server_wait)
        if decision.wait_too_long:
            raise error_from_response(response, retry_after=server_wait)
        return decision if decision.retry else None

    def after_exception(self, exc: Exception) -> Decision:
        self._count(failed=True)
        return self._decide(failure_kind_of_exception(exc), None)

    def _decide(self, kind: FailureKind, server_wait: float | None) -> Decision:
        options = self._options
        retry_ambiguous = options.get("retry_ambiguous")
        max_retries = options.get("max_retries")
        return self.policy.decide(
            retries_done=self.retries_done,
            waited=self.waited,
            kind=kind,
            safety=self.safety,
            server_wait=server_wait,
            jitter=self.hooks.jitter(),
            retry_ambiguous=retry_ambiguous if isinstance(retry_ambiguous, bool) else None,
            has_idempotency_key="idempotency-key" in self.request.headers,
            max_retries=max_retries if isinstance(max_retries, int) else None,
        )

    def before_retry(self, decision: Decision, what: str, last_error: VeniceError) -> Slot:
        """Ask the failure budget for the retry's slot, unless waiting would pass the call's deadline."""
        now = self.hooks.clock()
        if self.deadline_at is not None and now + decision.wait >= self.deadline_at:
            raise APITimeoutError(
                f"{self.request.method} {self.api_path}: not retrying after {what}: waiting {decision.wait:.2f} s "
                "would pass the call's deadline",
                may_have_been_processed=getattr(last_error, "may_have_been_processed", False),
            ) from last_error
        self.sent = False
        self.pending_retry = (decision, what, last_error)
        self.slot = self.budget.reserve_retry(now)
        return self.slot

    def _log_retry(self, decision: Decision, what: str) -> None:
        self.retries_done += 1
        self.waited += decision.wait
        limit = self._options.get("max_retries", self.policy.max_retries)
        logger.info(
            "retrying %s %s after %s: %s; waiting %.2f s (retry %d of %s)",
            self.request.method,
            self.api_path,
            what,
            decision.reason,
            decision.wait,
            self.retries_done,
            limit,
        )


async def _asyncio_sleep(seconds: float) -> None:
    # asyncio is imported on first async retry: importing it costs ~20 ms, and
    # synchronous programs never need it.
    import asyncio

    await asyncio.sleep(seconds)


def _idempotency_key() -> str:
    # uuid loads on the first key, not at import: most programs never send one.
    import uuid

    return str(uuid.uuid4())


def _is_venice_error(response: httpx.Response) -> bool:
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        return False
    return isinstance(body, dict) and "error" in body
