"""The spend cap: the ledger's invariants (properties), and capped clients against a priced fake."""

from __future__ import annotations

import asyncio
import json
import pickle
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import venice_ext
from venice_ext import AsyncVenice, SpecDriftWarning, Venice
from venice_ext._core._ledger import SpendLedger
from venice_ext.batch import parse_request
from venice_ext.cost import estimate_cost
from venice_ext.errors import (
    ConfigurationError,
    CostUnknownError,
    SpendCapExceededError,
    SpendLimitError,
)
from venice_ext.testing import FakeVenice, RateLimit, Reply
from venice_ext.testing._canned_models import models as canned_models
from venice_ext.testing._ratelimit import canned_prices

MODEL = "venice-uncensored-1-2"
TRANSPORTS = ["httpx", "aiohttp"]


def body(i: int = 0, **extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": f"hi {i}"}], **extra}


def estimate(i: int = 0, **extra: Any) -> float:
    return estimate_cost(canned_models().json["data"], "/chat/completions", body(i, **extra)).usd


# The fake answers 24 prompt and 41 completion tokens: asking for 41 makes the estimate
# close to (a little under) the actual cost, so a cap of 3.5 estimates lets exactly 3 through.
SHORT = {"max_completion_tokens": 41}
# Above the 41 the fake answers: every estimate bounds its actual cost, as the cap assumes.
ROOMY = {"max_completion_tokens": 60}


def chats(fake: FakeVenice) -> int:
    return len(fake.requests_to("POST", "/chat/completions"))


# -- the ledger ---------------------------------------------------------------------------

operations = st.lists(
    st.tuples(st.sampled_from(["settle", "release", "fail"]), st.floats(0, 2), st.floats(0, 1)), max_size=40
)


@settings(max_examples=300, deadline=None)
@given(cap=st.floats(0, 10), ops=operations)
def test_ledger_never_holds_more_than_the_cap(cap: float, ops: list[tuple[str, float, float]]) -> None:
    ledger = SpendLedger(cap)
    settled = 0.0
    for outcome, usd, fraction in ops:
        before = ledger.snapshot()
        try:
            reservation = ledger.reserve(usd)
        except SpendCapExceededError as refused:
            assert before.spent + before.estimated + usd > cap
            assert (refused.estimate, refused.spent, refused.limit) == (usd, before.spent, cap)
            assert ledger.snapshot() == before
            continue
        assert ledger.snapshot().estimated == pytest.approx(before.estimated + usd)
        if outcome == "settle":
            # What a request actually cost is at most its estimate here, so the cap holds.
            ledger.settle(reservation, usd * fraction)
            settled += usd * fraction
        elif outcome == "release":
            ledger.release(reservation)
        spend = ledger.snapshot()
        assert spend.spent + spend.estimated <= cap + 1e-9
        assert spend.spent == pytest.approx(settled)
        assert spend.remaining == pytest.approx(max(0.0, cap - spend.spent - spend.estimated))


@settings(max_examples=100, deadline=None)
@given(usd=st.floats(0, 5), call_cap=st.floats(0, 5))
def test_a_call_cap_bounds_that_call_alone(usd: float, call_cap: float) -> None:
    ledger = SpendLedger(None)
    if usd > call_cap:
        with pytest.raises(SpendCapExceededError):
            ledger.reserve(usd, call_limit=call_cap)
    else:
        ledger.settle(ledger.reserve(usd, call_limit=call_cap), usd)
        assert ledger.snapshot().spent == usd and ledger.snapshot().remaining is None


def test_settling_twice_or_after_release_counts_once() -> None:
    ledger = SpendLedger(1.0)
    first, second = ledger.reserve(0.25), ledger.reserve(0.25)
    ledger.settle(first, 0.2)
    ledger.settle(first, 0.2)
    ledger.release(second)
    ledger.settle(second, 0.5)
    assert ledger.snapshot().spent == pytest.approx(0.2)


def test_a_balance_difference_is_only_trusted_for_a_request_alone() -> None:
    ledger = SpendLedger(1.0)
    ledger.observe_balance(10.0)
    alone = ledger.reserve(0.1)
    assert ledger.balance_cost(alone, 9.95) == pytest.approx(0.05)
    ledger.settle(alone, 0.05)
    ledger.observe_balance(9.95)
    overlapped, other = ledger.reserve(0.1), ledger.reserve(0.1)
    assert ledger.balance_cost(overlapped, 9.8) is None and ledger.balance_cost(other, 9.8) is None


def test_threads_sharing_a_ledger_never_cross_the_cap() -> None:
    ledger = SpendLedger(1.0)
    accepted: list[float] = []

    def spend() -> None:
        for _ in range(200):
            try:
                reservation = ledger.reserve(0.01)
            except SpendCapExceededError:
                continue
            accepted.append(0.01)
            ledger.settle(reservation, 0.01)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(accepted) <= 100 and ledger.snapshot().spent <= 1.0 + 1e-9


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), True, "5"])
def test_a_bad_cap_is_a_configuration_error(bad: Any) -> None:
    with pytest.raises(ConfigurationError):
        Venice(api_key="test-key", max_usd=bad)


