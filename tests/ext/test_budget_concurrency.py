"""The failure budget under concurrency: pure properties, then real sockets with 8, 32 and 128 callers.

Venice blocks a key after more than 20 failed requests in 30 s. The budget's
promise: every request in flight holds a slot, so the failed requests the server
sees within a window never pass `limit`, whatever the concurrency (threads or
tasks, one client or several sharing a budget, httpx or aiohttp). With
`reserve_in_flight=False` the bound is max(limit, requests in flight when the
window's first failure came back).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import venice_ext
from tests.ext.conftest import API_KEY, FakeClock
from tests.support.raw_server import OK_MODELS, RawServer, reply
from venice_api.api.models import list_models
from venice_ext import AsyncVenice, FailureBudget, Venice
from venice_ext import errors as e
from venice_ext._core._budget import Slot, SlotState

LIMIT = 15

# Operations a crowd of callers may apply to one budget, in any interleaving.
steps = st.lists(
    st.tuples(
        st.sampled_from(["fresh", "retry", "answer-ok", "answer-failed", "give-up-waiting", "tick"]),
        st.integers(0, 63),
    ),
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(steps, st.booleans(), st.booleans())
def test_failures_in_a_window_stay_within_the_bound(script: list[tuple[str, int]], gate: bool, reserve: bool) -> None:
    """Any interleaving of sends, answers and waiters giving up: every request sent may fail. Reserving in
    flight, the failures in any window plus the requests in flight stay within `limit`; without, within
    max(limit, the most unreserved requests ever in flight at once). A waiter always has a request in
    flight to wake it."""
    budget = FailureBudget(limit=LIMIT, window=30, gate_fresh_calls=gate, reserve_in_flight=reserve)
    now = 0.0
    in_flight: list[Slot] = []
    waiting: list[Slot] = []
    failed_at: list[float] = []
    most_unreserved = 0
    for action, pick in script:
        if action == "tick":
            now += pick
        elif action in ("fresh", "retry"):
            slot = budget.start_fresh(now) if action == "fresh" else budget.reserve_retry(now)
            if slot.state is SlotState.REFUSED:
                assert action == "retry" or gate
                assert 0 <= (slot.retry_in or 0) <= 30
            (waiting if slot.state is SlotState.WAITING else in_flight).append(slot) if slot.state in (
                SlotState.WAITING,
                SlotState.HELD,
                SlotState.UNRESERVED,
            ) else None
            if slot.state is SlotState.WAITING:
                assert reserve, "without reserving in flight nothing waits"
        elif action == "give-up-waiting" and waiting:
            slot = waiting.pop(pick % len(waiting))
            budget._withdraw(slot)
            if slot.in_flight:  # handed a slot just before giving up: it is given back unsent
                budget.finish(slot, now, failed=False)
        elif action.startswith("answer") and in_flight:
            slot = in_flight.pop(pick % len(in_flight))
            failed = action == "answer-failed"
            if failed:
                failed_at.append(now)
            budget.finish(slot, now, failed=failed)
        # Waiters handed a slot are now in flight; refused ones are gone.
        for slot in list(waiting):
            if slot.state is not SlotState.WAITING:
                waiting.remove(slot)
                if slot.in_flight:
                    in_flight.append(slot)
                else:
                    assert slot.state is SlotState.REFUSED
        unreserved = sum(1 for slot in in_flight if slot.state is SlotState.UNRESERVED)
        most_unreserved = max(most_unreserved, unreserved)
        in_window = [when for when in failed_at if when > now - 30]
        assert budget.failures(now) == len(in_window)
        assert budget.in_flight() == len(in_flight) and budget.waiting() == len(waiting)
        if waiting:
            assert in_flight, "a waiter with nothing in flight would never be woken"
        if gate and reserve:
            assert len(in_window) + len(in_flight) <= LIMIT
        elif gate:
            assert len(in_window) <= max(LIMIT, most_unreserved)


def test_a_spent_budget_refuses_fresh_calls_and_says_how_long_to_wait() -> None:
    budget = FailureBudget(limit=2, window=30)
    first = budget.start_fresh(100.0)
    assert first.state is SlotState.HELD
    budget.finish(first, 100.0, failed=True)
    second = budget.start_fresh(110.0)
    budget.finish(second, 110.0, failed=True)
    refused = budget.start_fresh(115.0)
    assert refused.state is SlotState.REFUSED and refused.retry_in == 15.0
    assert budget.start_fresh(130.5).state is SlotState.HELD, "the first failure left the window"


def test_without_reserving_in_flight_a_healthy_window_sends_unreserved() -> None:
    budget = FailureBudget(limit=2, window=30, reserve_in_flight=False)
    crowd = [budget.start_fresh(100.0) for _ in range(5)]
    assert {slot.state for slot in crowd} == {SlotState.UNRESERVED}
    budget.finish(crowd[0], 100.0, failed=True)
    assert budget.start_fresh(101.0).state is SlotState.REFUSED, "four still in flight may all fail"


def test_a_full_budget_hands_the_next_slot_to_retries_first() -> None:
    budget = FailureBudget(limit=2, window=30)
    a, b = budget.start_fresh(0.0), budget.start_fresh(0.0)
    fresh, retry = budget.start_fresh(0.0), budget.reserve_retry(0.0)
    assert fresh.state is retry.state is SlotState.WAITING
    budget.finish(a, 1.0, failed=False)
    assert retry.state is SlotState.HELD and fresh.state is SlotState.WAITING
    budget.finish(b, 1.0, failed=True)
    assert fresh.state is SlotState.WAITING, "one failure and one retry in flight fill a budget of 2"
    budget.finish(retry, 1.5, failed=False)
    assert fresh.state is SlotState.HELD
    budget.finish(fresh, 2.0, failed=True)
    late = budget.start_fresh(2.0)
    assert late.state is SlotState.REFUSED and late.retry_in == 29.0


def test_gate_off_admits_fresh_calls_whatever_the_window_holds() -> None:
    budget = FailureBudget(limit=1, window=30, gate_fresh_calls=False)
    budget.record_failure(0.0)
    assert budget.start_fresh(1.0).state is SlotState.UNRESERVED
    assert budget.reserve_retry(1.0).state is SlotState.REFUSED


CALLERS = [8, 32, 128]
FLAVORS = ["threads", "tasks-httpx", "tasks-aiohttp"]
FOUND: dict[tuple[str, int, int], int] = {}  # (flavor, clients, callers) -> failed requests the server saw


def run_crowd(flavor: str, clients: int, callers: int, base_url: str, budget: FailureBudget) -> list[Any]:
    """`callers` concurrent calls, then as many again, spread over `clients` clients sharing `budget`;
    each call's exception type, or "ok"."""
    clock = FakeClock()
    options: dict[str, Any] = {"api_key": API_KEY, "base_url": base_url, "hooks": clock.hooks()}
    if flavor == "threads":
        pool_of_clients = [Venice(failure_budget=budget, **options) for _ in range(clients)]

        def call(index: int) -> Any:
            try:
                pool_of_clients[index % clients].call(list_models)
            except e.VeniceError as exc:
                return type(exc)
            return "ok"

        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=callers) as pool:
                return list(pool.map(call, range(callers * 2)))
        finally:
            for client in pool_of_clients:
                client.close()

    async def run() -> list[Any]:
        def transport() -> dict[str, Any]:
            return {"transport": venice_ext.aiohttp_transport()} if flavor == "tasks-aiohttp" else {}

        crowd = [AsyncVenice(failure_budget=budget, **options, **transport()) for _ in range(clients)]
        try:

            async def call(index: int) -> Any:
                try:
                    await crowd[index % clients].call(list_models)
                except e.VeniceError as exc:
                    return type(exc)
                return "ok"

            first = await asyncio.gather(*(call(i) for i in range(callers)))
            second = await asyncio.gather(*(call(i) for i in range(callers)))
            return [*first, *second]
        finally:
            for client in crowd:
                await client.close()

    return asyncio.run(run())


