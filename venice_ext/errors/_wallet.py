"""Errors of wallet sign-in and x402 top-ups."""

from __future__ import annotations

from venice_ext.errors._base import ConfigurationError, VeniceError
from venice_ext.errors._status import APIStatusError, AuthenticationError

__all__ = [
    "PaymentOutcomeUnknownError",
    "PaymentRejectedError",
    "SignInRejectedError",
    "TopUpRefusedError",
    "UnpayableRequirementError",
    "WalletError",
    "WalletNotInstalledError",
]


class SignInRejectedError(AuthenticationError):
    """401 to a wallet-signed request: Venice refused the Sign-In-With-X header (bad signature,
    expired message, reused nonce, wrong domain); `message` is Venice's."""


class PaymentRejectedError(APIStatusError):
    """The signed x402 payment reached Venice and was refused (status 400, 402 or 5xx): a replayed
    authorization, a bad signature, a wallet without the USDC. Nothing was credited."""


class WalletError(VeniceError):
    """Wallet sign-in or an x402 top-up could not go on; raised before anything was paid, unless
    the class says otherwise."""


class WalletNotInstalledError(WalletError, ConfigurationError):
    """Wallet signing needs the `wallet` extra: pip install 'venice-client[wallet]'."""


class UnpayableRequirementError(WalletError):
    """Venice's 402 offers nothing this wallet can pay: no option on its network, an asset that is
    not that network's USDC, an expired option, or an amount below the minimum. `offered` lists
    the networks Venice offered."""

    def __init__(self, message: str, *, offered: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offered = offered or []


class TopUpRefusedError(WalletError):
    """A top-up above `max_usd`: refused before signing anything."""

    def __init__(self, message: str, *, amount_usd: float, limit_usd: float) -> None:
        super().__init__(message)
        self.message = message
        self.amount_usd = amount_usd
        self.limit_usd = limit_usd


class PaymentOutcomeUnknownError(WalletError):
    """The top-up's payment was sent and no clear answer came back: it may have been paid.

    It is never resent (that could pay twice); check `client.x402.balance()` first."""

    def __init__(self, message: str, *, network: str, amount_usd: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.network = network
        self.amount_usd = amount_usd
