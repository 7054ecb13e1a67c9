"""What a caller can set about an E2EE request, and whether a request asks for E2EE at all."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from venice_ext.errors import E2EEUnsupportedRequestError

if TYPE_CHECKING:
    from venice_ext.e2ee._types import VerifiedAttestation

__all__ = ["E2EEOptions", "Verifier", "e2ee_options"]

Verifier = Callable[["VerifiedAttestation"], Any]
"""Full quote verification, supplied by the caller: gets the attestation after venice_ext's own
checks passed; returns False or raises to refuse it. With AsyncVenice it may be a coroutine."""


@dataclass(frozen=True)
class E2EEOptions:
    """`e2ee=E2EEOptions(...)` on `chat.completions.create` / `.stream` (`e2ee=True` takes these defaults).

    attestation_ttl: seconds a verified attestation is reused for the same model (and verifier);
        0 fetches and checks a fresh one for every request.
    verifier: your full TDX / NVIDIA quote verification (see `Verifier`); venice_ext does not
        check Intel's or NVIDIA's signatures over the evidence itself.
    require_quote: refuse an attestation without a TDX quote, since only the quote's report data
        ties the signing address and the nonce to the hardware.
    verify_signature: after the stream, fetch `/tee/signature` for the completion and check it was
        signed by the attested signing key; off, the answer is only authenticated chunk by chunk.
    require_signed_hashes: also require that the signed text be `sha256(request):sha256(response)` of
        exactly the bytes sent and received (Venice's proxy may re-encode them, so off by default;
        `stream.signature` reports whether they matched).
    plaintext_assistant_turns: allow earlier assistant messages, which the protocol sends unencrypted
        (only user and system contents are encrypted); refused by default so nothing goes in clear.
    models_ttl: seconds the `/models` capability lookup is reused.
    """

    attestation_ttl: float = 300.0
    verifier: Verifier | None = None
    require_quote: bool = True
    verify_signature: bool = True
    require_signed_hashes: bool = False
    plaintext_assistant_turns: bool = False
    models_ttl: float = 600.0

    def __post_init__(self) -> None:
        if self.attestation_ttl < 0 or self.models_ttl < 0:
            raise E2EEUnsupportedRequestError("E2EEOptions: a ttl cannot be negative", check="options")


def e2ee_options(e2ee: bool | E2EEOptions | None, params: Mapping[str, Any]) -> E2EEOptions | None:
    """The options of a request that asks for E2EE (`e2ee=` or `venice_parameters.enable_e2ee`), else None."""
    venice_parameters = params.get("venice_parameters")
    if e2ee is False and venice_parameters is None:
        return None  # nearly every call
    # `is not None` first: most calls have no venice_parameters, and the ABC check costs more.
    enable = None
    if venice_parameters is not None and isinstance(venice_parameters, Mapping):
        enable = venice_parameters.get("enable_e2ee")
    if isinstance(e2ee, E2EEOptions):
        options: E2EEOptions | None = e2ee
    elif e2ee is True or enable is True:
        options = E2EEOptions()
    elif e2ee in (False, None):
        options = None
    else:
        raise E2EEUnsupportedRequestError(f"e2ee must be True, False or E2EEOptions, not {e2ee!r}", check="options")
    if options is not None and enable is False:
        # Venice would then run the model TEE-only and read the ciphertext as the prompt.
        raise E2EEUnsupportedRequestError(
            "e2ee was asked for, but venice_parameters.enable_e2ee is False; nothing was sent", check="enable_e2ee"
        )
    return options