def test_the_error_names_estimate_and_spent_and_pickles() -> None:
    error = SpendCapExceededError("no", estimate=0.5, spent=0.25, in_flight=0.1, limit=0.6, model=MODEL)
    assert isinstance(error, SpendLimitError) and error.quote == 0.5
    copy = pickle.loads(pickle.dumps(error))
    assert vars(copy) == vars(error) and str(copy) == "no"


# -- capped clients against the priced fake -----------------------------------------------


@pytest.fixture
def priced() -> Any:
    with FakeVenice(rate_limit=RateLimit(balance_usd=100.0)) as fake:
        yield fake


def test_sync_refuses_before_sending_and_settles_from_usage(priced: FakeVenice) -> None:
    with Venice(api_key="test-key", base_url=priced.base_url, max_usd=0.01, max_retries=0) as client:
        answer = client.chat.completions.create(**body())
        usage = answer.usage
        assert usage is not None
        input_price, output_price = canned_prices()[MODEL]
        actual = (usage.prompt_tokens * input_price + usage.completion_tokens * output_price) / 1e6
        assert client.spend.spent == pytest.approx(actual) and actual != pytest.approx(estimate())
        assert client.spend.estimated == 0.0 and client.spend.remaining == pytest.approx(0.01 - actual)
        with pytest.raises(SpendCapExceededError) as refused:
            client.chat.completions.create(**body(max_completion_tokens=10_000_000))
        client.chat.completions.create(**body())
        client.chat.completions.create(**body())
    assert refused.value.spent == pytest.approx(actual) and refused.value.limit == 0.01
    assert refused.value.estimate > 0.01 and refused.value.model == MODEL
    assert chats(priced) == 3
    assert len(priced.requests_to("GET", "/models")) == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_async_refuses_before_sending(priced: FakeVenice, transport: str) -> None:
    async def main() -> None:
        extra: dict[str, Any] = {"transport": venice_ext.aiohttp_transport()} if transport == "aiohttp" else {}
        async with AsyncVenice(
            api_key="test-key", base_url=priced.base_url, max_usd=estimate() / 2, max_retries=0, **extra
        ) as client:
            with pytest.raises(SpendCapExceededError) as refused:
                await client.chat.completions.create(**body())
            assert refused.value.spent == 0.0 and refused.value.estimate == pytest.approx(estimate())
            assert client.spend.spent == 0.0 and client.spend.estimated == 0.0

    asyncio.run(main())
    assert chats(priced) == 0


def test_a_call_cap_refuses_that_call(priced: FakeVenice) -> None:
    operation, _ = parse_request(body(), 0).resolve()
    with Venice(api_key="test-key", base_url=priced.base_url, max_retries=0) as client:
        with pytest.raises(SpendCapExceededError):
            client.call(operation, body=body(), max_usd=estimate() / 2)  # type: ignore[arg-type]
        client.call(operation, body=body(), max_usd=estimate() * 2)  # type: ignore[arg-type]
        assert client.spend.spent > 0 and client.spend.limit is None
    assert chats(priced) == 1
    assert all("x-venice-ext-max-usd" not in r.headers for r in priced.requests)


def test_with_options_caps_each_call_and_shares_the_ledger(priced: FakeVenice) -> None:
    with Venice(api_key="test-key", base_url=priced.base_url, max_retries=0) as client:
        tight = client.with_options(max_usd=estimate() / 2)
        with pytest.raises(SpendCapExceededError):
            tight.chat.completions.create(**body())
        client.with_options(max_usd=estimate() * 2).chat.completions.create(**body())
        assert client.spend.spent > 0
    assert chats(priced) == 1


