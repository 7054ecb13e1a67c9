"""Typed answers of `/tee/attestation` and `/tee/signature`, and what venice_ext concluded from them.

Neither operation is in the spec, so these are hand-written. Each keeps the decoded
JSON in `raw`, so a field Venice adds is never lost. Parsing never fails on a missing
field (the checks say what is missing); a field of the wrong type is a typed error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Attestation", "ResponseSignature", "SignatureCheck", "TeeAnswerError", "VerifiedAttestation"]


class TeeAnswerError(ValueError):
    """A `/tee/*` answer that is not shaped as documented."""


def _text(raw: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise TeeAnswerError(f"{name} must be a string, got {type(value).__name__}")
        return value
    return None


@dataclass(frozen=True)
class Attestation:
    """`GET /tee/attestation?model=...&nonce=...`, as Venice answered it (nothing checked yet).

    `signing_key` is the model's secp256k1 public key (hex), read from `signing_key` or
    `signing_public_key`; `intel_quote` the raw TDX quote (hex or base64, as sent);
    `sent_nonce` the nonce venice_ext asked with (`nonce` is what Venice echoed).
    """

    raw: Mapping[str, Any] = field(repr=False)
    verified: Any
    model: str | None
    nonce: str | None
    request_nonce: str | None
    signing_key: str | None
    signing_address: str | None
    signing_algo: str | None
    tee_provider: str | None
    intel_quote: str | None
    nvidia_payload: str | None
    sent_nonce: str | None = None

    @classmethod
    def from_json(cls, raw: Any, *, sent_nonce: str | None = None) -> Attestation:
        if not isinstance(raw, Mapping):
            raise TeeAnswerError(f"the attestation must be a JSON object, got {type(raw).__name__}")
        nvidia = raw.get("nvidia_payload")
        if isinstance(nvidia, Mapping):
            nvidia = json.dumps(nvidia)  # some providers send the GPU evidence as an object
        elif nvidia is not None and not isinstance(nvidia, str):
            raise TeeAnswerError(f"nvidia_payload must be a string or object, got {type(nvidia).__name__}")
        return cls(
            raw=dict(raw),
            verified=raw.get("verified"),
            model=_text(raw, "model"),
            nonce=_text(raw, "nonce"),
            request_nonce=_text(raw, "request_nonce"),
            signing_key=_text(raw, "signing_key", "signing_public_key"),
            signing_address=_text(raw, "signing_address"),
            signing_algo=_text(raw, "signing_algo"),
            tee_provider=_text(raw, "tee_provider"),
            intel_quote=_text(raw, "intel_quote", "quote"),
            nvidia_payload=nvidia,
            sent_nonce=sent_nonce,
        )

    @property
    def server_verification(self) -> Mapping[str, Any]:
        """Venice's own account of its server-side checks (`server_verification`), if it sent one."""
        value = self.raw.get("server_verification")
        return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class VerifiedAttestation:
    """An attestation that passed every check venice_ext makes (see `venice_ext.e2ee`).

    `model_key` is the uncompressed public key (65 bytes) prompts are encrypted to;
    `local_checks` names each check venice_ext did itself, `trusted` what it took from
    Venice's word (the server-side `verified` claim, and whatever the quote and GPU
    evidence prove beyond their report data, unless a `verifier` checked it).
    """

    attestation: Attestation
    model: str
    nonce: str
    model_key: bytes = field(repr=False)
    signing_address: str
    verified_at: float
    local_checks: tuple[str, ...]
    trusted: tuple[str, ...]
    quote_debug: bool | None = None

    @property
    def model_key_hex(self) -> str:
        return self.model_key.hex()


@dataclass(frozen=True)
class ResponseSignature:
    """`GET /tee/signature?model=...&request_id=...`: the enclave's signature of one answer.

    `text` is what was signed (for dstack-based enclaves `sha256(request):sha256(response)`),
    `signature` an Ethereum-style (EIP-191 personal_sign) secp256k1 signature, r || s || v in hex.
    """

    raw: Mapping[str, Any] = field(repr=False)
    text: str | None
    signature: str | None
    signing_address: str | None
    signing_algo: str | None

    @classmethod
    def from_json(cls, raw: Any) -> ResponseSignature:
        if not isinstance(raw, Mapping):
            raise TeeAnswerError(f"the signature must be a JSON object, got {type(raw).__name__}")
        return cls(
            raw=dict(raw),
            text=_text(raw, "text"),
            signature=_text(raw, "signature"),
            signing_address=_text(raw, "signing_address"),
            signing_algo=_text(raw, "signing_algo"),
        )


@dataclass(frozen=True)
class SignatureCheck:
    """A response signature that verified under the attested signing key.

    `request_bound` / `response_bound`: whether the signed text names the sha256 of the exact
    request body sent and response body received (None when the text is not two hashes).
    """

    request_id: str
    signing_address: str
    signature: ResponseSignature
    request_bound: bool | None
    response_bound: bool | None
