"""End-to-end encrypted chat with Venice's TEE models: what is verified, and where.

    from venice_ext import Venice

    with Venice() as client:
        with client.chat.completions.stream(model="e2ee-qwen3-6-27b", messages=[...], e2ee=True) as stream:
            for text in stream.text_deltas():
                print(text, end="")
        print(stream.signature)   # the enclave's signature of this answer, checked

Each E2EE request: `/models` must mark the model `supportsE2EE` (cached); the request
is refused before anything is sent if it carries what E2EE cannot (tools, web search,
images, log probabilities, plaintext roles); the model's attestation is fetched for a
fresh 32-byte nonce and checked (cached per model for `attestation_ttl`); a new
secp256k1 session key is made; every user and system content is sealed to the attested
key (ECDH, HKDF-SHA256, AES-256-GCM, by `cryptography`); the answer streams back sealed
to the session key and is opened delta by delta; at the end the enclave's signature of
the answer is fetched and checked. Any failure raises an `E2EEError` subclass naming the
check, and nothing of the prompt has been sent in clear.

Verified locally, by venice_ext, over what Venice sends:
  - the nonce just drawn is echoed by the attestation, by its TDX quote's report data,
    and by the NVIDIA evidence when that names one (a replayed attestation fails here);
  - the attested model is the one asked for; the signing key is a secp256k1 point whose
    keccak-256 address is the attested `signing_address`, and the quote's report data
    binds that address (a swapped key fails here: venice-py does not check this);
  - the quote's TD attributes say the enclave is not in debug mode;
  - every streamed delta authenticates (AES-GCM) under this session's key and is UTF-8;
  - the answer's signature verifies under the attested key (EIP-191), and whether it signs
    the sha256 of the exact request and response bytes (required with
    `require_signed_hashes`).
Taken from Venice's word (its server-side `verified: true`), unless you check it:
  - that the TDX quote is signed by genuine Intel hardware with current TCB, and its
    measurements (MRTD, RTMRs, the compose hash) are the software you expect;
  - that the NVIDIA GPU evidence is genuine and in confidential-compute mode.
  Pass `E2EEOptions(verifier=...)`: a callable that gets the VerifiedAttestation (raw
  quote and evidence included) after the local checks and returns False or raises to
  refuse it (a coroutine function with AsyncVenice), e.g. to call Intel's DCAP quote
  verification and NVIDIA's NRAS.
Limits of the protocol itself: AES-GCM proves a delta was not altered, not who sealed it
(the session public key travels in a header); the signature, checked after the stream,
is what ties the answer to the enclave, so a caller showing deltas as they arrive shows
them before that check. Assistant turns are sent unencrypted by the protocol and refused
unless `plaintext_assistant_turns=True`. Private keys live only in memory as
`cryptography` key objects: never serialised, printed, logged or put in an error.
"""

from typing import TYPE_CHECKING, Any

from venice_ext.e2ee._options import E2EEOptions, Verifier

if TYPE_CHECKING:
    from venice_ext.e2ee._types import Attestation, ResponseSignature, SignatureCheck, VerifiedAttestation

__all__ = ["Attestation", "E2EEOptions", "ResponseSignature", "SignatureCheck", "VerifiedAttestation", "Verifier"]

# Loaded on first use (PEP 562): every chat call reads its e2ee= option through this
# package, and only an encrypted one needs the attestation types.
_TYPES = frozenset({"Attestation", "ResponseSignature", "SignatureCheck", "VerifiedAttestation"})


def __getattr__(name: str) -> Any:
    if name not in _TYPES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from venice_ext.e2ee import _types

    value = getattr(_types, name)
    globals()[name] = value
    return value
