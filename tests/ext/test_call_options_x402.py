"""Per-call options on `client.x402` with a wallet reach the wire and the parse, on both twins.

Against the fake Venice and its x402 side: extra headers and query parameters arrive on
the balance read, on every page of the transactions and on both requests of a top-up;
`max_retries=0` stops the retry the default makes after a 429; `strict_parsing=True`
turns a drifted balance into ResponseValidationError; a wallet top-up refuses the options
that would let it be sent twice, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.ext.test_wallet import MODES, Client
from venice_ext import errors as e
from venice_ext.testing import FakeVenice, FakeX402, Reply, Stall

pytest.importorskip("eth_account")

PROBE: dict[str, Any] = {"extra_headers": {"X-Probe": "header"}, "extra_query": {"probe": "query"}}
RATE_LIMITED = Reply(429, json={"error": "Rate limit exceeded"}, headers={"Retry-After": "1"})


@pytest.fixture
def fake() -> Iterator[FakeVenice]:
    with FakeVenice(api_key=None) as server:
        yield server


@pytest.fixture(params=MODES)
def client(request: pytest.FixtureRequest, fake: FakeVenice) -> Iterator[Client]:
    FakeX402().install(fake)
    wallet = Client(request.param, fake)
    yield wallet
    wallet.close()


def _sent(fake: FakeVenice, prefix: str) -> list[Any]:
    return [request for request in fake.requests if request.path.startswith(prefix)]


def _probed(request: Any) -> bool:
    return bool(request.headers.get("x-probe") == "header" and "probe=query" in request.query)


def _walk(client: Client, **options: Any) -> list[Any]:
    if client.mode == "sync":
        return list(client.venice.x402.transactions(limit=1, **options))

    async def walk() -> list[Any]:
        return [t async for t in client.venice.x402.transactions(limit=1, **options)]

    return list(client.runner.run(walk()))


def test_balance_sends_its_options_and_parses_strictly_when_asked(client: Client, fake: FakeVenice) -> None:
    client.run(lambda c: c.x402.balance(**PROBE))
    assert _probed(_sent(fake, "/x402/balance/")[-1])
    address = client.venice.wallet.address
    fake.script("GET", f"/x402/balance/{address}", RATE_LIMITED)
    with pytest.raises(e.RateLimitError):
        client.run(lambda c: c.x402.balance(max_retries=0))
    assert len(_sent(fake, "/x402/balance/")) == 2
    fake.script("GET", f"/x402/balance/{address}", Reply(json={"success": True, "data": {"balanceUsd": "lots"}}))
    with pytest.raises(e.ResponseValidationError) as caught:
        client.run(lambda c: c.x402.balance(strict_parsing=True))
    assert b"lots" in caught.value.body


def test_transactions_send_their_options_with_every_page(client: Client, fake: FakeVenice) -> None:
    client.top_up(7)
    client.chat()
    assert len(_walk(client, **PROBE)) == 2
    pages = _sent(fake, "/x402/transactions/")
    assert len(pages) >= 2 and all(_probed(page) for page in pages)
    fake.script("GET", f"/x402/transactions/{client.venice.wallet.address}", RATE_LIMITED)
    with pytest.raises(e.RateLimitError):
        _walk(client, max_retries=0)
    assert len(_sent(fake, "/x402/transactions/")) == len(pages) + 1


def test_a_wallet_top_up_sends_its_options_with_both_requests(client: Client, fake: FakeVenice) -> None:
    assert client.top_up(7, **PROBE).amount_credited == 7
    sent = fake.requests_to("POST", "/x402/top-up")
    assert len(sent) == 2 and all(_probed(request) for request in sent)


def test_a_wallet_top_up_times_out_as_asked(client: Client, fake: FakeVenice) -> None:
    fake.script("POST", "/x402/top-up", Stall(0.5))
    with pytest.raises(e.APITimeoutError):
        client.top_up(7, timeout=0.05)


@pytest.mark.parametrize(
    "refused",
    [{"max_retries": 2}, {"retry_ambiguous": True}, {"strict_parsing": True}, {"extra_body": {"x": 1}}],
)
def test_a_wallet_top_up_refuses_what_could_send_it_twice(
    client: Client, fake: FakeVenice, refused: dict[str, Any]
) -> None:
    with pytest.raises(e.ConfigurationError) as caught:
        client.top_up(7, **refused)
    assert next(iter(refused)) in str(caught.value)
    assert not fake.requests_to("POST", "/x402/top-up")
    client.top_up(7, max_retries=0, retry_ambiguous=False, strict_parsing=False)
