"""The E2EE primitives and the decrypting handler, pure: sealing, opening, keys, addresses, UTF-8."""

from __future__ import annotations

import itertools
import json
import os
import pickle
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from venice_ext import errors as e
from venice_ext._core._sse import ServerSentEvent
from venice_ext.e2ee._address import address_of, keccak256, normalise_address, personal_message_digest
from venice_ext.e2ee._checks import check_attestation
from venice_ext.e2ee._crypto import (
    MIN_SEALED_HEX,
    SealError,
    SessionKey,
    looks_sealed,
    parse_public_key,
    public_bytes,
    seal,
)
from venice_ext.e2ee._session import DecryptingChunkHandler, E2EESession
from venice_ext.e2ee._tee_api import fresh_nonce
from venice_ext.e2ee._types import Attestation
from venice_ext.testing._enclave import FakeEnclave

DEEP = os.environ.get("VENICE_DEEP_TESTS", "") not in ("", "0")
PROPERTY = settings(
    max_examples=400 if DEEP else 40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
CURVE = ec.SECP256K1()


def test_known_answers_keccak_address_and_personal_sign() -> None:
    # Keccak-256, not SHA3-256: the empty input differs between the two.
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    # The private key 1 is Ethereum's best-known account.
    one = public_bytes(ec.derive_private_key(1, CURVE).public_key())
    assert address_of(one) == "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"
    assert normalise_address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf") == address_of(one)
    assert personal_message_digest("hello world").hex() == (
        "d9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68"
    )
    with pytest.raises(ValueError):
        normalise_address("0x1234")


def test_a_sealed_message_is_what_the_guide_describes() -> None:
    # Opened here step by step, as Venice's guide spells the protocol, not with venice_ext's own helper.
    recipient = ec.generate_private_key(CURVE)
    sealed = bytes.fromhex(seal(b"Explain quantum computing", recipient.public_key()))
    ephemeral, nonce, ciphertext = sealed[:65], sealed[65:77], sealed[77:]
    assert ephemeral[0] == 4 and len(ciphertext) == len("Explain quantum computing") + 16
    shared = recipient.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(CURVE, ephemeral))
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ecdsa_encryption").derive(shared)
    assert AESGCM(key).decrypt(nonce, ciphertext, None) == b"Explain quantum computing"


def test_every_seal_has_its_own_ephemeral_key_and_nonce() -> None:
    recipient = ec.generate_private_key(CURVE).public_key()
    first, second = seal(b"same", recipient), seal(b"same", recipient)
    assert first[:130] != second[:130] and first[130:154] != second[130:154]


@PROPERTY
@given(st.text())
def test_seal_then_open_round_trips_any_text(text: str) -> None:
    key = SessionKey()
    sealed = seal(text.encode("utf-8"), parse_public_key(key.public_hex))
    assert looks_sealed(sealed) and len(sealed) == MIN_SEALED_HEX + 2 * len(text.encode("utf-8"))
    assert key.open(sealed).decode("utf-8") == text


@PROPERTY
@given(st.binary(min_size=0, max_size=64), st.integers(min_value=0), st.integers(min_value=0, max_value=7))
def test_any_flipped_bit_fails_to_open(plaintext: bytes, position: int, bit: int) -> None:
    key = SessionKey()
    sealed = bytearray(bytes.fromhex(seal(plaintext, parse_public_key(key.public_hex))))
    sealed[position % len(sealed)] ^= 1 << bit
    with pytest.raises(SealError):
        key.open(sealed.hex())


def test_sealed_to_another_key_or_malformed_fails_to_open() -> None:
    mine, other = SessionKey(), SessionKey()
    with pytest.raises(SealError, match="does not authenticate"):
        mine.open(seal(b"hi", parse_public_key(other.public_hex)))
    for bad in ("", "zz" * 100, "ab" * 92, "0" * MIN_SEALED_HEX):
        with pytest.raises(SealError):
            mine.open(bad)


