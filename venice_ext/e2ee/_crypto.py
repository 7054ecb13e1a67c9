"""The E2EE primitives, all from `cryptography`: ECDH on secp256k1, HKDF-SHA256, AES-256-GCM.

One sealed message is hex of: the sender's fresh ephemeral public key (65 bytes,
uncompressed), a random 12-byte nonce, then the AES-GCM ciphertext with its 16-byte
tag. The AES key is HKDF-SHA256 (no salt, info `ecdsa_encryption`) of the x-coordinate
ECDH gives between that ephemeral key and the recipient's key. Prompts are sealed to
the model's attested key; the enclave seals each streamed delta to the session key.

Imported only once E2EE is engaged (the `e2ee` extra), so `import venice_ext` never
loads `cryptography`.
"""

from __future__ import annotations

import os
import re
from typing import Any, SupportsIndex

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "MIN_SEALED_HEX",
    "SealError",
    "SessionKey",
    "looks_sealed",
    "open_sealed",
    "parse_public_key",
    "public_bytes",
    "seal",
]

HKDF_INFO = b"ecdsa_encryption"
PUBLIC_KEY_BYTES = 65
NONCE_BYTES = 12
TAG_BYTES = 16
MIN_SEALED_HEX = 2 * (PUBLIC_KEY_BYTES + NONCE_BYTES + TAG_BYTES)
_HEX = re.compile(r"[0-9a-fA-F]*")
_CURVE = ec.SECP256K1()


class SealError(ValueError):
    """A sealed message that is malformed, or does not authenticate under the key tried."""


def parse_public_key(text: str) -> ec.EllipticCurvePublicKey:
    """A secp256k1 public key from hex: 65 bytes uncompressed (`04...`), or its 64 bytes without the
    prefix; `0x` allowed. ValueError if it is not a point on the curve."""
    digits = text[2:] if text[:2].lower() == "0x" else text
    if len(digits) == 128:
        digits = "04" + digits
    if len(digits) != 2 * PUBLIC_KEY_BYTES or not digits.startswith("04") or not _HEX.fullmatch(digits):
        raise ValueError("not an uncompressed secp256k1 public key (130 hex digits starting 04)")
    return ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, bytes.fromhex(digits))


def public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    """The 65-byte uncompressed encoding, 04 || x || y."""
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def _aes_key(private: ec.EllipticCurvePrivateKey, peer: ec.EllipticCurvePublicKey) -> AESGCM:
    shared = private.exchange(ec.ECDH(), peer)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(shared)
    return AESGCM(key)


def seal(plaintext: bytes, recipient: ec.EllipticCurvePublicKey) -> str:
    """`plaintext` sealed to `recipient` with a fresh ephemeral key and nonce, as lowercase hex."""
    ephemeral = ec.generate_private_key(_CURVE)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = _aes_key(ephemeral, recipient).encrypt(nonce, plaintext, None)
    return (public_bytes(ephemeral.public_key()) + nonce + ciphertext).hex()


def looks_sealed(text: str) -> bool:
    """Long enough and hex: what a sealed message looks like (it may still fail to open)."""
    return len(text) >= MIN_SEALED_HEX and len(text) % 2 == 0 and _HEX.fullmatch(text) is not None


def open_sealed(sealed_hex: str, private: ec.EllipticCurvePrivateKey) -> bytes:
    """The plaintext of a sealed message; SealError if it is malformed or fails to authenticate."""
    if not looks_sealed(sealed_hex):
        raise SealError(f"not a sealed message: {len(sealed_hex)} characters, expected at least {MIN_SEALED_HEX} hex")
    raw = bytes.fromhex(sealed_hex)
    try:
        sender = ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, raw[:PUBLIC_KEY_BYTES])
    except ValueError as exc:
        raise SealError("the sender's ephemeral key is not a point on secp256k1") from exc
    nonce, ciphertext = raw[PUBLIC_KEY_BYTES : PUBLIC_KEY_BYTES + NONCE_BYTES], raw[PUBLIC_KEY_BYTES + NONCE_BYTES :]
    try:
        return _aes_key(private, sender).decrypt(nonce, ciphertext, None)
    except InvalidTag as exc:
        raise SealError("the AES-GCM tag does not authenticate: tampered, or sealed to another key") from exc


class SessionKey:
    """The ephemeral key pair of one E2EE stream. The private half stays inside this object, in
    memory: it is never serialised, printed or logged, and goes when the stream does."""

    __slots__ = ("_private", "public_bytes")

    def __init__(self) -> None:
        self._private = ec.generate_private_key(_CURVE)
        self.public_bytes = public_bytes(self._private.public_key())

    @property
    def public_hex(self) -> str:
        return self.public_bytes.hex()

    def open(self, sealed_hex: str) -> bytes:
        """A delta the enclave sealed to this session; SealError if it does not open."""
        return open_sealed(sealed_hex, self._private)

    def __repr__(self) -> str:
        return f"SessionKey(public={self.public_hex[:18]}..., private=<in memory only>)"

    def __reduce_ex__(self, protocol: SupportsIndex) -> str | tuple[Any, ...]:
        raise TypeError("an E2EE session key is never serialised or copied")
