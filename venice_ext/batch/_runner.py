"""Running a batch: dispatch through the rate gate, collect each answer or typed error.

The async runner keeps up to `max_concurrency` tasks out and asks `RateGate` before
each dispatch; the sync twin (written by scripts/unasync.py) does the same with threads,
through a pool of the same shape. Both send through the public `call_with_response` of
the requester, so retries, typed errors and the failure budget are the client's own. A
failure fills its slot; `stop_on_error` stops dispatching after the first one instead
(the rest are not sent). A client's spend cap (`max_usd`) stops dispatching too: the
first request it refuses holds the SpendCapExceededError (estimate, spent, cap) in its
slot, and nothing after it is sent.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from types import TracebackType
from typing import Any, Self

from venice_ext._core._limits import RateLimits, rate_limits_of
from venice_ext._core._requester import AsyncRequester, Requester
from venice_ext.batch._gate import RateGate
from venice_ext.batch._requests import BatchRequest, parse_request
from venice_ext.batch._results import BatchResult
from venice_ext.errors import APIStatusError, SpendCapExceededError, VeniceError

__all__ = ["aiter_batch", "arun_batch", "iter_batch", "run_batch"]

DEFAULT_CONCURRENCY = 16
Sent = tuple[BatchResult, RateLimits | None]
OnDispatch = Callable[[BatchRequest], None] | None


def estimated_tokens(request: BatchRequest) -> int:
    """Characters / 4 of the body: what the gate counts against a token limit."""
    return max(1, len(json.dumps(request.body or {})) // 4)


def _stops(result: BatchResult, stop_on_error: bool) -> bool:
    return not result.ok and (stop_on_error or isinstance(result.error, SpendCapExceededError))


def _requests(items: Iterable[Any]) -> Iterator[BatchRequest]:
    for index, item in enumerate(items):
        yield item if isinstance(item, BatchRequest) else parse_request(item, index)


def _failed(request: BatchRequest, error: VeniceError) -> Sent:
    limits = rate_limits_of(error.headers) if isinstance(error, APIStatusError) else None
    return BatchResult(request.custom_id, request.index, error=error), limits


class _AsyncPool:
    """Tasks out at once, each with the tokens the gate counted for it; cancelled on exit."""

    def __init__(self, max_concurrency: int) -> None:
        self._pending: dict[asyncio.Task[Sent], int] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def submit(self, send: Callable[[], Awaitable[Sent]], tokens: int) -> None:
        self._pending[asyncio.ensure_future(send())] = tokens

    async def finished(self, timeout: float | None) -> list[tuple[Sent, int]]:
        """The answers that arrived first (none when `timeout` passed first)."""
        done, _ = await asyncio.wait(self._pending, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        return [(task.result(), self._pending.pop(task)) for task in done]

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._pending:
            task.cancel()


class _Pool:
    """Threads sending at once, each with the tokens the gate counted for it."""

    def __init__(self, max_concurrency: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="venice-batch")
        self._pending: dict[Future[Sent], int] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def submit(self, send: Callable[[], Sent], tokens: int) -> None:
        self._pending[self._executor.submit(send)] = tokens

    def finished(self, timeout: float | None) -> list[tuple[Sent, int]]:
        """The answers that arrived first (none when `timeout` passed first)."""
        done, _ = wait(self._pending, timeout=timeout, return_when=FIRST_COMPLETED)
        return [(future.result(), self._pending.pop(future)) for future in done]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        for future in self._pending:
            future.cancel()  # those not started yet; a thread already sending finishes its request
        self._executor.shutdown(wait=True)


# unasync: begin async source
async def _async_send(requester: AsyncRequester, request: BatchRequest) -> Sent:
    module, path_params = request.resolve()
    try:
        if request.body is None:
            answer = await requester.call_with_response(module, **path_params)  # type: ignore[arg-type]
        else:
            answer = await requester.call_with_response(module, body=dict(request.body), **path_params)  # type: ignore[arg-type]
    except VeniceError as error:
        return _failed(request, error)
    result = BatchResult.of_response(request.custom_id, request.index, answer.http_response, answer.request_id)
    return result, answer.rate_limits


# unasync: sync-only: def iter_batch(
async def aiter_batch(  # unasync: async-only
    requester: AsyncRequester,
    requests: Iterable[Any],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    stop_on_error: bool = False,
    on_dispatch: OnDispatch = None,
) -> AsyncIterator[BatchResult]:
    """Each request's result as it finishes; `on_dispatch(request)` runs just before a request is sent."""
    gate = RateGate(max_concurrency)
    clock = requester.hooks.clock
    queue = _requests(requests)
    upcoming = next(queue, None)
    tokens = 0 if upcoming is None else estimated_tokens(upcoming)
    stopped = False
    async with _AsyncPool(max_concurrency) as pool:
        while True:
            pause = 0.0
            while upcoming is not None and not stopped:
                pause = gate.wait(clock(), tokens)
                if pause > 0:
                    break
                if on_dispatch is not None:
                    on_dispatch(upcoming)
                gate.dispatched(tokens)
                pool.submit(functools.partial(_async_send, requester, upcoming), tokens)
                upcoming = next(queue, None)
                tokens = 0 if upcoming is None else estimated_tokens(upcoming)
            waiting = upcoming is not None and not stopped
            if not pool:
                if not waiting:
                    break
                await requester.hooks.async_sleep(pause)
                continue
            timeout = pause if waiting and pause < float("inf") else None
            for (result, limits), sent_tokens in await pool.finished(timeout):
                gate.answered(limits, clock(), sent_tokens)
                stopped = stopped or _stops(result, stop_on_error)
                yield result


