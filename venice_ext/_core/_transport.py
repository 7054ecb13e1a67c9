"""Retries as an httpx transport, so generated calls through `client.raw` retry too.

`_Attempts` holds the whole retry loop's state and decisions without doing I/O;
`RetryTransport` and `AsyncRetryTransport` only send, sleep and read through it.
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
from typing import Any

import httpx

from venice_ext._core._budget import FailureBudget
from venice_ext._core._errors_from import connection_error_from, error_from_response, undecodable_stand_in
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
    ConfigurationError,
    FailureBudgetSpentError,
    RequestValidationError,
    RetryBudgetExceededError,
    VeniceError,
)

__all__ = [
    "DEADLINE_CLOCK_EXTENSION",
    "DEADLINE_EXTENSION",
    "AsyncRetryTransport",
    "RetryTransport",
    "TransportHooks",
    "environment_proxy",
    "install_on_mounts",
]

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


@dataclass
class _Attempts:
    policy: RetryPolicy
    budget: FailureBudget
    hooks: TransportHooks
    request: httpx.Request
    api_path: str
    safety: Safety = field(init=False)
    retries_done: int = 0
    waited: float = 0.0
    holds_reservation: bool = False
    unreserved_in_flight: bool = False
    client_deadline: float | None = None
    deadline_at: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        deadline = self._options.get("deadline", self.client_deadline)
        if deadline is not None:
            if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or not deadline > 0:
                # Checked before anything is sent: a per-call typo must not silently mean "no deadline".
                raise RequestValidationError(f"deadline must be a number of seconds > 0, not {deadline!r}")
            self.deadline_at = self.hooks.clock() + float(deadline)
        self.safety = safety_of(self.request.method, self.api_path)
        if self.safety is Safety.SAFE_WITH_IDEMPOTENCY_KEY and "idempotency-key" not in self.request.headers:
            self.request.headers["Idempotency-Key"] = _idempotency_key()

    @property
    def _options(self) -> dict[str, object]:
        options = self.request.extensions.get(EXTENSION)
        return options if isinstance(options, dict) else {}

    def bound_attempt(self) -> None:
        """Shrink this attempt's timeouts to what is left of the deadline, or give up if nothing is."""
        if self.deadline_at is None:
            return
        left = self.deadline_at - self.hooks.clock()
        if left <= 0:
            raise APITimeoutError(f"{self.request.method} {self.api_path}: the call's deadline passed")
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

    def admit(self) -> None:
        """Take the fresh call's place in the failure budget, or refuse it before it is sent."""
        reserved, retry_in = self.budget.start_fresh(self.hooks.clock())
        if retry_in is not None:
            raise FailureBudgetSpentError(
                f"not sending {self.request.method} {self.api_path}: the failure budget is spent "
                f"({self.budget.limit} failed requests in {self.budget.window:.0f} s; Venice blocks a key "
                f"for 30 s after more than 20); retry in {retry_in:.1f} s",
                retry_in=retry_in,
            )
        self.holds_reservation = reserved
        self.unreserved_in_flight = not reserved

    def _count(self, *, failed: bool) -> None:
        now = self.hooks.clock()
        if self.holds_reservation:
            self.holds_reservation = False
            self.budget.settle(now, failed=failed)
        elif self.unreserved_in_flight:
            self.unreserved_in_flight = False
            self.budget.finish_unreserved(now, failed=failed)
        elif failed:
            self.budget.record_failure(now)

    def release(self) -> None:
        """The call ended with its last request unanswered (cancelled, or an error): count it failed."""
        if self.holds_reservation or self.unreserved_in_flight:
            self._count(failed=True)

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

    def before_retry(self, decision: Decision, what: str, last_error: VeniceError) -> None:
        """Take the retry's slot in the failure budget and log it, or refuse it when none is left."""
        now = self.hooks.clock()
        if self.deadline_at is not None and now + decision.wait >= self.deadline_at:
            raise APITimeoutError(
                f"{self.request.method} {self.api_path}: not retrying after {what}: waiting {decision.wait:.2f} s "
                "would pass the call's deadline",
                may_have_been_processed=getattr(last_error, "may_have_been_processed", False),
            ) from last_error
        if not self.budget.reserve_retry(now):
            failures = self.budget.failures(now)
            raise RetryBudgetExceededError(
                f"not retrying {self.request.method} {self.api_path} after {what}: {failures} failed requests "
                f"in the last {self.budget.window:.0f} s (Venice blocks a key for 30 s after more than 20)",
                last_error=last_error,
            ) from last_error
        self.holds_reservation = True
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


def environment_proxy(url: httpx.URL) -> str | None:
    """The proxy HTTP(S)_PROXY / ALL_PROXY name for `url`, unless NO_PROXY exempts its host.

    httpx reads these itself only for a client that builds its own transport, and then
    sends proxied requests past ours, retries and all; so ours takes the proxy instead.
    """
    import urllib.request  # here, not at import: it costs as much as the rest of the module

    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(url.host):
        return None
    return proxy


def _carries_retry_policy(transport: object) -> bool:
    """True when a retry transport is anywhere in this chain of wrapping transports
    (a spend cap or wallet signing transport may sit around it)."""
    for _ in range(8):
        if isinstance(transport, (RetryTransport, AsyncRetryTransport)):
            return True
        transport = getattr(transport, "inner", None) or getattr(transport, "_inner", None)
        if transport is None:
            return False
    return False


