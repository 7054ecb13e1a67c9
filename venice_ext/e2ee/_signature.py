"""Checking the enclave's signature of an answer. Pure: parsed data in, a SignatureCheck or a typed error out.

The signature is Ethereum's `personal_sign` (EIP-191) by the attested signing key:
r || s || v over keccak-256 of the prefixed text. It is verified directly under that
key with `cryptography` (ECDSA over a digest computed elsewhere, hence `Prehashed`);
no public key recovery is needed since the key is known, so `v` is only range-checked.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from venice_ext.e2ee._address import normalise_address, personal_message_digest
from venice_ext.e2ee._crypto import parse_public_key
from venice_ext.e2ee._types import ResponseSignature, SignatureCheck, VerifiedAttestation
from venice_ext.errors import E2EESignatureError

__all__ = ["check_signature", "exchange_hash"]

_TWO_HASHES = re.compile(r"([0-9a-f]{64}):([0-9a-f]{64})")


def exchange_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def check_signature(
    signature: ResponseSignature,
    attested: VerifiedAttestation,
    *,
    request_id: str,
    request_sha256: str,
    response_sha256: str,
    require_signed_hashes: bool,
) -> SignatureCheck:
    """`signature` if the attested key signed it; else E2EESignatureError naming what is wrong."""

    def fail(check: str, message: str) -> E2EESignatureError:
        return E2EESignatureError(
            f"signature of {request_id} refused: {message}", check=check, model=attested.model, request_id=request_id
        )

    if signature.text is None or signature.signature is None:
        raise fail("signature_missing", "the answer carries no text or no signature")
    if signature.signing_algo is not None and signature.signing_algo.lower() != "ecdsa":
        raise fail("signing_algo", f"signing algorithm {signature.signing_algo!r}, expected ecdsa")
    if signature.signing_address is not None:
        try:
            named = normalise_address(signature.signing_address)
        except ValueError:
            raise fail("signing_address", "its signing address is malformed") from None
        if named != attested.signing_address:
            raise fail("signing_address", "it names another signer than the attested one")
    digits = signature.signature.removeprefix("0x")
    if len(digits) != 130 or not re.fullmatch(r"[0-9a-fA-F]+", digits):
        raise fail("signature_format", "a signature is 65 bytes (r || s || v) in hex")
    raw = bytes.fromhex(digits)
    if raw[64] not in (0, 1, 27, 28):
        raise fail("signature_format", f"recovery id {raw[64]} is not 0, 1, 27 or 28")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"))
    key = parse_public_key(attested.model_key_hex)
    try:
        key.verify(der, personal_message_digest(signature.text), ec.ECDSA(Prehashed(hashes.SHA256())))
    except InvalidSignature:
        raise fail("signature_invalid", "it does not verify under the attested signing key") from None
    request_bound = response_bound = None
    hashes_signed = _TWO_HASHES.fullmatch(signature.text.lower())
    if hashes_signed:
        request_bound = hmac.compare_digest(hashes_signed.group(1), request_sha256)
        response_bound = hmac.compare_digest(hashes_signed.group(2), response_sha256)
    if require_signed_hashes and not (request_bound and response_bound):
        what = "a text that is not two hashes" if hashes_signed is None else "the hashes of another exchange"
        raise fail("signature_unbound", f"it signs {what} (require_signed_hashes)")
    return SignatureCheck(
        request_id=request_id,
        signing_address=attested.signing_address,
        signature=signature,
        request_bound=request_bound,
        response_bound=response_bound,
    )
