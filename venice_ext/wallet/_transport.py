"""The signing transport: a fresh sign-in on every attempt, and the top-up flow.

It sits inside the retry transport, next to the network, so each retry is signed anew
(a nonce is single use) and `client.raw` signs like everything else. A request to
`/x402/top-up` carrying a `TopUpOrder` is the top-up flow: discover the requirements
(402), choose and check the option, sign the payment, send it exactly once. Once the
payment header may have reached Venice, a failure is never resent: it raises
`PaymentOutcomeUnknownError`. Top-up requests go unsigned, as the spec's `security: []` says.
"""

from __future__ import annotations

import base64
import datetime
import json
import logging
import time
from decimal import Decimal
from typing import Any

import httpx

from venice_ext._core._errors_from import error_from_response
from venice_ext.errors import (
    APIStatusError,
    PaymentOutcomeUnknownError,
    PaymentRejectedError,
    SignInRejectedError,
    TopUpRefusedError,
    VeniceError,
)
from venice_ext.wallet._payment import PAYMENT_HEADER, payment_header
from venice_ext.wallet._requirements import base_units, choose_option, parse_requirements, usd_of
from venice_ext.wallet._siwx import SIGN_IN_HEADER, sign_in_header
from venice_ext.wallet._wallet import TopUpOrder, TopUpResult, Wallet

__all__ = ["WALLET_EXTENSION", "AsyncWalletTransport", "WalletTransport", "top_up_result"]

logger = logging.getLogger("venice_ext")

WALLET_EXTENSION = "venice_wallet"
TOP_UP_PATH = "/x402/top-up"
# A failure before the request left: the payment never reached Venice, so it was not paid.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _is_top_up(request: httpx.Request, base_path: str) -> bool:
    return request.method == "POST" and request.url.path.rstrip("/") == base_path + TOP_UP_PATH


def _domain(url: httpx.URL) -> str:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.host if url.port in (None, default) else f"{url.host}:{url.port}"


def _sign(request: httpx.Request, wallet: Wallet) -> None:
    now = datetime.datetime.now(datetime.UTC)
    request.headers[SIGN_IN_HEADER] = sign_in_header(
        wallet.signer, domain=_domain(request.url), scheme=request.url.scheme, now=now
    )


