"""The errors of end-to-end encryption: each names the check that failed, never a key or a plaintext."""

from __future__ import annotations

from venice_ext.errors._base import VeniceError

__all__ = [
    "E2EEAttestationError",
    "E2EEDecryptionError",
    "E2EEError",
    "E2EEKeyBindingError",
    "E2EENonceMismatchError",
    "E2EENotInstalledError",
    "E2EESignatureError",
    "E2EEUnsupportedRequestError",
]


class E2EEError(VeniceError):
    """End-to-end encryption failed closed: nothing readable was sent, or what came back is refused.

    `check` names what failed (e.g. "nonce", "report_data_address", "chunk"), `model`
    the model asked for, `request_id` the completion's id once there is one. The
    message never holds a key or a plaintext.
    """

    def __init__(self, message: str, *, check: str, model: str | None = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.check = check
        self.model = model
        self.request_id = request_id


class E2EENotInstalledError(E2EEError):
    """E2EE needs the `e2ee` extra: pip install 'venice-client[e2ee]'."""


class E2EEUnsupportedRequestError(E2EEError, ValueError):
    """A request E2EE cannot carry: tools, web search, multimodal content, a plaintext role, a
    model without E2EE. Refused before anything about the prompt was sent."""


class E2EEAttestationError(E2EEError):
    """The model's attestation failed a check; its key is not used."""


class E2EENonceMismatchError(E2EEAttestationError):
    """The attestation does not carry the nonce just sent (its `nonce` field, the quote's report
    data, or the GPU evidence): it is stale or replayed."""


class E2EEKeyBindingError(E2EEAttestationError):
    """The model key is not bound to the attestation: it does not hash to the attested signing
    address, or that address is not the one in the quote's report data."""


class E2EEDecryptionError(E2EEError):
    """A streamed chunk did not decrypt or authenticate (tampered, truncated, not for this session's
    key), was sent in plaintext, or left an unfinished UTF-8 character."""


class E2EESignatureError(E2EEError):
    """The answer's signature could not be fetched, does not verify under the attested signing key,
    names another signer, or (when required) does not sign this exchange's hashes."""