@pytest.mark.parametrize("callers", CALLERS)
@pytest.mark.parametrize("clients", [1, 4], ids=["one client", "4 clients sharing a budget"])
@pytest.mark.parametrize("flavor", FLAVORS)
def test_no_crowd_makes_the_server_see_more_failures_than_the_limit(flavor: str, clients: int, callers: int) -> None:
    budget = FailureBudget(limit=LIMIT, window=30)
    with RawServer(reply(429, headers={"Retry-After": "0"})) as server:
        outcomes = run_crowd(flavor, clients, callers, server.base_url, budget)
        seen = server.seen
    FOUND[flavor, clients, callers] = seen
    print(f"{flavor}, {clients} client(s), {callers} callers: the server saw {seen} failed requests (limit {LIMIT})")
    assert seen <= LIMIT
    assert set(outcomes) <= {e.RateLimitError, e.RetryBudgetExceededError, e.FailureBudgetSpentError}
    assert e.FailureBudgetSpentError in outcomes, "once failures fill the window, calls are refused unsent"
    assert budget.in_flight() == 0 and budget.waiting() == 0


@pytest.mark.parametrize("flavor", FLAVORS)
def test_without_reserving_in_flight_the_first_wave_is_the_bound(flavor: str) -> None:
    budget = FailureBudget(limit=LIMIT, window=30, reserve_in_flight=False)
    with RawServer(reply(429, headers={"Retry-After": "0"})) as server:
        outcomes = run_crowd(flavor, 1, 32, server.base_url, budget)
        seen = server.seen
    assert seen <= max(LIMIT, 32)
    assert e.FailureBudgetSpentError in outcomes


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_healthy_crowd_larger_than_the_limit_all_succeeds_with_at_most_limit_in_flight(flavor: str) -> None:
    budget = FailureBudget(limit=4, window=30)
    with RawServer(("after", 0.02, reply(200, OK_MODELS))) as server:
        outcomes = run_crowd(flavor, 2, 24, server.base_url, budget)
        most_at_once = server.most_at_once
        seen = server.seen
    assert outcomes == ["ok"] * 48 and seen == 48
    assert 1 <= most_at_once <= 4, "the calls beyond the limit waited for a slot"
    assert budget.in_flight() == 0 and budget.waiting() == 0


