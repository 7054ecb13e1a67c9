"""The attestation and signature checks, pure: every way an attestation or a signature is refused."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import Any

import pytest

from venice_ext import errors as e
from venice_ext.e2ee._checks import check_attestation
from venice_ext.e2ee._quote import QuoteError, TdxQuote, decode_quote
from venice_ext.e2ee._signature import check_signature
from venice_ext.e2ee._tee_api import fresh_nonce
from venice_ext.e2ee._types import Attestation, ResponseSignature, TeeAnswerError, VerifiedAttestation
from venice_ext.testing._enclave import FakeEnclave


def attest(enclave: FakeEnclave, *, nonce: str | None = None, edit: dict[str, Any] | None = None, **kw: Any) -> Any:
    sent = nonce or fresh_nonce()
    document = {**enclave._document(sent), **(edit or {})}
    document = {key: value for key, value in document.items() if value is not ...}
    options = {"model": enclave.model, "nonce": sent, "require_quote": True, "now": 100.0, **kw}
    return check_attestation(Attestation.from_json(document), **options)


def test_a_good_attestation_passes_every_local_check() -> None:
    enclave = FakeEnclave()
    attested = attest(enclave)
    assert attested.signing_address == enclave.signing_address
    assert attested.model_key_hex == enclave.public_key_hex
    assert attested.local_checks == (
        "nonce echoed",
        "model",
        "signing key on secp256k1",
        "signing key hashes to signing address",
        "quote not in debug mode",
        "quote binds the signing address",
        "quote binds the nonce",
        "GPU evidence names the nonce",
    )
    assert any("verified" in claim for claim in attested.trusted)
    assert attested.quote_debug is False and attested.verified_at == 100.0


@pytest.mark.parametrize(
    ("fault", "error", "check"),
    [
        ("unverified", e.E2EEAttestationError, "verified"),
        ("wrong_model", e.E2EEAttestationError, "model"),
        ("debug", e.E2EEAttestationError, "debug"),
        ("swap_key", e.E2EEKeyBindingError, "key_address"),
        ("swap_identity", e.E2EEKeyBindingError, "report_data_address"),
        ("no_quote", e.E2EEAttestationError, "quote"),
        ("stale_gpu_nonce", e.E2EENonceMismatchError, "nvidia_nonce"),
    ],
)
def test_each_faulty_attestation_is_refused_naming_the_check(fault: str, error: type[Exception], check: str) -> None:
    enclave = FakeEnclave()
    enclave.faults.add(fault)
    with pytest.raises(error) as caught:
        attest(enclave)
    assert type(caught.value) is error and caught.value.check == check  # type: ignore[attr-defined]
    assert caught.value.model == enclave.model  # type: ignore[attr-defined]


def test_a_replayed_attestation_fails_on_its_nonce_even_when_the_json_is_rewritten() -> None:
    enclave = FakeEnclave()
    old = fresh_nonce()
    stale = enclave._document(old)
    new = fresh_nonce()
    with pytest.raises(e.E2EENonceMismatchError) as caught:
        check_attestation(Attestation.from_json(stale), model=enclave.model, nonce=new, require_quote=True, now=0)
    assert caught.value.check == "nonce"
    rewritten = {**stale, "nonce": new, "request_nonce": new}
    with pytest.raises(e.E2EENonceMismatchError) as caught:
        check_attestation(Attestation.from_json(rewritten), model=enclave.model, nonce=new, require_quote=True, now=0)
    assert caught.value.check == "report_data_nonce"


@pytest.mark.parametrize(
    ("edit", "check", "error"),
    [
        ({"verified": "true"}, "verified", e.E2EEAttestationError),
        ({"nonce": ...}, "nonce", e.E2EENonceMismatchError),
        ({"request_nonce": "00" * 32}, "request_nonce", e.E2EENonceMismatchError),
        ({"model": ...}, "model", e.E2EEAttestationError),
        ({"signing_algo": "ed25519"}, "signing_algo", e.E2EEAttestationError),
        ({"debug": True}, "debug", e.E2EEAttestationError),
        ({"signing_key": ...}, "signing_key", e.E2EEAttestationError),
        ({"signing_key": "04" + "00" * 64}, "signing_key", e.E2EEAttestationError),
        ({"signing_address": ...}, "signing_address", e.E2EEKeyBindingError),
        ({"signing_address": "0xnothex"}, "signing_address", e.E2EEKeyBindingError),
        ({"intel_quote": "not a quote!"}, "quote", e.E2EEAttestationError),
        ({"intel_quote": "00" * 700}, "quote", e.E2EEAttestationError),
    ],
)
def test_missing_or_malformed_fields_are_refused(edit: dict[str, Any], check: str, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        attest(FakeEnclave(), edit=edit)
    assert caught.value.check == check  # type: ignore[attr-defined]


def test_without_a_quote_only_when_the_caller_allows_it() -> None:
    enclave = FakeEnclave()
    enclave.faults.add("no_quote")
    attested = attest(enclave, require_quote=False)
    assert "quote binds the nonce" not in attested.local_checks and attested.quote_debug is None


def test_key_spellings_the_attestation_may_use() -> None:
    enclave = FakeEnclave()
    bare = enclave.public_key_hex[2:]
    assert attest(enclave, edit={"signing_key": None, "signing_public_key": bare}).model_key_hex == (
        enclave.public_key_hex
    )
    checksummed = enclave.signing_address.upper().replace("0X", "0x")
    assert attest(enclave, edit={"signing_address": checksummed}).signing_address == enclave.signing_address


def test_quotes_in_hex_base64_v4_and_v5() -> None:
    report = bytes(range(64))
    for version in (4, 5):
        raw = TdxQuote.build(report, version=version, debug=version == 5)
        for text in (raw.hex(), "0x" + raw.hex(), base64.b64encode(raw).decode()):
            quote = TdxQuote.parse(decode_quote(text))
            assert quote.version == version and quote.report_data == report and quote.debug is (version == 5)
    sgx = bytearray(TdxQuote.build(report))
    sgx[4] = 0  # TEE type 0: an SGX quote
    for bad in (b"", bytes(sgx), TdxQuote.build(report)[:300], b"\x06\x00" + TdxQuote.build(report)[2:]):
        with pytest.raises(QuoteError):
            TdxQuote.parse(bad)
    with pytest.raises(QuoteError):
        decode_quote("@@@")


def test_answers_of_the_wrong_shape_are_typed_errors() -> None:
    with pytest.raises(TeeAnswerError):
        Attestation.from_json([])
    with pytest.raises(TeeAnswerError, match="signing_key must be a string"):
        Attestation.from_json({"signing_key": 5})
    with pytest.raises(TeeAnswerError):
        ResponseSignature.from_json("x")
    assert Attestation.from_json({"nvidia_payload": {"nonce": "ab"}}).nvidia_payload == '{"nonce": "ab"}'


# -- signatures ----------------------------------------------------------------------------------


def signed(enclave: FakeEnclave, request: bytes = b"req", response: bytes = b"resp") -> ResponseSignature:
    enclave._store_signature("chatcmpl-1", request, response)
    return ResponseSignature.from_json(enclave._signatures["chatcmpl-1"])


def verify(sig: ResponseSignature, attested: VerifiedAttestation, *, strict: bool = False) -> Any:
    return check_signature(
        sig,
        attested,
        request_id="chatcmpl-1",
        request_sha256=hashlib.sha256(b"req").hexdigest(),
        response_sha256=hashlib.sha256(b"resp").hexdigest(),
        require_signed_hashes=strict,
    )


def test_a_good_signature_verifies_and_says_it_binds_the_exchange() -> None:
    enclave = FakeEnclave()
    result = verify(signed(enclave), attest(enclave), strict=True)
    assert result.request_bound is True and result.response_bound is True
    other = verify(signed(enclave, response=b"something else"), attest(enclave))
    assert other.request_bound is True and other.response_bound is False


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        ("bad_signature", "signature_invalid"),
        ("signature_other_address", "signing_address"),
    ],
)
def test_a_signature_from_anyone_else_is_refused(fault: str, check: str) -> None:
    enclave = FakeEnclave()
    attested = attest(enclave)
    enclave.faults.add(fault)
    with pytest.raises(e.E2EESignatureError) as caught:
        verify(signed(enclave), attested)
    assert caught.value.check == check and caught.value.request_id == "chatcmpl-1"


def test_signatures_over_other_text_or_malformed_are_refused() -> None:
    enclave = FakeEnclave()
    attested = attest(enclave)
    good = signed(enclave)
    assert good.text is not None and good.signature is not None
    cases = {
        "signature_invalid": dataclasses.replace(good, text=good.text.replace("a", "b", 1)),
        "signature_missing": dataclasses.replace(good, signature=None),
        "signature_format": dataclasses.replace(good, signature=good.signature[:-2]),
        "signing_algo": dataclasses.replace(good, signing_algo="ed25519"),
    }
    cases["signature_format"] = dataclasses.replace(good, signature=good.signature[:-2] + "05")
    for check, bad in cases.items():
        with pytest.raises(e.E2EESignatureError) as caught:
            verify(bad, attested)
        assert caught.value.check == check
    enclave.faults.add("unbound_signature")
    unbound = signed(enclave)
    assert verify(unbound, attested).response_bound is False
    with pytest.raises(e.E2EESignatureError) as caught:
        verify(unbound, attested, strict=True)
    assert caught.value.check == "signature_unbound"
