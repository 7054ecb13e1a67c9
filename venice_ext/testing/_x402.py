"""The wallet side of the fake Venice: Sign-In-With-X checks, a balance per wallet, top-ups.

    with FakeVenice(api_key=None) as fake:
        x402 = FakeX402().install(fake)
        client = Venice(wallet=key, base_url=fake.base_url)

It verifies every sign-in header with eth-account against the address it names
(refusing a reused nonce, an expired message, a wrong domain), answers the paid routes
402 when the balance is under Venice's 10-cent floor, charges each call and sends
`X-Balance-Remaining`, answers a top-up without payment 402 with its requirements (body
and `PAYMENT-REQUIRED` header, as the spec and the guide each say), and verifies a
payment's EIP-712 signature, amount, window and single-use nonce before crediting it.
Needs the `wallet` extra.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import itertools
import json
import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from venice_ext.testing._replies import SSE, Action, RecordedRequest, Reply, Respond
from venice_ext.wallet._payment import decode_payment_header, transfer_typed_data
from venice_ext.wallet._requirements import KNOWN_ASSETS, PaymentOption, _option
from venice_ext.wallet._siwx import decode_sign_in_header, parse_sign_in_message

__all__ = ["PAID_ROUTES", "FakeX402"]

# The guide's paid inference routes that accept wallet sign-in.
PAID_ROUTES = (
    ("POST", "/chat/completions"),
    ("POST", "/responses"),
    ("POST", "/image/generate"),
    ("POST", "/images/generations"),
    ("POST", "/image/upscale"),
    ("POST", "/image/edit"),
    ("POST", "/image/multi-edit"),
    ("POST", "/image/background-remove"),
    ("POST", "/embeddings"),
    ("POST", "/audio/speech"),
    ("POST", "/audio/transcriptions"),
    ("POST", "/audio/queue"),
    ("POST", "/audio/retrieve"),
    ("POST", "/audio/complete"),
    ("POST", "/video/queue"),
    ("POST", "/video/retrieve"),
    ("POST", "/video/complete"),
    ("POST", "/video/transcriptions"),
)
PAY_TO = "0x2670b922ef37c7df47158725c0cc407b5382293f"
SOLANA_PAY_TO = "8qUL23aSj7mDWdoLMXGHFvnVCT9wd7jXcysiekroADEL"
# Venice's rule (the tutorial): a signature counts for five minutes from Issued At.
_SIGN_IN_WINDOW = datetime.timedelta(minutes=5)


def _error(status: int, error: str, **extra: Any) -> Reply:
    return Reply(status, json={"error": error, **extra})


def _b64(document: Any) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode("ascii")


class FakeX402:
    """Venice's x402 side, installed on a FakeVenice. `payments` counts credited top-ups."""

    def __init__(self, *, minimum_top_up_usd: float = 5.0, charge_usd: float = 0.01, floor_usd: float = 0.10) -> None:
        self.minimum_top_up_usd = Decimal(str(minimum_top_up_usd))
        self.charge_usd = Decimal(str(charge_usd))
        self.floor_usd = Decimal(str(floor_usd))
        self.accepts: list[dict[str, Any]] = [
            {
                "scheme": "exact",
                "network": "eip155:8453",
                "amount": str(int(self.minimum_top_up_usd * 1_000_000)),
                "asset": KNOWN_ASSETS["eip155:8453"],
                "payTo": PAY_TO,
                "maxTimeoutSeconds": 300,
                "extra": {"name": "USD Coin", "version": "2"},
            },
            {
                "scheme": "exact",
                "network": "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
                "amount": str(int(self.minimum_top_up_usd * 1_000_000)),
                "asset": KNOWN_ASSETS["solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"],
                "payTo": SOLANA_PAY_TO,
                "maxTimeoutSeconds": 300,
                "extra": {
                    "name": "USD Coin",
                    "version": "2",
                    "feePayer": "BFK9TLC3edb13K6v4YyH3DwPb5DSUpkWvb7XnqCL9b4F",
                },
            },
        ]
        self.payments = 0
        self.sign_ins = 0
        self._lock = threading.Lock()
        self._balances: dict[str, Decimal] = {}
        self._ledger: dict[str, list[dict[str, Any]]] = {}
        self._nonces: set[str] = set()
        self._payment_nonces: set[str] = set()
        self._ids = itertools.count(1)
        self._fake: Any = None

    def install(self, fake: Any) -> FakeX402:
        self._fake = fake
        for method, path in PAID_ROUTES:
            fake.wrap_default(method, path, self._charging)
        fake.set_default("GET", "/x402/balance/{walletAddress}", Respond(self._balance))
        fake.set_default("GET", "/x402/transactions/{walletAddress}", Respond(self._transactions))
        fake.set_default("POST", "/x402/top-up", Respond(self.top_up))
        return self

    def _charging(self, previous: Action | None) -> Action:
        return Respond(lambda request: self._paid(request, previous))

    # -- state -----------------------------------------------------------------------------

    def balance_of(self, address: str) -> Decimal:
        with self._lock:
            return self._balances.get(address.lower(), Decimal(0))

    def set_balance(self, address: str, usd: float) -> None:
        with self._lock:
            self._balances[address.lower()] = Decimal(str(usd))

    def _book(self, address: str, amount: Decimal, kind: str, request_id: str | None = None) -> Decimal:
        key = address.lower()
        with self._lock:
            balance = self._balances.get(key, Decimal(0)) + amount
            self._balances[key] = balance
            self._ledger.setdefault(key, []).insert(
                0,
                {
                    "id": f"ledger_{next(self._ids):06d}",
                    "amount": float(amount),
                    "balanceAfter": float(balance),
                    "type": kind,
                    "createdAt": datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z"),
                    "requestId": request_id,
                    "modelId": None,
                },
            )
            return balance

    # -- sign-in ---------------------------------------------------------------------------

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self._fake.port}"

    def verify_sign_in(self, headers: Mapping[str, str]) -> str | Reply | None:
        """The signed-in address, a 401 saying why not, or None when no sign-in was sent."""
        value = headers.get("sign-in-with-x") or headers.get("x-sign-in-with-x")
        if value is None:
            return None
        from eth_account import Account
        from eth_account.messages import encode_defunct

        try:
            payload = decode_sign_in_header(value)
            message = parse_sign_in_message(str(payload["message"]))
            signer = Account.recover_message(encode_defunct(text=payload["message"]), signature=payload["signature"])
        except (ValueError, KeyError, TypeError):
            return _error(401, "Invalid Sign-In-With-X payload")
        now = datetime.datetime.now(datetime.UTC)
        if message.domain != self.domain:
            return _error(401, f"Sign-In-With-X domain mismatch: expected {self.domain}")
        if signer.lower() != message.address.lower() or str(payload.get("address", "")).lower() != signer.lower():
            return _error(401, "Sign-In-With-X signature does not match the address")
        if str(payload.get("chainId")) not in ("8453", "eip155:8453") or message.chain_id != 8453:
            return _error(401, "Unsupported Sign-In-With-X chain")
        if now > message.expiration_time or now > message.issued_at + _SIGN_IN_WINDOW:
            return _error(401, "Sign-In-With-X message expired")
        with self._lock:
            if message.nonce in self._nonces:
                return _error(401, "Sign-In-With-X nonce already used")
            self._nonces.add(message.nonce)
            self.sign_ins += 1
        return str(signer)

    # -- routes ----------------------------------------------------------------------------

    def _discovery(self) -> Reply:
        document = {"x402Version": 2, "accepts": self.accepts}
        return Reply(402, json=document, headers={"PAYMENT-REQUIRED": _b64(document)})

    def _paid(self, request: RecordedRequest, previous: Action | None) -> Action:
        who = self.verify_sign_in(request.headers)
        if who is None:
            return self._discovery()
        if isinstance(who, Reply):
            return who
        balance = self.balance_of(who)
        if balance < self.floor_usd:
            return Reply(
                402,
                json={
                    "error": "Payment required",
                    "code": "PAYMENT_REQUIRED",
                    "reason": "insufficient_balance",
                    "message": "Insufficient x402 balance",
                    "currentBalanceUsd": float(balance),
                    "minimumBalanceUsd": float(self.floor_usd),
                    "minimumTopUpUsd": float(self.minimum_top_up_usd),
                    "suggestedTopUpUsd": 10,
                },
            )
        remaining = self._book(who, -self.charge_usd, "CHARGE", request_id=f"req-{next(self._ids)}")
        action = previous if previous is not None else Reply(json={})
        while isinstance(action, Respond):
            action = action.make(request)
        if isinstance(action, (Reply, SSE)):
            return dataclasses.replace(action, headers={**action.headers, "X-Balance-Remaining": f"{remaining:.6f}"})
        return action

    def _wallet_route(self, request: RecordedRequest) -> str | Reply:
        who = self.verify_sign_in(request.headers)
        if who is None:
            return _error(401, "Missing Sign-In-With-X header")
        if isinstance(who, Reply):
            return who
        if request.path.rsplit("/", 1)[-1].lower() != who.lower():
            return _error(403, "Authenticated wallet does not match the requested wallet")
        return who

    def _balance(self, request: RecordedRequest) -> Action:
        who = self._wallet_route(request)
        if isinstance(who, Reply):
            return who
        balance = self.balance_of(who)
        data = {
            "walletAddress": who.lower(),
            "balanceUsd": float(balance),
            "canConsume": balance >= self.floor_usd,
            "minimumTopUpUsd": float(self.minimum_top_up_usd),
            "suggestedTopUpUsd": 10.0,
        }
        return Reply(json={"success": True, "data": data})

    def _transactions(self, request: RecordedRequest) -> Action:
        who = self._wallet_route(request)
        if isinstance(who, Reply):
            return who
        query = parse_qs(request.query)
        limit = int(query.get("limit", ["50"])[0])
        offset = int(query.get("offset", ["0"])[0])
        with self._lock:
            ledger = list(self._ledger.get(who.lower(), []))
        page = ledger[offset : offset + limit]
        data = {
            "walletAddress": who.lower(),
            "currentBalance": float(self.balance_of(who)),
            "transactions": page,
            "pagination": {"limit": limit, "offset": offset, "hasMore": offset + limit < len(ledger)},
        }
        return Reply(json={"success": True, "data": data})

    def top_up(self, request: RecordedRequest) -> Action:
        """The `/x402/top-up` answer: 402 with the requirements, or the payment checked and credited."""
        headers = request.headers
        header = headers.get("payment-signature") or headers.get("x-402-payment") or headers.get("x-payment")
        if header is None:
            return self._discovery()
        try:
            payment = decode_payment_header(header)
            accepted = _option(payment["accepted"])
            authorization = payment["payload"]["authorization"]
            signature = payment["payload"]["signature"]
            value = int(authorization["value"])
        except (ValueError, KeyError, TypeError):
            return _error(400, "X402_INVALID_PAYMENT", message="Invalid payment header")
        problem = self._check_payment(accepted, authorization, signature, value)
        if problem is not None:
            return _error(400, "PAYMENT_VERIFICATION_FAILED", message=problem)
        with self._lock:
            if authorization["nonce"] in self._payment_nonces:
                return _error(400, "PAYMENT_VERIFICATION_FAILED", message="payment authorization already used")
            self._payment_nonces.add(authorization["nonce"])
            self.payments += 1
        credited = Decimal(value).scaleb(-6)
        payer = str(authorization["from"])
        balance = self._book(payer, credited, "TOP_UP")
        payment_id = f"payment_{next(self._ids):06d}"
        settlement = {"success": True, "network": accepted.network, "payer": payer, "transaction": payment_id}
        data = {
            "walletAddress": payer.lower(),
            "amountCredited": float(credited),
            "newBalance": float(balance),
            "paymentId": payment_id,
        }
        return Reply(json={"success": True, "data": data}, headers={"PAYMENT-RESPONSE": _b64(settlement)})

    def _check_payment(
        self, accepted: PaymentOption, authorization: Mapping[str, Any], signature: str, value: int
    ) -> str | None:
        from eth_account import Account
        from eth_account.messages import encode_typed_data

        offer = next((_option(entry) for entry in self.accepts if entry["network"] == accepted.network), None)
        if offer is None or not offer.network.startswith("eip155:"):
            return f"no payment accepted on {accepted.network}"
        if accepted.asset.lower() != offer.asset.lower() or str(authorization.get("to", "")).lower() != offer.pay_to:
            return "asset or receiver does not match the requirements"
        if value < offer.amount:
            return "amount below the minimum top-up"
        now = int(time.time())
        if not int(authorization["validAfter"]) <= now < int(authorization["validBefore"]):
            return "authorization outside its validity window"
        typed = transfer_typed_data(
            offer,
            authorization,
            asset_name=str(accepted.extra.get("name", "")),
            asset_version=str(accepted.extra.get("version", "")),
        )
        try:
            signer = Account.recover_message(encode_typed_data(full_message=typed), signature=signature)
        except (ValueError, TypeError):
            return "signature_mismatch"
        if signer.lower() != str(authorization["from"]).lower():
            return "signature_mismatch"
        return None
