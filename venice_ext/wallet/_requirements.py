"""The 402 payment requirements of `/x402/top-up`, and which option a wallet pays.

Venice's spec gives the requirements as the 402 JSON body ({x402Version, accepts});
the guide says they come in a base64 `PAYMENT-REQUIRED` header. Both are read, the
header first. `amount` is the minimum, in the asset's base units (USDC: 6 decimals).
Pure functions, no I/O: a wallet's network picks the option, the asset must be the
USDC Venice documents for that network, and the amount paid is never below the minimum.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from venice_ext.errors import UnpayableRequirementError

__all__ = [
    "KNOWN_ASSETS",
    "USDC_DECIMALS",
    "PaymentOption",
    "PaymentRequirements",
    "base_units",
    "choose_option",
    "parse_requirements",
    "usd_of",
]

USDC_DECIMALS = 6
# USDC per network, as Venice's documents list them (compared case-insensitively on EVM).
KNOWN_ASSETS: Mapping[str, str] = {
    "eip155:8453": "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913",
    "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
}
# The guide's short network names, for servers that still send them.
_NETWORK_ALIASES = {"base": "eip155:8453", "solana": "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"}


@dataclass(frozen=True)
class PaymentOption:
    """One entry of `accepts`; `raw` is the entry as sent, echoed back when paying."""

    scheme: str
    network: str
    asset: str
    amount: int
    pay_to: str
    max_timeout_seconds: int
    extra: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def minimum_usd(self) -> Decimal:
        return usd_of(self.amount)


@dataclass(frozen=True)
class PaymentRequirements:
    x402_version: int
    accepts: tuple[PaymentOption, ...]
    resource: Mapping[str, Any] | None = None


def usd_of(amount: int) -> Decimal:
    return Decimal(amount).scaleb(-USDC_DECIMALS)


def base_units(usd: float | Decimal | str) -> int:
    """USD as USDC base units, rounded to the nearest unit; ValueError for a non-positive or odd amount."""
    try:
        value = Decimal(str(usd))
    except InvalidOperation:
        raise ValueError(f"not an amount in USD: {usd!r}") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"a top-up must be a positive amount in USD, got {usd!r}")
    return int(value.scaleb(USDC_DECIMALS).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _option(entry: Any) -> PaymentOption:
    if not isinstance(entry, Mapping):
        raise ValueError("an accepts entry is not an object")
    try:
        amount = int(str(entry["amount"]))
        timeout = int(entry.get("maxTimeoutSeconds", 0))
        network = str(entry["network"])
        option = PaymentOption(
            scheme=str(entry["scheme"]),
            network=_NETWORK_ALIASES.get(network, network),
            asset=str(entry["asset"]),
            amount=amount,
            pay_to=str(entry["payTo"]),
            max_timeout_seconds=timeout,
            extra=dict(entry.get("extra") or {}),
            raw=dict(entry),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"an accepts entry lacks or mangles a field: {exc}") from None
    if amount < 0:
        raise ValueError("an accepts entry has a negative amount")
    return option


def parse_requirements(header: str | None, body: Any) -> PaymentRequirements:
    """The requirements from a 402: the `PAYMENT-REQUIRED` header if present, else the body."""
    document: Any = body
    if header:
        try:
            document = json.loads(base64.b64decode(header, validate=True))
        except (ValueError, TypeError) as exc:
            raise UnpayableRequirementError(f"the PAYMENT-REQUIRED header is not base64 JSON: {exc}") from None
    if not isinstance(document, Mapping) or not isinstance(document.get("accepts"), Sequence):
        raise UnpayableRequirementError("the 402 answer carries no payment requirements (no `accepts` list)")
    try:
        accepts = tuple(_option(entry) for entry in document["accepts"])
        version = int(document.get("x402Version", 1))
    except (ValueError, TypeError) as exc:
        raise UnpayableRequirementError(f"malformed payment requirements: {exc}") from None
    resource = document.get("resource")
    return PaymentRequirements(version, accepts, resource if isinstance(resource, Mapping) else None)


def _same_asset(network: str, asset: str) -> bool:
    known = KNOWN_ASSETS.get(network)
    if known is None:
        return False
    return asset.lower() == known.lower() if network.startswith("eip155:") else asset == known


def choose_option(requirements: PaymentRequirements, *, network: str, amount: int | None) -> tuple[PaymentOption, int]:
    """The option to pay on `network` and the amount to pay (base units; None: the minimum).

    Refused with `UnpayableRequirementError`: no `exact` option for the network, an asset
    that is not that network's USDC, a settlement window that is already over (a
    non-positive maxTimeoutSeconds), or an amount below the option's minimum.
    """
    offered = sorted({option.network for option in requirements.accepts})
    candidates = [o for o in requirements.accepts if o.network == network and o.scheme == "exact"]
    if not candidates:
        raise UnpayableRequirementError(
            f"Venice accepts no payment this wallet can make: it offers {', '.join(offered) or 'nothing'}, "
            f"the wallet pays on {network}",
            offered=offered,
        )
    known = [o for o in candidates if _same_asset(network, o.asset)]
    if not known:
        raise UnpayableRequirementError(
            f"the {network} option asks for an unknown asset {candidates[0].asset}, not USDC", offered=offered
        )
    live = [o for o in known if o.max_timeout_seconds > 0]
    if not live:
        raise UnpayableRequirementError(f"the {network} option has expired (no settlement window)", offered=offered)
    option = min(live, key=lambda o: o.amount)
    paid = option.amount if amount is None else amount
    if paid < option.amount or paid <= 0:
        raise UnpayableRequirementError(
            f"${usd_of(paid)} is below Venice's minimum top-up of ${option.minimum_usd}", offered=offered
        )
    return option, paid
