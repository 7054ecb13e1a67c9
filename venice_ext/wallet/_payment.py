"""The signed payment of an x402 `exact` option on EVM: an EIP-3009 transferWithAuthorization.

The payload follows x402 v2: {x402Version, resource, accepted (the chosen option, with
the amount paid), payload: {signature, authorization}}, base64 JSON in the
`PAYMENT-SIGNATURE` header (the spec's name; the guide's `X-402-Payment` is legacy).
The EIP-712 hashing and signing are eth-account's; this module only lays out the data.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping
from typing import Any

from venice_ext.wallet._requirements import PaymentOption
from venice_ext.wallet._signer import WalletSigner

__all__ = ["PAYMENT_HEADER", "decode_payment_header", "payment_header", "transfer_typed_data"]

PAYMENT_HEADER = "PAYMENT-SIGNATURE"
# Like the x402 SDKs: valid from a little before now, so a clock running ahead of the chain's still pays.
_VALID_AFTER_SLACK = 600

_TRANSFER_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "TransferWithAuthorization": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "validAfter", "type": "uint256"},
        {"name": "validBefore", "type": "uint256"},
        {"name": "nonce", "type": "bytes32"},
    ],
}


def _chain_id(network: str) -> int:
    prefix, _, reference = network.partition(":")
    if prefix != "eip155" or not reference.isdigit():
        raise ValueError(f"not an EVM network: {network}")
    return int(reference)


def transfer_typed_data(
    option: PaymentOption, authorization: Mapping[str, Any], *, asset_name: str, asset_version: str
) -> dict[str, Any]:
    """The EIP-712 message a USDC contract verifies for `authorization` (values as in the header)."""
    return {
        "types": _TRANSFER_TYPES,
        "primaryType": "TransferWithAuthorization",
        "domain": {
            "name": asset_name,
            "version": asset_version,
            "chainId": _chain_id(option.network),
            "verifyingContract": option.asset,
        },
        "message": {
            "from": authorization["from"],
            "to": authorization["to"],
            "value": int(authorization["value"]),
            "validAfter": int(authorization["validAfter"]),
            "validBefore": int(authorization["validBefore"]),
            "nonce": bytes.fromhex(str(authorization["nonce"]).removeprefix("0x")),
        },
    }


def payment_header(
    signer: WalletSigner, option: PaymentOption, amount: int, *, resource: Mapping[str, Any] | None, now: float
) -> str:
    """A fresh signed payment of `amount` base units for `option` (a new random nonce every time)."""
    authorization = {
        "from": signer.address,
        "to": option.pay_to,
        "value": str(amount),
        "validAfter": str(int(now) - _VALID_AFTER_SLACK),
        "validBefore": str(int(now) + option.max_timeout_seconds),
        "nonce": "0x" + secrets.token_hex(32),
    }
    typed = transfer_typed_data(
        option,
        authorization,
        asset_name=str(option.extra.get("name", "USD Coin")),
        asset_version=str(option.extra.get("version", "2")),
    )
    payload: dict[str, Any] = {
        "x402Version": 2,
        "accepted": {**option.raw, "amount": str(amount)},
        "payload": {"signature": signer.sign_typed_data(typed), "authorization": authorization},
    }
    if resource is not None:
        payload["resource"] = dict(resource)
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode("ascii")


def decode_payment_header(value: str) -> dict[str, Any]:
    try:
        payload = json.loads(base64.b64decode(value, validate=True))
    except (ValueError, TypeError) as exc:
        raise ValueError("the payment header is not base64 JSON") from exc
    if not isinstance(payload, dict):
        raise ValueError("the payment header is not a JSON object")
    return payload
