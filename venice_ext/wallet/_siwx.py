"""Sign-In-With-X: the EIP-4361 message a wallet signs for every request, and its header.

Where Venice's documents disagree, the pinned spec (the `siwx` security scheme) wins:
- header `SIGN-IN-WITH-X` (the guide's `X-Sign-In-With-X` is the legacy name);
- statement "Sign in to Venice API" (the guide and the tutorial say "Venice AI");
- URI the origin, `https://api.venice.ai` (the guide signs the resource URL);
- lifetime 10 minutes (the guide 5, the tutorial 4; Venice accepts a signature for
  5 minutes from Issued At, so a fresh one per request never meets either limit);
- nonce 16 hex characters, single use.
The domain is the base URL's host, so a client pointed elsewhere never signs in to
api.venice.ai by accident.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from venice_ext.wallet._signer import WalletSigner

__all__ = [
    "SIGN_IN_HEADER",
    "SIGN_IN_LIFETIME",
    "STATEMENT",
    "SignInMessage",
    "decode_sign_in_header",
    "parse_sign_in_message",
    "sign_in_header",
]

SIGN_IN_HEADER = "SIGN-IN-WITH-X"
STATEMENT = "Sign in to Venice API"
SIGN_IN_LIFETIME = datetime.timedelta(minutes=10)
BASE_CHAIN_ID = 8453


@dataclass(frozen=True)
class SignInMessage:
    domain: str
    address: str
    statement: str
    uri: str
    version: str
    chain_id: int
    nonce: str
    issued_at: datetime.datetime
    expiration_time: datetime.datetime

    def text(self) -> str:
        """The exact EIP-4361 text; Venice rebuilds these bytes to verify the signature."""
        return (
            f"{self.domain} wants you to sign in with your Ethereum account:\n"
            f"{self.address}\n\n{self.statement}\n\n"
            f"URI: {self.uri}\nVersion: {self.version}\nChain ID: {self.chain_id}\n"
            f"Nonce: {self.nonce}\nIssued At: {_stamp(self.issued_at)}\n"
            f"Expiration Time: {_stamp(self.expiration_time)}"
        )


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


_MESSAGE = re.compile(
    r"^(?P<domain>\S+) wants you to sign in with your Ethereum account:\n"
    r"(?P<address>0x[0-9a-fA-F]{40})\n\n(?P<statement>[^\n]*)\n\n"
    r"URI: (?P<uri>[^\n]+)\nVersion: (?P<version>[^\n]+)\nChain ID: (?P<chain>\d+)\n"
    r"Nonce: (?P<nonce>[0-9a-zA-Z]{8,})\nIssued At: (?P<issued>[^\n]+)\n"
    r"Expiration Time: (?P<expires>[^\n]+)$"
)


def parse_sign_in_message(text: str) -> SignInMessage:
    """The fields of an EIP-4361 message as `SignInMessage.text` writes it; ValueError otherwise."""
    match = _MESSAGE.match(text)
    if match is None:
        raise ValueError("not an EIP-4361 sign-in message")
    return SignInMessage(
        domain=match["domain"],
        address=match["address"],
        statement=match["statement"],
        uri=match["uri"],
        version=match["version"],
        chain_id=int(match["chain"]),
        nonce=match["nonce"],
        issued_at=_moment(match["issued"]),
        expiration_time=_moment(match["expires"]),
    )


def sign_in_message(address: str, domain: str, scheme: str, now: datetime.datetime) -> SignInMessage:
    return SignInMessage(
        domain=domain,
        address=address,
        statement=STATEMENT,
        uri=f"{scheme}://{domain}",
        version="1",
        chain_id=BASE_CHAIN_ID,
        nonce=secrets.token_hex(8),
        issued_at=now,
        expiration_time=now + SIGN_IN_LIFETIME,
    )


def sign_in_header(signer: WalletSigner, *, domain: str, scheme: str = "https", now: datetime.datetime) -> str:
    """A fresh header value: base64 of the JSON {address, message, signature, timestamp, chainId}."""
    address = signer.address
    message = sign_in_message(address, domain, scheme, now).text()
    payload = {
        "address": address,
        "message": message,
        "signature": signer.sign_message(message),
        "timestamp": int(now.timestamp() * 1000),
        "chainId": BASE_CHAIN_ID,
    }
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode("ascii")


def decode_sign_in_header(value: str) -> dict[str, Any]:
    """The JSON payload of a sign-in header; ValueError when it is not base64 JSON of an object."""
    try:
        payload = json.loads(base64.b64decode(value, validate=True))
    except (ValueError, TypeError) as exc:
        raise ValueError("the sign-in header is not base64 JSON") from exc
    if not isinstance(payload, dict):
        raise ValueError("the sign-in header is not a JSON object")
    return payload
