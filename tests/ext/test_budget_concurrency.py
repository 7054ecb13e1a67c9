"""The failure budget under concurrency: pure properties, then real sockets with 8, 32 and 128 callers.

Venice blocks a key after more than 20 failed requests in 30 s. The budget's
promise: the failures the server sees within a window stay within
max(limit, requests in flight when the window's first failure came back), so
with fewer callers than `limit` they never pass `limit`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ext.conftest import API_KEY, FakeClock
from tests.support.raw_server import OK_MODELS, RawServer, reply
from venice_api.api.models import list_models
from venice_ext import AsyncVenice, FailureBudget, Venice
from venice_ext import errors as e

LIMIT = 15

# Operations a crowd of callers may apply to one budget, in any interleaving.
steps = st.lists(
    st.tuples(st.sampled_from(["fresh", "retry", "answer-ok", "answer-failed", "tick"]), st.integers(0, 63)),
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(steps, st.booleans())
def test_failures_in_a_window_stay_within_the_bound(script: list[tuple[str, int]], gate: bool) -> None:
    """Any interleaving of sends and answers: every admitted send may fail, and the failures
    in any window stay within max(limit, the most unreserved requests ever in flight at once)."""
    budget = FailureBudget(limit=LIMIT, window=30, gate_fresh_calls=gate)
    now = 0.0
    in_flight: list[bool] = []  # does each request in flight hold a reservation?
    failed_at: list[float] = []
    most_unreserved = 0
    for action, pick in script:
        if action == "tick":
            now += pick
        elif action == "fresh":
            had_failures = budget.failures(now) > 0
            reserved, refused = budget.start_fresh(now)
            if refused is None:
                in_flight.append(reserved)
                if gate and had_failures:
                    assert reserved and budget.failures(now) + budget.in_flight() <= LIMIT
            else:
                assert gate and had_failures and 0 <= refused <= 30
        elif action == "retry":
            if budget.reserve_retry(now):
                in_flight.append(True)
                assert budget.failures(now) + budget.in_flight() <= max(LIMIT, most_unreserved + 1)
        elif in_flight:
            reserved = in_flight.pop(pick % len(in_flight))
            failed = action == "answer-failed"
            if failed:
                failed_at.append(now)
            if reserved:
                budget.settle(now, failed=failed)
            else:
                budget.finish_unreserved(now, failed=failed)
        most_unreserved = max(most_unreserved, sum(1 for held in in_flight if not held))
        in_window = [when for when in failed_at if when > now - 30]
        assert budget.failures(now) == len(in_window)
        if gate:
            assert len(in_window) <= max(LIMIT, most_unreserved)


def test_a_spent_budget_refuses_fresh_calls_and_says_how_long_to_wait() -> None:
    budget = FailureBudget(limit=2, window=30)
    assert budget.start_fresh(100.0) == (False, None), "an empty window: no reservation needed"
    budget.finish_unreserved(100.0, failed=True)
    assert budget.start_fresh(110.0) == (True, None), "a failure in the window: the call takes a slot"
    budget.settle(110.0, failed=True)
    assert budget.start_fresh(115.0) == (False, 15.0)
    assert budget.start_fresh(130.5)[1] is None, "the first failure left the window"


def test_gate_off_admits_fresh_calls_whatever_the_window_holds() -> None:
    budget = FailureBudget(limit=1, window=30, gate_fresh_calls=False)
    budget.record_failure(0.0)
    assert budget.start_fresh(1.0) == (False, None)
    assert not budget.reserve_retry(1.0)


CALLERS = [8, 32, 128]


def worst_case(callers: int, limit: int) -> int:
    return max(limit, callers)


@pytest.mark.parametrize("callers", CALLERS)
def test_threads_sharing_one_client_never_pass_the_bound(callers: int) -> None:
    budget = FailureBudget(limit=LIMIT, window=30)
    with RawServer(reply(429, headers={"Retry-After": "0"})) as server:
        clock = FakeClock()
        with Venice(api_key=API_KEY, base_url=server.base_url, hooks=clock.hooks(), failure_budget=budget) as client:

            def call(_: int) -> type[Exception]:
                try:
                    client.call(list_models)
                except e.VeniceError as exc:
                    return type(exc)
                raise AssertionError("a server that only answers 429 cannot succeed")

            with concurrent.futures.ThreadPoolExecutor(max_workers=callers) as pool:
                outcomes = list(pool.map(call, range(callers * 2)))
        seen = server.seen
    print(f"threads={callers}: server saw {seen} failed requests (bound {worst_case(callers, LIMIT)})")
    assert seen <= worst_case(callers, LIMIT)
    assert set(outcomes) <= {e.RateLimitError, e.RetryBudgetExceededError, e.FailureBudgetSpentError}
    assert e.FailureBudgetSpentError in outcomes, "the second wave is refused before sending"


@pytest.mark.parametrize("callers", CALLERS)
def test_tasks_on_several_clients_sharing_a_budget_never_pass_the_bound(callers: int) -> None:
    budget = FailureBudget(limit=LIMIT, window=30)
    with RawServer(reply(429, headers={"Retry-After": "0"})) as server:
        clock = FakeClock()

        async def run() -> list[Any]:
            clients = [
                AsyncVenice(api_key=API_KEY, base_url=server.base_url, hooks=clock.hooks(), failure_budget=budget)
                for _ in range(4)
            ]
            try:

                async def call(index: int) -> type[Exception]:
                    try:
                        await clients[index % 4].call(list_models)
                    except e.VeniceError as exc:
                        return type(exc)
                    raise AssertionError("a server that only answers 429 cannot succeed")

                first = await asyncio.gather(*(call(i) for i in range(callers)))
                second = await asyncio.gather(*(call(i) for i in range(callers)))
                return [*first, *second]
            finally:
                for client in clients:
                    await client.close()

        outcomes = asyncio.run(run())
        seen = server.seen
    print(f"tasks={callers}: server saw {seen} failed requests (bound {worst_case(callers, LIMIT)})")
    assert seen <= worst_case(callers, LIMIT)
    assert e.FailureBudgetSpentError in outcomes


def test_a_recovered_server_is_reached_again_once_the_window_moves_on() -> None:
    budget = FailureBudget(limit=2, window=30)
    with RawServer(reply(503), reply(503), reply(200, OK_MODELS)) as server:
        clock = FakeClock()
        with Venice(api_key=API_KEY, base_url=server.base_url, hooks=clock.hooks(), failure_budget=budget) as client:
            with pytest.raises(e.RetryBudgetExceededError):
                client.call(list_models)
            with pytest.raises(e.FailureBudgetSpentError) as caught:
                client.call(list_models)
            assert 0 < caught.value.retry_in <= 30
            clock.now += 31
            client.call(list_models)
        assert server.seen == 3
