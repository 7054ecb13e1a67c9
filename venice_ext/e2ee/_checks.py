"""The checks an attestation must pass before its key gets a prompt. Pure: parsed data in,
a VerifiedAttestation or a typed error out.

Done here, locally, over what Venice sent:
- `verified` is exactly true (Venice's server-side verdict: trusted, not re-done here);
- the nonce just sent is echoed (`nonce`, and `request_nonce` when present);
- the attested model is the one asked for; the signing algorithm is ecdsa;
- a signing key is present, is a point on secp256k1, and hashes (keccak-256) to `signing_address`;
- the TDX quote's report data is that address (padded to 32 bytes) then the nonce, and its
  TD attributes have the debug bit off (required unless `require_quote=False`);
- the NVIDIA evidence, when it names a nonce, names this one.
The quote's Intel signature, its measurements, and NVIDIA's verdict are not checked here;
a `verifier` can.
"""

from __future__ import annotations

import hmac
import json

from venice_ext.e2ee._address import address_of, normalise_address
from venice_ext.e2ee._crypto import parse_public_key, public_bytes
from venice_ext.e2ee._quote import QuoteError, TdxQuote, decode_quote
from venice_ext.e2ee._types import Attestation, VerifiedAttestation
from venice_ext.errors import E2EEAttestationError, E2EEKeyBindingError, E2EENonceMismatchError

__all__ = ["check_attestation"]

TRUSTED_FROM_VENICE = (
    "verified (Venice's server-side verification of the TDX quote and NVIDIA evidence)",
    "the quote's Intel signature and measurements",
    "the NVIDIA GPU attestation verdict",
)


def _refusal(
    model: str, check: str, message: str, cls: type[E2EEAttestationError] = E2EEAttestationError
) -> E2EEAttestationError:
    return cls(f"attestation of {model} refused: {message}", check=check, model=model)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.lower().encode(), b.lower().encode())


def check_attestation(
    attestation: Attestation, *, model: str, nonce: str, require_quote: bool, now: float
) -> VerifiedAttestation:
    """`attestation` if it passes every check (see the module docstring); else the typed error naming
    the first check that failed."""

    def fail(check: str, message: str, cls: type[E2EEAttestationError] = E2EEAttestationError) -> E2EEAttestationError:
        return _refusal(model, check, message, cls)

    done: list[str] = []
    if attestation.verified is not True:
        raise fail("verified", f"Venice did not report it verified (verified={attestation.verified!r})")
    for field, echoed in (("nonce", attestation.nonce), ("request_nonce", attestation.request_nonce)):
        if field == "nonce" and echoed is None:
            raise fail("nonce", "it echoes no nonce", E2EENonceMismatchError)
        if echoed is not None and not _same(echoed, nonce):
            raise fail(field, f"its {field} is not the nonce just sent (stale or replayed)", E2EENonceMismatchError)
    done.append("nonce echoed")
    if attestation.model != model:
        raise fail("model", f"it attests another model ({attestation.model!r})")
    done.append("model")
    if attestation.signing_algo is not None and attestation.signing_algo.lower() != "ecdsa":
        raise fail("signing_algo", f"signing algorithm {attestation.signing_algo!r}; E2EE needs ecdsa (secp256k1)")
    if attestation.raw.get("debug") is True:
        raise fail("debug", "Venice reports a debug-mode enclave")
    if not attestation.signing_key:
        raise fail("signing_key", "it carries no signing key to encrypt to")
    try:
        key = public_bytes(parse_public_key(attestation.signing_key))
    except ValueError as exc:
        raise fail("signing_key", f"its signing key is not a secp256k1 public key ({exc})") from None
    done.append("signing key on secp256k1")
    if not attestation.signing_address:
        raise fail("signing_address", "it carries no signing address", E2EEKeyBindingError)
    try:
        address = normalise_address(attestation.signing_address)
    except ValueError as exc:
        raise fail("signing_address", f"its signing address is malformed ({exc})", E2EEKeyBindingError) from None
    if address_of(key) != address:
        raise fail("key_address", "its signing key does not hash to its signing address", E2EEKeyBindingError)
    done.append("signing key hashes to signing address")
    debug = _check_quote(attestation, model, address, nonce, require_quote, done)
    _check_gpu_nonce(attestation, model, nonce, done)
    return VerifiedAttestation(
        attestation=attestation,
        model=model,
        nonce=nonce,
        model_key=key,
        signing_address=address,
        verified_at=now,
        local_checks=tuple(done),
        trusted=TRUSTED_FROM_VENICE,
        quote_debug=debug,
    )


def _check_quote(
    attestation: Attestation, model: str, address: str, nonce: str, required: bool, done: list[str]
) -> bool | None:
    if attestation.intel_quote is None:
        if required:
            raise _refusal(model, "quote", "no TDX quote, so nothing ties the key to the hardware (require_quote)")
        return None
    try:
        quote = TdxQuote.parse(decode_quote(attestation.intel_quote))
    except QuoteError as exc:
        raise _refusal(model, "quote", str(exc)) from None
    if quote.debug:
        raise _refusal(model, "debug", "the TDX quote's TD attributes say the enclave runs in debug mode")
    done.append("quote not in debug mode")
    expected_address = bytes.fromhex(address[2:]).ljust(32, b"\x00")
    if not hmac.compare_digest(quote.report_data[:32], expected_address):
        message = "the quote's report data binds another signing address"
        raise _refusal(model, "report_data_address", message, E2EEKeyBindingError)
    done.append("quote binds the signing address")
    if not hmac.compare_digest(quote.report_data[32:], bytes.fromhex(nonce)):
        message = "the quote's report data carries another nonce (replayed)"
        raise _refusal(model, "report_data_nonce", message, E2EENonceMismatchError)
    done.append("quote binds the nonce")
    return quote.debug


def _check_gpu_nonce(attestation: Attestation, model: str, nonce: str, done: list[str]) -> None:
    if attestation.nvidia_payload is None:
        return
    try:
        evidence = json.loads(attestation.nvidia_payload)
    except ValueError:
        return  # not JSON: nothing venice_ext can read in it
    echoed = evidence.get("nonce") if isinstance(evidence, dict) else None
    if echoed is None:
        return
    if not isinstance(echoed, str) or not _same(echoed, nonce):
        message = "the NVIDIA evidence is for another nonce (replayed)"
        raise _refusal(model, "nvidia_nonce", message, E2EENonceMismatchError)
    done.append("GPU evidence names the nonce")
