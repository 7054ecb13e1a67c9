"""`client.x402`: a wallet's balance, its transactions (every one, across pages) and top-ups.

With `Venice(wallet=...)` the wallet address and the sign-in header are filled in (the
signing transport signs each request afresh, so any `sign_in_with_x` given is
replaced). `top_up` hands a `TopUpOrder` to that transport, which runs the 402 flow and
pays exactly once; it is never retried, whatever the client's retry settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from venice_ext._core._calls import options_of
from venice_ext._core._errors_from import connection_error_from
from venice_ext._core._paging import AsyncPages, Pages, offset_rule
from venice_ext._core._requester import AsyncRequester, Requester, RequestOptions
from venice_ext._core._symbols import (
    AsyncGeneratedX402,
    GeneratedX402,
    GetX402TransactionsResponseDataTransactionsItem,
)
from venice_ext._core._transport import EXTENSION
from venice_ext.errors import ConfigurationError
from venice_ext.wallet._transport import WALLET_EXTENSION, top_up_result
from venice_ext.wallet._wallet import TopUpOrder, TopUpResult, Wallet

if TYPE_CHECKING:
    from venice_api.models import GetX402BalanceResponse

__all__ = ["X402", "AsyncX402"]

_TRANSACTIONS = offset_rule("data.transactions", position="offset", size="limit")
_Transaction = GetX402TransactionsResponseDataTransactionsItem
# Replaced by the signing transport on every attempt; only sent as is without a wallet.
_SIGNED_PER_REQUEST = "signed-per-request"
_NEVER_WITH_A_WALLET = ("max_retries", "retry_ambiguous", "strict_parsing", "extra_body")


def _identity(wallet: Wallet | None, address: str | None, sign_in: str | None) -> dict[str, str]:
    if wallet is None and (address is None or sign_in is None):
        raise ConfigurationError(
            "without Venice(wallet=...), pass walletAddress= and sign_in_with_x= (a signed SIWX header)"
        )
    return {
        "walletAddress": address if address is not None else wallet.address,  # type: ignore[union-attr]
        "sign_in_with_x": sign_in if sign_in is not None else _SIGNED_PER_REQUEST,
    }


def _top_up_request(
    http: httpx.Client | httpx.AsyncClient, usd: float | None, max_usd: float | None, options: RequestOptions
) -> httpx.Request:
    for name, value in (("usd", usd), ("max_usd", max_usd)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
            raise ValueError(f"top_up: {name} must be a positive number of USD, got {value!r}")
    # Paid once: a retry could pay twice, so the options that would allow one are refused.
    refused = [name for name in _NEVER_WITH_A_WALLET if options.get(name) not in (None, False, 0)]
    if refused:
        raise ConfigurationError(f"top_up with a wallet is sent once and answers a TopUpResult: {', '.join(refused)}")
    deadline = {"deadline": options["deadline"]} if "deadline" in options else {}
    return http.build_request(
        "POST",
        "x402/top-up",
        headers=options.get("extra_headers"),
        params=options.get("extra_query"),
        timeout=options.get("timeout", httpx.USE_CLIENT_DEFAULT),
        extensions={
            EXTENSION: {"max_retries": 0, "retry_ambiguous": False, **deadline},
            WALLET_EXTENSION: TopUpOrder(usd, max_usd),
        },
    )


# unasync: begin async source
class AsyncX402(AsyncGeneratedX402):
    """`client.x402`: balance, transactions (every transaction, across pages), top_up."""

    def __init__(self, requester: AsyncRequester, *, wallet: Wallet | None = None) -> None:
        super().__init__(requester)
        self._http_requester = requester
        self._wallet = wallet

    async def balance(  # type: ignore[override]  # the wallet's own address by default; GET: no extra_body
        self,
        *,
        walletAddress: str | None = None,
        sign_in_with_x: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> GetX402BalanceResponse:
        """The balance of `walletAddress` (default: the client's wallet)."""
        identity = _identity(self._wallet, walletAddress, sign_in_with_x)
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        return await super().balance(
            walletAddress=identity["walletAddress"], sign_in_with_x=identity["sign_in_with_x"], **options
        )

    def transactions(  # type: ignore[override]  # every transaction, across pages
        self,
        *,
        walletAddress: str | None = None,
        sign_in_with_x: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> AsyncPages[_Transaction]:
        """Every ledger entry (TOP_UP, CHARGE, REFUND), newest first, fetched page by page; the
        options go with every page's request."""
        fetch = super().transactions
        given: Mapping[str, Any] = {**_identity(self._wallet, walletAddress, sign_in_with_x), **params}
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        return AsyncPages(lambda page: fetch(**page, **options), given, _TRANSACTIONS)

    async def top_up(  # type: ignore[override]  # the whole 402 flow, paid once
        self,
        usd: float | None = None,
        *,
        max_usd: float | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **generated: Any,
    ) -> TopUpResult:
        """Add `usd` (default: Venice's minimum) to the wallet's balance; refused above `max_usd`.

        Raises `UnpayableRequirementError`, `TopUpRefusedError` (nothing signed),
        `PaymentRejectedError` (Venice refused the payment) or `PaymentOutcomeUnknownError`
        (sent, no answer: never resent). With a wallet, `timeout`, `deadline`, `extra_headers`
        and `extra_query` apply; `max_retries`, `retry_ambiguous=True`, `strict_parsing=True` and
        `extra_body` are refused (ConfigurationError): the payment is sent once, its answer read
        as a TopUpResult. Without a wallet this is the generated method, every option included:
        `top_up(payment_signature=...)` sends a payment signed elsewhere, answering Venice's body.
        """
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        if self._wallet is None:
            if usd is not None or max_usd is not None:
                raise ConfigurationError("top_up(usd) needs a wallet: AsyncVenice(wallet=...)")
            # The key client's plain operation, kept for payments signed outside this client.
            return await super().top_up(**options, **generated)  # type: ignore[return-value]
        if generated:
            raise TypeError(f"top_up: unexpected argument(s) {', '.join(sorted(generated))} with a wallet")
        http = self._http_requester.http_client
        request = _top_up_request(http, usd, max_usd, options)
        try:
            response = await http.send(request)
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        return top_up_result(response, self._wallet.network)


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class X402(GeneratedX402):
    """`client.x402`: balance, transactions (every transaction, across pages), top_up."""

    def __init__(self, requester: Requester, *, wallet: Wallet | None = None) -> None:
        super().__init__(requester)
        self._http_requester = requester
        self._wallet = wallet

    def balance(  # type: ignore[override]  # the wallet's own address by default; GET: no extra_body
        self,
        *,
        walletAddress: str | None = None,
        sign_in_with_x: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> GetX402BalanceResponse:
        """The balance of `walletAddress` (default: the client's wallet)."""
        identity = _identity(self._wallet, walletAddress, sign_in_with_x)
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        return super().balance(
            walletAddress=identity["walletAddress"], sign_in_with_x=identity["sign_in_with_x"], **options
        )

    def transactions(  # type: ignore[override]  # every transaction, across pages
        self,
        *,
        walletAddress: str | None = None,
        sign_in_with_x: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> Pages[_Transaction]:
        """Every ledger entry (TOP_UP, CHARGE, REFUND), newest first, fetched page by page; the
        options go with every page's request."""
        fetch = super().transactions
        given: Mapping[str, Any] = {**_identity(self._wallet, walletAddress, sign_in_with_x), **params}
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        return Pages(lambda page: fetch(**page, **options), given, _TRANSACTIONS)

    def top_up(  # type: ignore[override]  # the whole 402 flow, paid once
        self,
        usd: float | None = None,
        *,
        max_usd: float | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **generated: Any,
    ) -> TopUpResult:
        """Add `usd` (default: Venice's minimum) to the wallet's balance; refused above `max_usd`.

        Raises `UnpayableRequirementError`, `TopUpRefusedError` (nothing signed),
        `PaymentRejectedError` (Venice refused the payment) or `PaymentOutcomeUnknownError`
        (sent, no answer: never resent). With a wallet, `timeout`, `deadline`, `extra_headers`
        and `extra_query` apply; `max_retries`, `retry_ambiguous=True`, `strict_parsing=True` and
        `extra_body` are refused (ConfigurationError): the payment is sent once, its answer read
        as a TopUpResult. Without a wallet this is the generated method, every option included:
        `top_up(payment_signature=...)` sends a payment signed elsewhere, answering Venice's body.
        """
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        if self._wallet is None:
            if usd is not None or max_usd is not None:
                raise ConfigurationError("top_up(usd) needs a wallet: Venice(wallet=...)")
            # The key client's plain operation, kept for payments signed outside this client.
            return super().top_up(**options, **generated)  # type: ignore[return-value]
        if generated:
            raise TypeError(f"top_up: unexpected argument(s) {', '.join(sorted(generated))} with a wallet")
        http = self._http_requester.http_client
        request = _top_up_request(http, usd, max_usd, options)
        try:
            response = http.send(request)
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        return top_up_result(response, self._wallet.network)


# unasync: end sync twin
