"""`Wallet`: one client's signer, what Venice last said of its balance, and its auto top-ups.

Shared by the signing transport (every request) and `client.x402`. It never holds the
private key itself, only the signer, and refuses to be pickled like the signer does.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from venice_ext.errors import ConfigurationError
from venice_ext.wallet._policy import AutoTopUp, next_top_up
from venice_ext.wallet._signer import PrivateKeySigner, WalletSigner, network_of

__all__ = ["BALANCE_HEADER", "TopUpOrder", "TopUpResult", "Wallet", "wallet_from"]

BALANCE_HEADER = "x-balance-remaining"


@dataclass(frozen=True)
class TopUpOrder:
    """What `client.x402.top_up` asks the signing transport to pay (it travels in a request extension)."""

    usd: float | None
    max_usd: float | None
    automatic: bool = False


@dataclass(frozen=True)
class TopUpResult:
    """A settled top-up: Venice's `data`, and its `PAYMENT-RESPONSE` settlement when sent."""

    wallet_address: str
    amount_credited: float
    new_balance: float
    payment_id: str
    network: str
    settlement: Mapping[str, Any] | None = field(default=None, compare=False)


class Wallet:
    """A wallet for `Venice(wallet=...)`: a signer, and optionally an `AutoTopUp` policy."""

    def __init__(self, signer: WalletSigner, *, auto_top_up: AutoTopUp | None = None) -> None:
        if not isinstance(signer, WalletSigner):
            raise ConfigurationError(
                "a wallet signer needs `address`, `sign_message(text)` and `sign_typed_data(data)`"
            )
        self.signer = signer
        self.auto_top_up = auto_top_up
        self._lock = threading.Lock()
        self._balance: float | None = None
        self._auto_spent = 0.0
        self._auto_busy = False
        self._payments = 0
        self.last_auto_top_up_error: Exception | None = None

    @property
    def address(self) -> str:
        return self.signer.address

    @property
    def network(self) -> str:
        return network_of(self.signer)

    @property
    def balance_remaining(self) -> float | None:
        """The balance in USD from the latest `X-Balance-Remaining` (or top-up), None before one."""
        with self._lock:
            return self._balance

    @property
    def auto_spent_usd(self) -> float:
        """What automatic top-ups have spent (or may have: an unknown outcome counts), in USD."""
        with self._lock:
            return self._auto_spent

    @property
    def payments(self) -> int:
        """Top-ups this client has had settled."""
        with self._lock:
            return self._payments

    def observe(self, headers: Mapping[str, str]) -> None:
        value = headers.get(BALANCE_HEADER)
        if value is None:
            return
        try:
            balance = float(value)
        except ValueError:
            return
        if math.isfinite(balance):
            with self._lock:
                self._balance = balance

    def observe_refusal(self, body: Any) -> None:
        """A 402 for want of balance: its `currentBalanceUsd` (0 when it names none)."""
        if not isinstance(body, Mapping) or body.get("reason") != "insufficient_balance":
            return
        current = body.get("currentBalanceUsd", 0.0)
        with self._lock:
            self._balance = float(current) if isinstance(current, (int, float)) else 0.0

    def settled(self, new_balance: float) -> None:
        with self._lock:
            self._balance = new_balance
            self._payments += 1

    def claim_auto_top_up(self) -> float | None:
        """The amount of an automatic top-up to make now, reserved against the cap; None for none."""
        with self._lock:
            if self._auto_busy:
                return None
            amount = next_top_up(self.auto_top_up, balance_usd=self._balance, spent_usd=self._auto_spent)
            if amount is None:
                return None
            self._auto_busy = True
            self._auto_spent += amount
            return amount

    def finish_auto_top_up(self, amount: float, *, paid: bool | None, error: Exception | None = None) -> None:
        """End a claimed top-up; `paid=False` gives the reservation back (`None`: unknown, kept)."""
        with self._lock:
            self._auto_busy = False
            if paid is False:
                self._auto_spent -= amount
            self.last_auto_top_up_error = error

    def __repr__(self) -> str:
        return f"Wallet(address={self.address!r}, network={self.network!r}, balance_remaining={self._balance!r})"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a Wallet holds a signer (a private key) and is never pickled or copied")


def wallet_from(value: Wallet | WalletSigner | str | os.PathLike[str]) -> Wallet:
    """A `Wallet` from what `Venice(wallet=...)` accepts: a Wallet, a signer, a hex key, a key file."""
    if isinstance(value, Wallet):
        return value
    if isinstance(value, str):
        return Wallet(PrivateKeySigner(value))
    if isinstance(value, os.PathLike):
        return Wallet(PrivateKeySigner.from_file(value))
    return Wallet(value)