def install_on_mounts(client: httpx.Client | httpx.AsyncClient, wrap: Callable[[Any], Any]) -> None:
    """Put the retry policy under every transport `client` routes to, its proxy mounts included.

    httpx sends a request matching a mount (`proxy=`, `mounts=`, proxies from the
    environment) through that mount's transport, never through `client._transport`;
    a client whose routing we cannot see is refused rather than left half-guarded.
    """
    mounts = getattr(client, "_mounts", None)
    if not isinstance(mounts, dict) or not hasattr(client, "_transport"):
        raise ConfigurationError(
            f"cannot install the retry policy on this {type(client).__name__}: its transports are not where httpx "
            "keeps them; pass transport=... instead of http_client=..."
        )
    for transport in (client._transport, *mounts.values()):
        if _carries_retry_policy(transport):
            raise ConfigurationError(
                "this http_client already carries a Venice client's retry policy; sharing it would retry twice "
                "and count each failure twice: give each Venice client its own http_client, or share one "
                "FailureBudget instead"
            )
    client._mounts = {pattern: None if t is None else wrap(t) for pattern, t in mounts.items()}


def _is_venice_error(response: httpx.Response) -> bool:
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        return False
    return isinstance(body, dict) and "error" in body


def _describe(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase}".strip()


def _api_path(request: httpx.Request, base_path: str) -> str:
    path = request.url.path
    return path[len(base_path) :] or "/" if base_path and path.startswith(base_path) else path


# unasync: begin async source
class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """Retries, the failure budget and Idempotency-Keys around an inner httpx transport."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        policy: RetryPolicy,
        budget: FailureBudget,
        base_path: str = "",
        hooks: TransportHooks | None = None,
        deadline: float | None = None,
    ) -> None:
        self.inner = inner
        self.policy = policy
        self.budget = budget
        self.base_path = base_path.rstrip("/")
        self.hooks = hooks or TransportHooks()
        self.deadline = deadline

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempts = _Attempts(
            self.policy,
            self.budget,
            self.hooks,
            request,
            _api_path(request, self.base_path),
            client_deadline=self.deadline,
        )
        attempts.admit()
        await request.aread()  # a retry must be able to send the body again
        try:
            return await self._attempt_until_final(request, attempts)
        finally:
            attempts.release()

    async def _attempt_until_final(self, request: httpx.Request, attempts: _Attempts) -> httpx.Response:
        while True:
            attempts.bound_attempt()
            try:
                response = await self.inner.handle_async_request(request)
            except httpx.TransportError as exc:
                decision = attempts.after_exception(exc)
                if not decision.retry:
                    raise
                attempts.before_retry(decision, type(exc).__name__, connection_error_from(exc))
                await self.hooks.async_sleep(decision.wait)
                continue
            if response.status_code >= 400:
                try:
                    await response.aread()  # small, and needed: is a 500 Venice's? what does a 429 say?
                except httpx.DecodingError:
                    response = undecodable_stand_in(response, request)
            decision_or_none = attempts.after_response(response)
            if decision_or_none is None:
                return attempts.mark(response)
            await response.aclose()
            attempts.before_retry(decision_or_none, _describe(response), error_from_response(response))
            await self.hooks.async_sleep(decision_or_none.wait)

    async def aclose(self) -> None:
        await self.inner.aclose()


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class RetryTransport(httpx.BaseTransport):
    """Retries, the failure budget and Idempotency-Keys around an inner httpx transport."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        policy: RetryPolicy,
        budget: FailureBudget,
        base_path: str = "",
        hooks: TransportHooks | None = None,
        deadline: float | None = None,
    ) -> None:
        self.inner = inner
        self.policy = policy
        self.budget = budget
        self.base_path = base_path.rstrip("/")
        self.hooks = hooks or TransportHooks()
        self.deadline = deadline

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempts = _Attempts(
            self.policy,
            self.budget,
            self.hooks,
            request,
            _api_path(request, self.base_path),
            client_deadline=self.deadline,
        )
        attempts.admit()
        request.read()  # a retry must be able to send the body again
        try:
            return self._attempt_until_final(request, attempts)
        finally:
            attempts.release()

    def _attempt_until_final(self, request: httpx.Request, attempts: _Attempts) -> httpx.Response:
        while True:
            attempts.bound_attempt()
            try:
                response = self.inner.handle_request(request)
            except httpx.TransportError as exc:
                decision = attempts.after_exception(exc)
                if not decision.retry:
                    raise
                attempts.before_retry(decision, type(exc).__name__, connection_error_from(exc))
                self.hooks.sleep(decision.wait)
                continue
            if response.status_code >= 400:
                try:
                    response.read()  # small, and needed: is a 500 Venice's? what does a 429 say?
                except httpx.DecodingError:
                    response = undecodable_stand_in(response, request)
            decision_or_none = attempts.after_response(response)
            if decision_or_none is None:
                return attempts.mark(response)
            response.close()
            attempts.before_retry(decision_or_none, _describe(response), error_from_response(response))
            self.hooks.sleep(decision_or_none.wait)

    def close(self) -> None:
        self.inner.close()


# unasync: end sync twin