@pytest.mark.parametrize("flavor", FLAVORS)
def test_waiting_for_a_slot_is_bounded_by_the_deadline(flavor: str) -> None:
    budget = FailureBudget(limit=1, window=30)
    with RawServer(("after", 1.0, reply(200, OK_MODELS))) as server:
        options: dict[str, Any] = {"api_key": API_KEY, "base_url": server.base_url, "failure_budget": budget}
        if flavor == "threads":
            with Venice(**options) as client, concurrent.futures.ThreadPoolExecutor(2) as pool:
                slow = pool.submit(client.call, list_models)
                while budget.in_flight() == 0:
                    slow.result(timeout=0.01) if slow.done() else None
                with pytest.raises(e.APITimeoutError, match="waiting for one of the failure budget"):
                    client.call(list_models, deadline=0.05)
                slow.result()
        else:

            async def run() -> None:
                transport = {"transport": venice_ext.aiohttp_transport()} if flavor == "tasks-aiohttp" else {}
                async with AsyncVenice(**options, **transport) as client:
                    slow = asyncio.ensure_future(client.call(list_models))
                    for _ in range(500):
                        if budget.in_flight():
                            break
                        await asyncio.sleep(0.01)
                    with pytest.raises(e.APITimeoutError, match="waiting for one of the failure budget"):
                        await client.call(list_models, deadline=0.05)
                    await slow

            asyncio.run(run())
        assert server.seen == 1, "the call that timed out waiting was never sent"
    assert budget.in_flight() == 0 and budget.waiting() == 0 and budget.failures(0.0) == 0


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


@pytest.mark.parametrize("flavor", ["tasks-httpx", "tasks-aiohttp"])
def test_a_task_cancelled_while_waiting_for_a_slot_leaves_the_budget_whole(flavor: str) -> None:
    budget = FailureBudget(limit=1, window=30)
    with RawServer(("after", 0.3, reply(200, OK_MODELS))) as server:

        async def run() -> None:
            transport = {"transport": venice_ext.aiohttp_transport()} if flavor == "tasks-aiohttp" else {}
            async with AsyncVenice(
                api_key=API_KEY, base_url=server.base_url, failure_budget=budget, **transport
            ) as client:
                slow = asyncio.ensure_future(client.call(list_models))
                for _ in range(500):
                    if budget.in_flight():
                        break
                    await asyncio.sleep(0.01)
                waiter = asyncio.ensure_future(client.call(list_models))
                for _ in range(500):
                    if budget.waiting():
                        break
                    await asyncio.sleep(0.01)
                assert budget.waiting() == 1
                waiter.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await waiter
                assert budget.waiting() == 0
                await slow
                await client.call(list_models)

        asyncio.run(run())
        assert server.seen == 2, "the cancelled call was never sent"
    assert budget.in_flight() == 0 and budget.waiting() == 0 and budget.failures(0.0) == 0