def _json_body(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _wrapped(cls: type[APIStatusError], response: httpx.Response) -> APIStatusError:
    """`error_from_response`'s fields under the wallet's own error class."""
    base = error_from_response(response)
    body = base.body if isinstance(base.body, dict) else {}
    # x402 failures say {"error": CODE, "message": text}: the text is the message.
    x402_shape = isinstance(body.get("error"), str) and isinstance(body.get("message"), str)
    return cls(
        body["message"] if x402_shape else base.message,
        status_code=base.status_code,
        code=body["error"] if x402_shape else base.code,
        request_id=base.request_id,
        body=base.body,
        headers=base.headers,
        retry_after=base.retry_after,
    )


def _paid_request(request: httpx.Request, header: str | None) -> httpx.Request:
    headers = httpx.Headers(request.headers)
    for name in (PAYMENT_HEADER, "x-402-payment", "x-payment", SIGN_IN_HEADER, "content-length"):
        headers.pop(name, None)
    if header is not None:
        headers[PAYMENT_HEADER] = header
    return httpx.Request("POST", request.url, headers=headers, content=b"", extensions=request.extensions)


def _check_limit(usd: Decimal, order: TopUpOrder) -> None:
    if order.max_usd is not None and usd > Decimal(str(order.max_usd)):
        raise TopUpRefusedError(
            f"refusing to top up ${usd}: above max_usd=${order.max_usd}; nothing was signed",
            amount_usd=float(usd),
            limit_usd=float(order.max_usd),
        )


def _payment_for(order: TopUpOrder, wallet: Wallet, discovery: httpx.Response) -> tuple[str, Decimal, str]:
    """The signed payment header for a 402 discovery answer, its USD amount and network."""
    requirements = parse_requirements(discovery.headers.get("payment-required"), _json_body(discovery))
    wanted = base_units(order.usd) if order.usd is not None else None
    option, amount = choose_option(requirements, network=wallet.network, amount=wanted)
    _check_limit(usd_of(amount), order)
    header = payment_header(wallet.signer, option, amount, resource=requirements.resource, now=time.time())
    return header, usd_of(amount), option.network


def top_up_result(response: httpx.Response, network: str) -> TopUpResult:
    body = _json_body(response)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise PaymentOutcomeUnknownError(
            "Venice accepted the top-up but its answer has no `data`; check the balance before paying again",
            network=network,
        )
    settlement: Any = None
    encoded = response.headers.get("payment-response")
    if encoded:
        try:
            settlement = json.loads(base64.b64decode(encoded))
        except ValueError:
            settlement = None
    return TopUpResult(
        wallet_address=str(data.get("walletAddress", "")),
        amount_credited=float(data.get("amountCredited", 0.0)),
        new_balance=float(data.get("newBalance", 0.0)),
        payment_id=str(data.get("paymentId", "")),
        network=network,
        settlement=settlement if isinstance(settlement, dict) else None,
    )


def _unknown(exc: Exception, usd: Decimal, network: str) -> PaymentOutcomeUnknownError:
    return PaymentOutcomeUnknownError(
        f"the ${usd} top-up on {network} got no answer after its payment was sent ({type(exc).__name__}); "
        "it may have been paid, so it is not sent again: check client.x402.balance() first",
        network=network,
        amount_usd=float(usd),
    )


# unasync: begin async source
class AsyncWalletTransport(httpx.AsyncBaseTransport):
    """Signs every request for `wallet` and runs its top-ups, around an inner transport."""

    def __init__(self, inner: httpx.AsyncBaseTransport, wallet: Wallet, *, base_path: str = "") -> None:
        self.inner = inner
        self.wallet = wallet
        self.base_path = base_path.rstrip("/")

    @staticmethod
    def around(inner: httpx.AsyncBaseTransport, *, wallet: Wallet | None, base_path: str) -> httpx.AsyncBaseTransport:
        """`inner`, signed for `wallet` when there is one."""
        return inner if wallet is None else AsyncWalletTransport(inner, wallet, base_path=base_path)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if _is_top_up(request, self.base_path):
            order = request.extensions.get(WALLET_EXTENSION)
            if isinstance(order, TopUpOrder):
                return await self._top_up(request, order)
            return await self.inner.handle_async_request(request)
        _sign(request, self.wallet)
        response = await self.inner.handle_async_request(request)
        if response.status_code == 401:
            await response.aread()
            await response.aclose()
            raise _wrapped(SignInRejectedError, response)
        if response.status_code == 402 and self.wallet.auto_top_up is not None:
            # Out of balance: Venice ran nothing, so after a top-up the request is sent once more.
            await response.aread()
            self.wallet.observe_refusal(_json_body(response))
            if await self._maybe_top_up(request):
                await response.aclose()
                _sign(request, self.wallet)
                response = await self.inner.handle_async_request(request)
        self.wallet.observe(response.headers)
        await self._maybe_top_up(request)
        return response

    async def _top_up(self, request: httpx.Request, order: TopUpOrder) -> httpx.Response:
        if order.usd is not None:
            _check_limit(Decimal(str(order.usd)), order)
        discovery = await self.inner.handle_async_request(_paid_request(request, None))
        try:
            await discovery.aread()
        finally:
            await discovery.aclose()
        if 200 <= discovery.status_code < 300:
            return discovery
        if discovery.status_code != 402:
            raise error_from_response(discovery)
        header, usd, network = _payment_for(order, self.wallet, discovery)
        try:
            response = await self.inner.handle_async_request(_paid_request(request, header))
        except _NOT_SENT:
            raise
        except httpx.TransportError as exc:
            raise _unknown(exc, usd, network) from exc
        try:
            await response.aread()
        except httpx.TransportError as exc:
            raise _unknown(exc, usd, network) from exc
        finally:
            await response.aclose()
        if not 200 <= response.status_code < 300:
            raise _wrapped(PaymentRejectedError, response)
        self.wallet.settled(top_up_result(response, network).new_balance)
        return response

    async def _maybe_top_up(self, request: httpx.Request) -> bool:
        """Top up if the policy says so now; whether a top-up was settled."""
        amount = self.wallet.claim_auto_top_up()
        if amount is None:
            return False
        url = request.url.copy_with(path=self.base_path + TOP_UP_PATH, query=None)
        top_up = httpx.Request("POST", url, headers=request.headers, extensions=request.extensions)
        try:
            await self._top_up(top_up, TopUpOrder(usd=amount, max_usd=None, automatic=True))
        except PaymentOutcomeUnknownError as exc:
            logger.warning("automatic top-up of $%s: outcome unknown, counted as spent: %s", amount, exc)
            self.wallet.finish_auto_top_up(amount, paid=None, error=exc)
        except (VeniceError, httpx.TransportError) as exc:
            logger.warning("automatic top-up of $%s failed: %s", amount, exc)
            self.wallet.finish_auto_top_up(amount, paid=False, error=exc)
        else:
            logger.info("automatic top-up of $%s settled", amount)
            self.wallet.finish_auto_top_up(amount, paid=True)
            return True
        return False

    async def aclose(self) -> None:
        await self.inner.aclose()


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class WalletTransport(httpx.BaseTransport):
    """Signs every request for `wallet` and runs its top-ups, around an inner transport."""

    def __init__(self, inner: httpx.BaseTransport, wallet: Wallet, *, base_path: str = "") -> None:
        self.inner = inner
        self.wallet = wallet
        self.base_path = base_path.rstrip("/")

    @staticmethod
    def around(inner: httpx.BaseTransport, *, wallet: Wallet | None, base_path: str) -> httpx.BaseTransport:
        """`inner`, signed for `wallet` when there is one."""
        return inner if wallet is None else WalletTransport(inner, wallet, base_path=base_path)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if _is_top_up(request, self.base_path):
            order = request.extensions.get(WALLET_EXTENSION)
            if isinstance(order, TopUpOrder):
                return self._top_up(request, order)
            return self.inner.handle_request(request)
        _sign(request, self.wallet)
        response = self.inner.handle_request(request)
        if response.status_code == 401:
            response.read()
            response.close()
            raise _wrapped(SignInRejectedError, response)
        if response.status_code == 402 and self.wallet.auto_top_up is not None:
            # Out of balance: Venice ran nothing, so after a top-up the request is sent once more.
            response.read()
            self.wallet.observe_refusal(_json_body(response))
            if self._maybe_top_up(request):
                response.close()
                _sign(request, self.wallet)
                response = self.inner.handle_request(request)
        self.wallet.observe(response.headers)
        self._maybe_top_up(request)
        return response

    def _top_up(self, request: httpx.Request, order: TopUpOrder) -> httpx.Response:
        if order.usd is not None:
            _check_limit(Decimal(str(order.usd)), order)
        discovery = self.inner.handle_request(_paid_request(request, None))
        try:
            discovery.read()
        finally:
            discovery.close()
        if 200 <= discovery.status_code < 300:
            return discovery
        if discovery.status_code != 402:
            raise error_from_response(discovery)
        header, usd, network = _payment_for(order, self.wallet, discovery)
        try:
            response = self.inner.handle_request(_paid_request(request, header))
        except _NOT_SENT:
            raise
        except httpx.TransportError as exc:
            raise _unknown(exc, usd, network) from exc
        try:
            response.read()
        except httpx.TransportError as exc:
            raise _unknown(exc, usd, network) from exc
        finally:
            response.close()
        if not 200 <= response.status_code < 300:
            raise _wrapped(PaymentRejectedError, response)
        self.wallet.settled(top_up_result(response, network).new_balance)
        return response

    def _maybe_top_up(self, request: httpx.Request) -> bool:
        """Top up if the policy says so now; whether a top-up was settled."""
        amount = self.wallet.claim_auto_top_up()
        if amount is None:
            return False
        url = request.url.copy_with(path=self.base_path + TOP_UP_PATH, query=None)
        top_up = httpx.Request("POST", url, headers=request.headers, extensions=request.extensions)
        try:
            self._top_up(top_up, TopUpOrder(usd=amount, max_usd=None, automatic=True))
        except PaymentOutcomeUnknownError as exc:
            logger.warning("automatic top-up of $%s: outcome unknown, counted as spent: %s", amount, exc)
            self.wallet.finish_auto_top_up(amount, paid=None, error=exc)
        except (VeniceError, httpx.TransportError) as exc:
            logger.warning("automatic top-up of $%s failed: %s", amount, exc)
            self.wallet.finish_auto_top_up(amount, paid=False, error=exc)
        else:
            logger.info("automatic top-up of $%s settled", amount)
            self.wallet.finish_auto_top_up(amount, paid=True)
            return True
        return False

    def close(self) -> None:
        self.inner.close()


# unasync: end sync twin
