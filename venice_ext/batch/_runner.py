"""Running a batch: dispatch through the rate gate, collect each answer or typed error.

The async runner keeps up to `max_concurrency` tasks out and asks `RateGate` before
each dispatch; the sync runner does the same with threads. Both send through the
public `call_with_response` of the requester, so retries, typed errors and the
failure budget are the client's own. A failure fills its slot; `stop_on_error`
stops dispatching after the first one instead (the rest are not sent). A client's
spend cap (`max_usd`) stops dispatching too: the first request it refuses holds the
SpendCapExceededError (estimate, spent, cap) in its slot, and nothing after it is sent.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from venice_ext._core._headers import RateLimits, rate_limits_of
from venice_ext._core._requester import AsyncRequester, Requester
from venice_ext.batch._gate import RateGate
from venice_ext.batch._requests import BatchRequest, parse_request
from venice_ext.batch._results import BatchResult
from venice_ext.errors import APIStatusError, SpendCapExceededError, VeniceError

__all__ = ["aiter_batch", "arun_batch", "iter_batch", "run_batch"]

DEFAULT_CONCURRENCY = 16


def estimated_tokens(request: BatchRequest) -> int:
    """Characters / 4 of the body: what the gate spends against a token limit."""
    import json

    return max(1, len(json.dumps(request.body or {})) // 4)


def _stops(result: BatchResult, stop_on_error: bool) -> bool:
    return not result.ok and (stop_on_error or isinstance(result.error, SpendCapExceededError))


def _requests(items: Iterable[Any]) -> Iterator[BatchRequest]:
    for index, item in enumerate(items):
        yield item if isinstance(item, BatchRequest) else parse_request(item, index)


def _limits_of_error(error: VeniceError) -> RateLimits | None:
    return rate_limits_of(error.headers) if isinstance(error, APIStatusError) else None


async def _send_async(requester: AsyncRequester, request: BatchRequest) -> tuple[BatchResult, RateLimits | None]:
    module, path_params = request.resolve()
    try:
        if request.body is None:
            answer = await requester.call_with_response(module, **path_params)  # type: ignore[arg-type]
        else:
            answer = await requester.call_with_response(module, body=dict(request.body), **path_params)  # type: ignore[arg-type]
    except VeniceError as error:
        return BatchResult(request.custom_id, request.index, error=error), _limits_of_error(error)
    result = BatchResult.of_response(request.custom_id, request.index, answer.http_response, answer.request_id)
    return result, answer.rate_limits


async def aiter_batch(
    requester: AsyncRequester,
    requests: Iterable[Any],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    stop_on_error: bool = False,
) -> AsyncIterator[BatchResult]:
    """Each request's result as it finishes."""
    gate = RateGate(max_concurrency)
    clock = requester.hooks.clock
    pending: dict[asyncio.Task[tuple[BatchResult, RateLimits | None]], BatchRequest] = {}
    queue = _requests(requests)
    upcoming: BatchRequest | None = next(queue, None)
    stopped = False
    try:
        while upcoming is not None or pending:
            pause = 0.0
            while upcoming is not None and not stopped:
                tokens = estimated_tokens(upcoming)
                pause = gate.wait(clock(), tokens)
                if pause > 0:
                    break
                gate.dispatched(tokens)
                pending[asyncio.ensure_future(_send_async(requester, upcoming))] = upcoming
                upcoming = next(queue, None)
            if stopped:
                upcoming = None
            if not pending:
                if upcoming is None:
                    break
                await requester.hooks.async_sleep(pause)
                continue
            timeout = None if upcoming is None or pause == float("inf") else pause
            done, _ = await asyncio.wait(pending, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                pending.pop(task)
                result, limits = task.result()
                gate.answered(limits, clock())
                if _stops(result, stop_on_error):
                    stopped = True
                yield result
    finally:
        for task in pending:
            task.cancel()


async def arun_batch(
    requester: AsyncRequester,
    requests: Iterable[Any],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    stop_on_error: bool = False,
) -> list[BatchResult]:
    """Every request's result, in input order (with stop_on_error, only those sent)."""
    results = [
        result
        async for result in aiter_batch(
            requester, requests, max_concurrency=max_concurrency, stop_on_error=stop_on_error
        )
    ]
    return sorted(results, key=lambda result: result.index)


def _send_sync(requester: Requester, request: BatchRequest) -> tuple[BatchResult, RateLimits | None]:
    module, path_params = request.resolve()
    try:
        if request.body is None:
            answer = requester.call_with_response(module, **path_params)  # type: ignore[arg-type]
        else:
            answer = requester.call_with_response(module, body=dict(request.body), **path_params)  # type: ignore[arg-type]
    except VeniceError as error:
        return BatchResult(request.custom_id, request.index, error=error), _limits_of_error(error)
    result = BatchResult.of_response(request.custom_id, request.index, answer.http_response, answer.request_id)
    return result, answer.rate_limits


def iter_batch(
    requester: Requester,
    requests: Iterable[Any],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    stop_on_error: bool = False,
) -> Iterator[BatchResult]:
    """Each request's result as it finishes; the requests go out on `max_concurrency` threads."""
    gate = RateGate(max_concurrency)
    clock = requester.hooks.clock
    queue = _requests(requests)
    upcoming: BatchRequest | None = next(queue, None)
    pending: set[Future[tuple[BatchResult, RateLimits | None]]] = set()
    stopped = False
    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="venice-batch") as pool:
        try:
            while upcoming is not None or pending:
                pause = 0.0
                with lock:
                    while upcoming is not None and not stopped:
                        tokens = estimated_tokens(upcoming)
                        pause = gate.wait(clock(), tokens)
                        if pause > 0:
                            break
                        gate.dispatched(tokens)
                        pending.add(pool.submit(_send_sync, requester, upcoming))
                        upcoming = next(queue, None)
                if stopped:
                    upcoming = None
                if not pending:
                    if upcoming is None:
                        break
                    requester.hooks.sleep(pause)
                    continue
                timeout = None if upcoming is None or pause == float("inf") else pause
                done, pending = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
                for future in done:
                    result, limits = future.result()
                    gate.answered(limits, clock())
                    if _stops(result, stop_on_error):
                        stopped = True
                    yield result
        finally:
            for future in pending:
                future.cancel()


def run_batch(
    requester: Requester,
    requests: Iterable[Any],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    stop_on_error: bool = False,
) -> list[BatchResult]:
    """Every request's result, in input order (with stop_on_error, only those sent)."""
    results = list(iter_batch(requester, requests, max_concurrency=max_concurrency, stop_on_error=stop_on_error))
    return sorted(results, key=lambda result: result.index)