def test_public_key_spellings() -> None:
    point = SessionKey().public_hex
    for spelling in (point, point[2:], "0x" + point, point.upper().replace("0X", "0x")):
        assert public_bytes(parse_public_key(spelling)).hex() == point
    off_curve = "04" + "00" * 63 + "07" + "00" * 32
    for bad in ("", "05" + point[2:], point[:-2], off_curve, "04" + "g" * 128):
        with pytest.raises(ValueError):
            parse_public_key(bad)


def private_hex(key: SessionKey) -> str:
    return format(key._private.private_numbers().private_value, "064x")


def test_the_session_key_never_shows_or_leaves() -> None:
    key = SessionKey()
    secret = private_hex(key)
    assert secret not in repr(key) and "in memory only" in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)
    assert not hasattr(key, "__dict__")


# -- the decrypting handler --------------------------------------------------------------------


def handler_for() -> tuple[DecryptingChunkHandler, E2EESession]:
    enclave = FakeEnclave()
    nonce = fresh_nonce()
    attested = check_attestation(
        Attestation.from_json(enclave._document(nonce)), model=enclave.model, nonce=nonce, require_quote=True, now=0.0
    )
    session = E2EESession(attested)
    return DecryptingChunkHandler(httpx.Headers(), session), session


def event(delta: dict[str, Any], finish: str | None = None) -> ServerSentEvent:
    chunk = {"id": "chatcmpl-1", "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return ServerSentEvent(json.dumps(chunk))


def split_points(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


@PROPERTY
@given(st.text(), st.lists(st.integers(min_value=0), max_size=8))
def test_deltas_split_anywhere_even_inside_a_character_decrypt_to_the_text(text: str, cuts: list[int]) -> None:
    handler, session = handler_for()
    to_session = parse_public_key(session.client_public_key)
    pieces = split_points(text.encode("utf-8"), cuts)  # empty pieces included: sealed empty strings
    seen = []
    for piece in pieces:
        chunk = handler.on_event(event({"content": seal(piece, to_session)}))
        assert chunk is not None
        seen.append(chunk.choices[0].delta.content)
    handler.on_event(event({}, finish="stop"))
    handler.on_event(ServerSentEvent("[DONE]"))
    assert "".join(seen) == text
    assert handler.completion().choices[0].message.content == text


def test_a_stream_ending_inside_a_character_is_refused() -> None:
    handler, session = handler_for()
    half = "é".encode()[:1]
    handler.on_event(event({"content": seal(half, parse_public_key(session.client_public_key))}))
    with pytest.raises(e.E2EEDecryptionError) as caught:
        handler.on_event(ServerSentEvent("[DONE]"))
    assert caught.value.check == "utf8"


def test_plaintext_tampered_or_tool_call_deltas_are_refused() -> None:
    handler, session = handler_for()
    sealed = seal(b"hello", parse_public_key(session.client_public_key))
    tampered = sealed[:-1] + ("0" if sealed[-1] != "0" else "1")
    cases = [
        ({"content": "hello"}, "plaintext_chunk"),
        ({"content": tampered}, "chunk"),
        ({"reasoning_content": tampered}, "chunk"),
        ({"content": 42}, "plaintext_chunk"),
        ({"tool_calls": [{"index": 0, "function": {"name": "f"}}]}, "tool_calls"),
    ]
    for delta, check in cases:
        with pytest.raises(e.E2EEDecryptionError) as caught:
            handler.on_event(event(delta))
        assert caught.value.check == check
        assert caught.value.request_id == "chatcmpl-1"
        assert "hello" not in str(caught.value)


def test_the_role_delta_and_usage_chunk_pass_untouched() -> None:
    handler, _session = handler_for()
    first = handler.on_event(event({"role": "assistant", "content": ""}))
    assert first is not None and first.choices[0].delta.role == "assistant"
    usage = handler.on_event(ServerSentEvent(json.dumps({"id": "chatcmpl-1", "choices": [], "usage": {"x": 1}})))
    assert usage is not None and usage.usage == {"x": 1}
