"""The wallet's pure parts, by property: requirements parsing and choice, the top-up policy,
sign-in messages that parse back to what was signed."""

from __future__ import annotations

import base64
import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from venice_ext.errors import UnpayableRequirementError
from venice_ext.wallet import AutoTopUp, choose_option, next_top_up, parse_requirements
from venice_ext.wallet._requirements import KNOWN_ASSETS, base_units, usd_of
from venice_ext.wallet._siwx import parse_sign_in_message, sign_in_message

BASE = "eip155:8453"
SOLANA = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"

networks = st.sampled_from([BASE, SOLANA, "eip155:1", "base"])
entries = st.fixed_dictionaries(
    {
        "scheme": st.sampled_from(["exact", "upto"]),
        "network": networks,
        "amount": st.integers(0, 10**10).map(str),
        "asset": st.sampled_from([KNOWN_ASSETS[BASE], KNOWN_ASSETS[BASE].upper().replace("0X", "0x"), "0xdead"]),
        "payTo": st.just("0x2670b922ef37c7df47158725c0cc407b5382293f"),
        "maxTimeoutSeconds": st.integers(-5, 600),
        "extra": st.just({"name": "USD Coin", "version": "2"}),
    }
)
documents = st.fixed_dictionaries({"x402Version": st.just(2), "accepts": st.lists(entries, max_size=5)})


@given(documents, st.booleans())
def test_header_and_body_give_the_same_requirements(document: dict[str, Any], in_header: bool) -> None:
    header = base64.b64encode(json.dumps(document).encode()).decode() if in_header else None
    parsed = parse_requirements(header, None if in_header else document)
    assert len(parsed.accepts) == len(document["accepts"]) and parsed.x402_version == 2


@given(documents, st.one_of(st.none(), st.integers(1, 10**10)))
def test_the_choice_is_payable_or_refused_with_a_typed_error(document: dict[str, Any], amount: int | None) -> None:
    requirements = parse_requirements(None, document)
    try:
        option, paid = choose_option(requirements, network=BASE, amount=amount)
    except UnpayableRequirementError as exc:
        payable = [
            o
            for o in requirements.accepts
            if o.network == BASE
            and o.scheme == "exact"
            and o.asset.lower() == KNOWN_ASSETS[BASE]
            and o.max_timeout_seconds > 0
        ]
        cheapest = min((o.amount for o in payable), default=None)
        assert cheapest is None or (amount is not None and amount < cheapest) or (amount is None and cheapest == 0)
        assert exc.message
        return
    assert option.network == BASE and option.scheme == "exact" and option.max_timeout_seconds > 0
    assert option.asset.lower() == KNOWN_ASSETS[BASE]
    assert paid >= option.amount and paid > 0 and (amount is None or paid == amount)


@pytest.mark.parametrize("junk", [None, {}, {"accepts": "no"}, {"accepts": [{"network": BASE}]}, [1]])
def test_malformed_requirements_are_unpayable(junk: Any) -> None:
    with pytest.raises(UnpayableRequirementError):
        parse_requirements(None, junk)
    with pytest.raises(UnpayableRequirementError):
        parse_requirements("not base64!", None)


@given(st.decimals(min_value=Decimal("0.000001"), max_value=Decimal(10**6), places=6))
def test_usd_and_base_units_round_trip(usd: Decimal) -> None:
    assert usd_of(base_units(usd)) == usd


@given(
    below=st.floats(0, 100),
    amount=st.floats(0.01, 100),
    cap=st.floats(0, 1000),
    balance=st.one_of(st.none(), st.floats(-10, 200)),
    spent=st.floats(0, 1000),
)
def test_the_policy_never_passes_the_cap(
    below: float, amount: float, cap: float, balance: float | None, spent: float
) -> None:
    policy = AutoTopUp(below_usd=below, amount_usd=amount, cap_usd=cap)
    top_up = next_top_up(policy, balance_usd=balance, spent_usd=spent)
    if top_up is not None:
        assert balance is not None and balance < below and spent + top_up <= cap + 1e-9
    elif balance is not None and balance < below:
        assert spent + amount > cap
    assert next_top_up(None, balance_usd=balance, spent_usd=spent) is None


@pytest.mark.parametrize("bad", [{"below_usd": -1}, {"amount_usd": 0}, {"cap_usd": float("nan")}])
def test_a_nonsense_policy_is_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        AutoTopUp(**{"below_usd": 1.0, "amount_usd": 5.0, "cap_usd": 10.0, **bad})


@given(
    domain=st.sampled_from(["api.venice.ai", "127.0.0.1:8080", "localhost"]),
    moment=st.datetimes(
        min_value=datetime.datetime(2000, 1, 1),
        max_value=datetime.datetime(2100, 1, 1),
        timezones=st.just(datetime.UTC),
    ),
)
def test_a_sign_in_message_parses_back(domain: str, moment: datetime.datetime) -> None:
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    message = sign_in_message("0x" + "ab" * 20, domain, "https", moment)
    assert parse_sign_in_message(message.text()) == message
    assert len(message.nonce) == 16