def test_no_usage_settles_from_the_balance_difference_or_the_estimate(fake: FakeVenice) -> None:
    answer = {"id": "c", "object": "chat.completion", "created": 1, "model": MODEL, "choices": []}
    fake.script("POST", "/chat/completions", Reply(json=answer, headers={"x-venice-balance-usd": "10.0"}))
    fake.script("POST", "/chat/completions", Reply(json=answer, headers={"x-venice-balance-usd": "9.999"}))
    operation, _ = parse_request(body(), 0).resolve()
    with (
        Venice(api_key="test-key", base_url=fake.base_url, max_usd=1.0, max_retries=0) as client,
        pytest.warns(SpecDriftWarning),  # the scripted answer leaves out `usage` on purpose
    ):
        client.call_with_response(operation, body=body())  # type: ignore[arg-type]
        assert client.spend.spent == pytest.approx(estimate())  # no balance seen before: the estimate
        client.call_with_response(operation, body=body())  # type: ignore[arg-type]
        assert client.spend.spent == pytest.approx(estimate() + 0.001)


def test_a_stream_holds_its_estimate_until_it_is_closed(priced: FakeVenice) -> None:
    """Settled from its final usage when closed (tests/ext/test_spend_cap_jobs_streams.py)."""
    with Venice(api_key="test-key", base_url=priced.base_url, max_usd=1.0, max_retries=0) as client:
        with client.chat.completions.stream(**body()) as stream:
            assert client.spend.spent == 0.0 and client.spend.estimated == pytest.approx(estimate())
            text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        assert text and client.spend.estimated == 0.0 and client.spend.spent > 0.0
    assert chats(priced) == 1


def test_an_error_answer_releases_its_estimate(fake: FakeVenice) -> None:
    fake.script("POST", "/chat/completions", Reply(400, json={"error": "bad"}))
    with Venice(api_key="test-key", base_url=fake.base_url, max_usd=1.0, max_retries=0) as client:
        with pytest.raises(venice_ext.errors.BadRequestError):
            client.chat.completions.create(**body())
        assert client.spend.spent == 0.0 and client.spend.estimated == 0.0


def test_an_unpriced_request_is_refused_unless_allowed(priced: FakeVenice) -> None:
    priced.add_model("house-unpriced-1")  # listed, so Venice would answer it, but with no pricing
    unknown = {**body(), "model": "house-unpriced-1"}
    with (
        Venice(api_key="test-key", base_url=priced.base_url, max_usd=1.0, max_retries=0) as client,
        pytest.raises(CostUnknownError, match="allow_unpriced=True"),
    ):
        client.chat.completions.create(**unknown)
    assert chats(priced) == 0
    with Venice(
        api_key="test-key", base_url=priced.base_url, max_usd=1.0, max_retries=0, allow_unpriced=True
    ) as client:
        client.chat.completions.create(**unknown)
    assert chats(priced) == 1


