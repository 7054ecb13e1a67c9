"""Ethereum-style identities of a secp256k1 key: the address, and the EIP-191 message digest.

Keccak-256 is not SHA3-256 (the padding differs) and neither `hashlib` nor
`cryptography` offers it; pycryptodome's `Crypto.Hash.keccak` does. Part of the
`e2ee` extra; imported only once E2EE is engaged.
"""

from __future__ import annotations

from Crypto.Hash import keccak

__all__ = ["address_of", "keccak256", "normalise_address", "personal_message_digest"]


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def address_of(uncompressed_public_key: bytes) -> str:
    """`0x` + the last 20 bytes of keccak-256 of the 64-byte point (the `04` prefix dropped), lowercase."""
    if len(uncompressed_public_key) != 65 or uncompressed_public_key[0] != 4:
        raise ValueError("expected a 65-byte uncompressed public key")
    return "0x" + keccak256(uncompressed_public_key[1:])[-20:].hex()


def normalise_address(text: str) -> str:
    """An address compared case-insensitively (EIP-55 checksums are case only); ValueError if not 20 bytes hex."""
    digits = text[2:] if text[:2].lower() == "0x" else text
    if len(digits) != 40:
        raise ValueError(f"an address is 20 bytes (40 hex digits), got {len(digits)} characters")
    bytes.fromhex(digits)
    return "0x" + digits.lower()


def personal_message_digest(text: str) -> bytes:
    """What `personal_sign` (EIP-191, version 0x45) signs for `text`."""
    message = text.encode("utf-8")
    return keccak256(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)
