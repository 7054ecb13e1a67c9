"""Wallet access over real sockets, both twins (async over httpx and over aiohttp): sign-in
per attempt, paid calls and streams, top-ups paid exactly once, max_usd, auto top-up under
its cap, balance and transactions."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import pickle
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from venice_ext import AsyncVenice, Balances, Venice, aiohttp_transport
from venice_ext.errors import (
    APIConnectionError,
    ConfigurationError,
    InsufficientBalanceError,
    PaymentOutcomeUnknownError,
    PaymentRejectedError,
    SignInRejectedError,
    TopUpRefusedError,
)
from venice_ext.testing import FakeVenice, FakeX402, Reply, Reset
from venice_ext.wallet import AutoTopUp, PrivateKeySigner, Wallet

pytest.importorskip("eth_account")

MARKER_KEY = "0x" + "4b" * 32  # a marker: it must never show up anywhere
MODEL = "venice-uncensored-1-2"
MESSAGES = [{"role": "user", "content": "hi"}]
MODES = ["sync", "async", "async-aiohttp"]


@pytest.fixture
def fake() -> Iterator[FakeVenice]:
    with FakeVenice(api_key=None) as server:
        yield server


@pytest.fixture
def x402(fake: FakeVenice) -> FakeX402:
    return FakeX402().install(fake)


class Client:
    """One wallet client, sync or async, behind one blocking interface."""

    def __init__(self, mode: str, fake: FakeVenice, wallet: Any = MARKER_KEY, **options: Any) -> None:
        self.mode = mode
        if mode == "sync":
            self.venice: Any = Venice(wallet=wallet, base_url=fake.base_url, **options)
        else:
            if mode == "async-aiohttp":
                options.setdefault("transport", aiohttp_transport())
            self.runner = asyncio.Runner()
            self.venice = AsyncVenice(wallet=wallet, base_url=fake.base_url, **options)

    def run(self, make: Any) -> Any:
        if self.mode == "sync":
            return make(self.venice)
        return self.runner.run(make(self.venice))

    def chat(self) -> Any:
        return self.run(lambda c: c.chat.completions.create(model=MODEL, messages=MESSAGES))

    def stream_text(self) -> str:
        if self.mode == "sync":
            with self.venice.chat.completions.stream(model=MODEL, messages=MESSAGES) as stream:
                return "".join(stream.text_deltas())

        async def read() -> str:
            async with await self.venice.chat.completions.stream(model=MODEL, messages=MESSAGES) as stream:
                return "".join([text async for text in stream.text_deltas()])

        return self.runner.run(read())

    def top_up(self, usd: float | None = None, **kwargs: Any) -> Any:
        return self.run(lambda c: c.x402.top_up(usd, **kwargs))

    def transactions(self) -> list[Any]:
        if self.mode == "sync":
            return list(self.venice.x402.transactions(limit=2))

        async def walk() -> list[Any]:
            return [t async for t in self.venice.x402.transactions(limit=2)]

        return self.runner.run(walk())

    def close(self) -> None:
        if self.mode == "sync":
            self.venice.close()
        else:
            self.runner.run(self.venice.aclose())
            self.runner.close()


@pytest.fixture(params=MODES)
def client(request: pytest.FixtureRequest, fake: FakeVenice, x402: FakeX402) -> Iterator[Client]:
    wallet = Client(request.param, fake)
    yield wallet
    wallet.close()


def _sign_ins(fake: FakeVenice, path: str) -> list[dict[str, Any]]:
    return [json.loads(base64.b64decode(r.headers["sign-in-with-x"])) for r in fake.requests_to("POST", path)]


def test_a_paid_chat_call_signs_in_and_reports_the_balance(client: Client, fake: FakeVenice, x402: FakeX402) -> None:
    address = client.venice.wallet.address
    x402.set_balance(address, 1.0)
    completion = client.chat()
    assert completion.choices[0].message.content
    recorded = fake.requests_to("POST", "/chat/completions")[-1]
    assert "authorization" not in recorded.headers
    assert x402.sign_ins == 1 and float(x402.balance_of(address)) == pytest.approx(0.99)
    assert client.venice.wallet.balance_remaining == pytest.approx(0.99)
    full = client.run(lambda c: c.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES))
    assert full.headers["x-balance-remaining"] == "0.980000"
    assert Balances.of(full.headers).wallet_usd == pytest.approx(0.98), "exposed like the other balances"


def test_a_paid_stream(client: Client, fake: FakeVenice, x402: FakeX402) -> None:
    x402.set_balance(client.venice.wallet.address, 1.0)
    assert client.stream_text()
    assert client.venice.wallet.balance_remaining == pytest.approx(0.99)


def test_every_attempt_signs_anew_so_a_retry_is_accepted(client: Client, fake: FakeVenice, x402: FakeX402) -> None:
    x402.set_balance(client.venice.wallet.address, 1.0)
    fake.script("GET", "/models", Reply(503, json={"error": "busy"}, headers={"Retry-After": "0"}))
    client.run(lambda c: c.models.list())
    nonces = [r.headers["sign-in-with-x"] for r in fake.requests_to("GET", "/models")]
    assert len(nonces) == 2 and nonces[0] != nonces[1]


def test_the_raw_generated_client_signs_too(client: Client, fake: FakeVenice, x402: FakeX402) -> None:
    from venice_api.api.x402 import get_x402_balance

    address = client.venice.wallet.address
    x402.set_balance(address, 2.5)
    if client.mode == "sync":
        response = get_x402_balance.sync_detailed(client=client.venice.raw, wallet_address=address, sign_in_with_x="x")
    else:
        response = client.runner.run(
            get_x402_balance.asyncio_detailed(client=client.venice.raw, wallet_address=address, sign_in_with_x="x")
        )
    assert response.status_code == 200 and response.parsed.data.balance_usd == 2.5


def test_a_top_up_is_paid_once_and_credited(client: Client, fake: FakeVenice, x402: FakeX402) -> None:
    result = client.top_up(7)
    address = client.venice.wallet.address
    assert result.amount_credited == 7 and result.new_balance == 7 and result.network == "eip155:8453"
    assert result.settlement is not None and result.settlement["payer"] == address
    assert x402.payments == 1 and client.venice.wallet.payments == 1
    sent = fake.requests_to("POST", "/x402/top-up")
    assert len(sent) == 2 and "payment-signature" not in sent[0].headers and "payment-signature" in sent[1].headers
    balance = client.run(lambda c: c.x402.balance())
    assert balance.data.balance_usd == 7 and balance.data.can_consume
    # The ledger, across pages of two: one top-up and one charge-free balance read.
    client.chat()
    kinds = [t.type_ for t in client.transactions()]
    assert kinds == ["CHARGE", "TOP_UP"]


def test_without_an_amount_the_minimum_is_paid(client: Client, x402: FakeX402) -> None:
    assert client.top_up().amount_credited == 5


def test_max_usd_refuses_before_signing(client: Client, fake: FakeVenice, x402: FakeX402) -> None:
    with pytest.raises(TopUpRefusedError):
        client.top_up(20, max_usd=10)
    assert fake.requests_to("POST", "/x402/top-up") == []
    with pytest.raises(TopUpRefusedError):
        client.top_up(max_usd=4)  # Venice's minimum is $5: refused once the 402 says so
    assert [("payment-signature" in r.headers) for r in fake.requests_to("POST", "/x402/top-up")] == [False]
    assert x402.payments == 0


def test_a_replayed_payment_is_rejected_with_venices_message(client: Client, fake: FakeVenice, x402: FakeX402) -> None:
    client.top_up(5)
    paid = fake.requests_to("POST", "/x402/top-up")[-1].headers["payment-signature"]
    with httpx.Client() as plain:
        answer = plain.post(f"{fake.base_url}/x402/top-up", headers={"PAYMENT-SIGNATURE": paid})
    assert answer.status_code == 400 and answer.json()["message"] == "payment authorization already used"
    assert x402.payments == 1 and float(x402.balance_of(client.venice.wallet.address)) == 5


def test_a_rejected_payment_is_a_typed_error(client: Client, fake: FakeVenice, x402: FakeX402) -> None:
    fake.script(
        "POST",
        "/x402/top-up",
        Reply(402, json={"x402Version": 2, "accepts": x402.accepts}),
        Reply(400, json={"error": "PAYMENT_VERIFICATION_FAILED", "message": "insufficient USDC"}),
    )
    with pytest.raises(PaymentRejectedError) as caught:
        client.top_up(5)
    assert caught.value.code == "PAYMENT_VERIFICATION_FAILED" and caught.value.message == "insufficient USDC"


def test_a_reset_after_the_payment_was_sent_is_never_paid_twice(
    client: Client, fake: FakeVenice, x402: FakeX402
) -> None:
    fake.script("POST", "/x402/top-up", Reply(402, json={"x402Version": 2, "accepts": x402.accepts}), Reset())
    with pytest.raises(PaymentOutcomeUnknownError) as caught:
        client.top_up(5)
    assert caught.value.network == "eip155:8453" and caught.value.amount_usd == 5
    sent = fake.requests_to("POST", "/x402/top-up")
    assert [("payment-signature" in r.headers) for r in sent] == [False, True]


def test_even_a_client_that_retries_ambiguous_failures_never_resends_a_payment(
    fake: FakeVenice, x402: FakeX402
) -> None:
    fake.script("POST", "/x402/top-up", Reply(402, json={"x402Version": 2, "accepts": x402.accepts}), Reset())
    venice = Venice(wallet=MARKER_KEY, base_url=fake.base_url, retry_ambiguous=True, max_retries=5)
    with venice, pytest.raises(PaymentOutcomeUnknownError):
        venice.x402.top_up(5)
    assert len(fake.requests_to("POST", "/x402/top-up")) == 2


def test_out_of_balance_is_insufficient_balance(client: Client, x402: FakeX402) -> None:
    with pytest.raises(InsufficientBalanceError):
        client.chat()


def test_automatic_top_up_under_the_cap(fake: FakeVenice, x402: FakeX402, mode: str) -> None:
    wallet = Wallet(PrivateKeySigner(MARKER_KEY), auto_top_up=AutoTopUp(below_usd=0.5, amount_usd=5, cap_usd=10))
    x402.set_balance(wallet.address, 0.52)
    venice = Client(mode, fake, wallet=wallet)
    try:
        venice.chat()  # 0.51 left: no top-up
        assert x402.payments == 0
        venice.chat()  # 0.50: still not below
        venice.chat()  # 0.49: below, $5 paid
        assert x402.payments == 1 and wallet.auto_spent_usd == 5
        x402.set_balance(wallet.address, 0.2)
        venice.chat()  # second $5: the cap of $10 is reached
        x402.set_balance(wallet.address, 0.2)
        venice.chat()  # the cap holds
        assert x402.payments == 2 and wallet.auto_spent_usd == 10
    finally:
        venice.close()


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_refused_sign_in_is_typed(fake: FakeVenice, x402: FakeX402, mode: str) -> None:
    fake.script("GET", "/models", Reply(401, json={"error": "Sign-In-With-X message expired"}))
    venice = Client(mode, fake)
    try:
        with pytest.raises(SignInRejectedError) as caught:
            venice.run(lambda c: c.models.list())
        assert caught.value.message == "Sign-In-With-X message expired"
    finally:
        venice.close()


def test_the_fake_refuses_a_reused_nonce_an_expired_message_and_a_wrong_domain(
    client: Client, fake: FakeVenice, x402: FakeX402
) -> None:
    import datetime

    from venice_ext.wallet._siwx import sign_in_header

    signer = PrivateKeySigner(MARKER_KEY)
    x402.set_balance(signer.address, 1.0)
    url = f"{fake.base_url}/x402/balance/{signer.address}"
    now = datetime.datetime.now(datetime.UTC)
    fresh = sign_in_header(signer, domain=x402.domain, scheme="http", now=now)
    old = sign_in_header(signer, domain=x402.domain, scheme="http", now=now - datetime.timedelta(minutes=11))
    elsewhere = sign_in_header(signer, domain="api.venice.ai", scheme="https", now=now)
    with httpx.Client() as plain:
        assert plain.get(url, headers={"SIGN-IN-WITH-X": fresh}).status_code == 200
        reused = plain.get(url, headers={"SIGN-IN-WITH-X": fresh})
        expired = plain.get(url, headers={"SIGN-IN-WITH-X": old})
        wrong = plain.get(url, headers={"SIGN-IN-WITH-X": elsewhere})
        other = plain.get(
            f"{fake.base_url}/x402/balance/0x{'00' * 20}",
            headers={"SIGN-IN-WITH-X": sign_in_header(signer, domain=x402.domain, scheme="http", now=now)},
        )
    assert reused.status_code == expired.status_code == wrong.status_code == 401
    assert "nonce" in reused.json()["error"] and "expired" in expired.json()["error"]
    assert "domain" in wrong.json()["error"] and other.status_code == 403


def test_the_key_never_shows(fake: FakeVenice, x402: FakeX402, caplog: pytest.LogCaptureFixture) -> None:
    marker = MARKER_KEY.removeprefix("0x")
    caplog.set_level(logging.DEBUG)
    fake.script("POST", "/x402/top-up", Reply(402, json={"x402Version": 2, "accepts": x402.accepts}), Reset())
    with Venice(wallet=MARKER_KEY, base_url=fake.base_url) as venice:
        texts = [repr(venice), repr(venice.wallet), repr(venice.wallet.signer), repr(venice._config)]
        with pytest.raises(PaymentOutcomeUnknownError) as caught:
            venice.x402.top_up(5)
        texts += [str(caught.value), repr(caught.value)]
        for thing in (venice.wallet, venice.wallet.signer):
            with pytest.raises(TypeError):
                pickle.dumps(thing)
        texts.append(pickle.dumps(caught.value).hex())
    with pytest.raises(ConfigurationError) as bad:
        PrivateKeySigner(MARKER_KEY[:-1] + "z")
    texts += [str(bad.value), caplog.text, *(json.dumps(dict(r.headers)) for r in fake.requests)]
    assert not [text for text in texts if marker in text.lower()]


def test_key_sources_and_refusals(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "key"
    path.write_text(MARKER_KEY + "\n")
    monkeypatch.setenv("VENICE_WALLET_KEY", MARKER_KEY)
    addresses = {PrivateKeySigner.from_file(path).address, PrivateKeySigner.from_env().address}
    assert addresses == {PrivateKeySigner(MARKER_KEY).address}
    with pytest.raises(ConfigurationError):
        Venice(api_key="k", wallet=MARKER_KEY)
    with pytest.raises(ConfigurationError):
        PrivateKeySigner.from_file(tmp_path / "missing")
    with Venice(wallet=path, base_url="http://127.0.0.1:9") as venice:
        assert venice.wallet is not None and venice.wallet.address in addresses


def test_a_connect_failure_before_paying_is_not_an_unknown_outcome() -> None:
    venice = Venice(wallet=MARKER_KEY, base_url="http://127.0.0.1:9", max_retries=0)
    with venice, pytest.raises(APIConnectionError) as caught:
        venice.x402.top_up(5)
    assert not isinstance(caught.value, PaymentOutcomeUnknownError)


def test_the_cli_signs_in_with_a_wallet_key_file(fake: FakeVenice, x402: FakeX402, tmp_path: Any) -> None:
    pytest.importorskip("click")
    from click.testing import CliRunner

    from venice_ext.cli import cli

    path = tmp_path / "wallet.key"
    path.write_text(MARKER_KEY)
    x402.set_balance(PrivateKeySigner(MARKER_KEY).address, 1.0)
    args = ["--wallet-key-file", str(path), "--base-url", fake.base_url, "chat", "hi", "--no-stream"]
    result = CliRunner().invoke(cli, args, env={"VENICE_API_KEY": "ignored-with-a-wallet"})
    assert result.exit_code == 0, result.output
    recorded = fake.requests_to("POST", "/chat/completions")[-1]
    assert "sign-in-with-x" in recorded.headers and "authorization" not in recorded.headers
    assert x402.sign_ins == 1


def test_the_aiohttp_transport_signs_and_pays_too(fake: FakeVenice, x402: FakeX402) -> None:
    pytest.importorskip("httpx_aiohttp")
    from venice_ext import aiohttp_transport

    async def main() -> tuple[Any, Any]:
        async with AsyncVenice(wallet=MARKER_KEY, base_url=fake.base_url, transport=aiohttp_transport()) as venice:
            paid = await venice.x402.top_up(5)
            completion = await venice.chat.completions.create(model=MODEL, messages=MESSAGES)
            return paid, completion

    paid, completion = asyncio.run(main())
    assert paid.amount_credited == 5 and completion.choices[0].message.content
    assert x402.payments == 1 and x402.sign_ins == 1


def test_out_of_balance_with_a_policy_tops_up_and_sends_once_more(fake: FakeVenice, x402: FakeX402, mode: str) -> None:
    wallet = Wallet(PrivateKeySigner(MARKER_KEY), auto_top_up=AutoTopUp(below_usd=0.5, amount_usd=5, cap_usd=5))
    venice = Client(mode, fake, wallet=wallet)
    try:
        assert venice.chat().choices[0].message.content  # 402, $5 paid, sent again and answered
        assert x402.payments == 1 and len(fake.requests_to("POST", "/chat/completions")) == 2
        assert wallet.balance_remaining == pytest.approx(4.99)
        x402.set_balance(wallet.address, 0)
        with pytest.raises(InsufficientBalanceError):  # the cap is spent: the 402 stands
            venice.chat()
        assert x402.payments == 1
    finally:
        venice.close()