def test_concurrent_threads_never_exceed_the_cap(priced: FakeVenice) -> None:
    cap = estimate(**ROOMY) * 5.5
    refused: list[SpendCapExceededError] = []
    with Venice(api_key="test-key", base_url=priced.base_url, max_usd=cap, max_retries=0) as client:
        client.models.priced_listing()

        def send() -> None:
            for _ in range(5):
                try:
                    client.chat.completions.create(**body(0, **ROOMY))
                except SpendCapExceededError as error:
                    refused.append(error)

        threads = [threading.Thread(target=send) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        spend = client.spend
    # Each answer costs less than its estimate, so more than five fit, never past the cap.
    assert spend.spent <= cap and spend.estimated == 0.0
    assert chats(priced) + len(refused) == 30 and refused
    assert all(e.spent + e.in_flight + e.estimate > cap for e in refused)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_concurrent_tasks_never_exceed_the_cap(priced: FakeVenice, transport: str) -> None:
    cap = estimate(**ROOMY) * 5.5

    async def main() -> tuple[list[Any], Any]:
        extra: dict[str, Any] = {"transport": venice_ext.aiohttp_transport()} if transport == "aiohttp" else {}
        async with AsyncVenice(
            api_key="test-key", base_url=priced.base_url, max_usd=cap, max_retries=0, **extra
        ) as client:
            answers = await asyncio.gather(
                *(client.chat.completions.create(**body(i, **ROOMY)) for i in range(20)), return_exceptions=True
            )
            return answers, client.spend

    answers, spend = asyncio.run(main())
    refused = [a for a in answers if isinstance(a, SpendCapExceededError)]
    # Five estimates fit at once; answers settle below their estimate, making room for more.
    assert chats(priced) >= 5 and refused and chats(priced) + len(refused) == 20
    assert all(e.spent + e.in_flight + e.estimate > cap for e in refused)
    assert len(priced.requests_to("GET", "/models")) == 1  # fetched once for all twenty
    assert spend.spent <= cap and spend.estimated == 0.0


def test_a_batch_stops_dispatching_at_the_cap_and_says_so(priced: FakeVenice) -> None:
    cap = estimate(**SHORT) * 3.5
    with Venice(api_key="test-key", base_url=priced.base_url, max_usd=cap, max_retries=0) as client:
        results = client.batch([body(0, **SHORT) for _ in range(10)], max_concurrency=1)
        spend = client.spend
    sent = chats(priced)
    assert sent == 3 and len(results) == 4
    assert all(r.ok for r in results[:-1])
    assert isinstance(results[-1].error, SpendCapExceededError)
    assert results[-1].to_json()["error"]["type"] == "SpendCapExceededError"
    assert spend.spent <= cap


def test_async_batch_stops_at_the_cap(priced: FakeVenice) -> None:
    cap = estimate(**SHORT) * 3.5

    async def main() -> list[Any]:
        async with AsyncVenice(api_key="test-key", base_url=priced.base_url, max_usd=cap, max_retries=0) as client:
            return await client.batch([body(0, **SHORT) for _ in range(10)], max_concurrency=1)

    results = asyncio.run(main())
    assert isinstance(results[-1].error, SpendCapExceededError) and len(results) == 4 and chats(priced) == 3


def test_cli_max_usd_stops_the_batch_and_resume_goes_on(tmp_path: Path, priced: FakeVenice) -> None:
    from click.testing import CliRunner

    from venice_ext.cli import cli

    source, output = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    lines = [
        {"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body(0, **SHORT)}
        for i in range(8)
    ]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    base = ["--api-key", "test-key", "--base-url", priced.base_url, "batch", str(source), "-o", str(output)]
    capped = CliRunner().invoke(cli, [*base, "--concurrency", "1", "--max-usd", repr(estimate(**SHORT) * 3.5)])
    assert capped.exit_code == 0, capped.output
    sent = chats(priced)
    assert "3 answered (0 failed)" in capped.stdout and "spent $" in capped.stdout
    assert "stopped at the spend cap: 1 refused and 4 not dispatched" in capped.stdout
    assert "3/8 done, 0 failed, 0 in flight, $0.0001 spent" in capped.stderr
    assert len(output.read_text().splitlines()) == sent == 3
    resumed = CliRunner().invoke(cli, [*base, "--resume", "--max-usd", "1"])
    assert resumed.exit_code == 0, resumed.output
    assert f"{8 - sent} answered (0 failed), {sent} already answered, 0 ambiguous" in resumed.stdout
    assert chats(priced) == 8


def test_an_adopted_http_client_is_capped_too(priced: FakeVenice) -> None:
    import httpx

    with Venice(
        api_key="test-key", base_url=priced.base_url, http_client=httpx.Client(), max_usd=estimate() / 2, max_retries=0
    ) as client:
        with pytest.raises(SpendCapExceededError):
            client.chat.completions.create(**body())
        assert venice_ext.Spend(0.0, 0.0, estimate() / 2, estimate() / 2) == client.spend
    assert chats(priced) == 0


def test_a_raised_status_error_releases_and_a_lost_answer_counts(fake: FakeVenice) -> None:
    from venice_ext.testing import Reset

    fake.script("POST", "/chat/completions", Reply(429, json={"error": "slow"}, headers={"retry-after": "3600"}))
    with Venice(api_key="test-key", base_url=fake.base_url, max_usd=1.0, max_retry_wait=1.0) as client:
        with pytest.raises(venice_ext.errors.RateLimitError):
            client.chat.completions.create(**body())
        assert client.spend.spent == 0.0 and client.spend.estimated == 0.0
        fake.script("POST", "/chat/completions", Reset(read_body=True))
        with pytest.raises(venice_ext.errors.APIConnectionError) as lost:
            client.chat.completions.create(**body())
        assert lost.value.may_have_been_processed
        assert client.spend.spent == pytest.approx(estimate()) and client.spend.estimated == 0.0