# unasync: sync-only: def run_batch(
async def arun_batch(  # unasync: async-only
    requester: AsyncRequester,
    requests: Iterable[Any],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    stop_on_error: bool = False,
) -> list[BatchResult]:
    """Every request's result, in input order (with stop_on_error, only those sent)."""
    options: dict[str, Any] = {"max_concurrency": max_concurrency, "stop_on_error": stop_on_error}
    results = [
        result
        async for result in aiter_batch(requester, requests, **options)  # unasync: async-only
        # unasync: sync-only: for result in iter_batch(requester, requests, **options)
    ]
    return sorted(results, key=lambda result: result.index)


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
def _send(requester: Requester, request: BatchRequest) -> Sent:
    module, path_params = request.resolve()
    try:
        if request.body is None:
            answer = requester.call_with_response(module, **path_params)  # type: ignore[arg-type]
        else:
            answer = requester.call_with_response(module, body=dict(request.body), **path_params)  # type: ignore[arg-type]
    except VeniceError as error:
        return _failed(request, error)
    result = BatchResult.of_response(request.custom_id, request.index, answer.http_response, answer.request_id)
    return result, answer.rate_limits


def iter_batch(
    requester: Requester,
    requests: Iterable[Any],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    stop_on_error: bool = False,
    on_dispatch: OnDispatch = None,
) -> Iterator[BatchResult]:
    """Each request's result as it finishes; `on_dispatch(request)` runs just before a request is sent."""
    gate = RateGate(max_concurrency)
    clock = requester.hooks.clock
    queue = _requests(requests)
    upcoming = next(queue, None)
    tokens = 0 if upcoming is None else estimated_tokens(upcoming)
    stopped = False
    with _Pool(max_concurrency) as pool:
        while True:
            pause = 0.0
            while upcoming is not None and not stopped:
                pause = gate.wait(clock(), tokens)
                if pause > 0:
                    break
                if on_dispatch is not None:
                    on_dispatch(upcoming)
                gate.dispatched(tokens)
                pool.submit(functools.partial(_send, requester, upcoming), tokens)
                upcoming = next(queue, None)
                tokens = 0 if upcoming is None else estimated_tokens(upcoming)
            waiting = upcoming is not None and not stopped
            if not pool:
                if not waiting:
                    break
                requester.hooks.sleep(pause)
                continue
            timeout = pause if waiting and pause < float("inf") else None
            for (result, limits), sent_tokens in pool.finished(timeout):
                gate.answered(limits, clock(), sent_tokens)
                stopped = stopped or _stops(result, stop_on_error)
                yield result


def run_batch(
    requester: Requester,
    requests: Iterable[Any],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    stop_on_error: bool = False,
) -> list[BatchResult]:
    """Every request's result, in input order (with stop_on_error, only those sent)."""
    options: dict[str, Any] = {"max_concurrency": max_concurrency, "stop_on_error": stop_on_error}
    results = [result for result in iter_batch(requester, requests, **options)]
    return sorted(results, key=lambda result: result.index)


# unasync: end sync twin
