"""A fake enclave model for FakeVenice: the server side of Venice's E2EE protocol, offline.

    with FakeVenice(enclave=True) as fake:
        client = Venice(api_key=fake.api_key, base_url=fake.base_url)
        completion = client.chat.completions.create(model=fake.enclave.model, messages=[...], e2ee=True)
        fake.enclave.prompts     # what the enclave decrypted

It holds its own secp256k1 key pair. `GET /tee/attestation` answers for the nonce asked
with a quote-shaped blob whose report data binds its signing address and that nonce;
an E2EE chat request (the `X-Venice-TEE-*` headers) must be streamed and have every user
and system content sealed to its key (else Venice's 400 errors), and gets its answer
back sealed to the client's key, a few bytes per delta (so UTF-8 characters are split
across deltas); `GET /tee/signature` then serves an EIP-191 signature of
`sha256(request body):sha256(response body)`. A chat request without the headers is
answered in plaintext (TEE-only mode), by whatever the server would have answered.

`enclave.faults` turns on misbehaviour, by name (see `FAULTS`), for fail-closed tests.
The quote is not signed by Intel: only venice_ext's own checks can pass over it.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import secrets
import threading
from typing import Any
from urllib.parse import parse_qs

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

from venice_ext.e2ee._address import address_of, personal_message_digest
from venice_ext.e2ee._crypto import SealError, looks_sealed, open_sealed, parse_public_key, public_bytes, seal
from venice_ext.e2ee._quote import TdxQuote
from venice_ext.testing._replies import SSE, Action, RecordedRequest, Reply, Respond

__all__ = ["ENCLAVE_MODEL", "FAULTS", "FakeEnclave"]

ENCLAVE_MODEL = "e2ee-qwen3-6-27b"
FAULTS = frozenset(
    {
        # attestation
        "unverified",  # verified: false
        "wrong_nonce",  # attests a nonce of its own instead of the client's
        "replay",  # serves the first attestation it ever made, verbatim
        "replay_rewritten",  # that stale attestation, its nonce fields rewritten to the client's
        "wrong_model",  # attests another model
        "debug",  # the quote's TD attributes have the debug bit set
        "swap_key",  # another key in signing_key, the attested address kept
        "swap_identity",  # another key and its own address; the quote still binds the real one
        "no_quote",  # no intel_quote
        "stale_gpu_nonce",  # the NVIDIA evidence names another nonce
        # streamed answer
        "tamper_chunk",  # one ciphertext byte of the second content delta flipped
        "plaintext_chunk",  # the second content delta sent unencrypted
        "wrong_session_key",  # deltas sealed to a key that is not the client's
        "drifted_created",  # every chunk's `created` a string: the assembled answer misfits the spec
        # signature
        "bad_signature",  # signed by another key
        "signature_other_address",  # names another signing address
        "no_signature",  # 404
        "unbound_signature",  # signed by the right key, over other hashes
    }
)
_CURVE = ec.SECP256K1()
_DELTA_BYTES = 7  # small and odd, so multi-byte characters are split across deltas


class _Faults(set[str]):
    """The faults turned on; a name that is not in FAULTS is refused when added, not when served."""

    def add(self, name: str) -> None:
        if name not in FAULTS:
            raise ValueError(f"unknown enclave fault {name!r}; known: {', '.join(sorted(FAULTS))}")
        super().add(name)

    def update(self, *names: Any) -> None:
        for group in names:
            for name in group:
                self.add(name)


def _error(status: int, message: str) -> Reply:
    return Reply(status, json={"error": message})


def _sign(key: ec.EllipticCurvePrivateKey, text: str) -> str:
    der = key.sign(personal_message_digest(text), ec.ECDSA(Prehashed(hashes.SHA256())))
    r, s = decode_dss_signature(der)
    # v is not computed (that needs public key recovery); venice_ext verifies against the attested key.
    return "0x" + r.to_bytes(32, "big").hex() + s.to_bytes(32, "big").hex() + "1b"


class FakeEnclave:
    """The E2EE model `model`, with its own key; install it on a FakeVenice (`FakeVenice(enclave=True)` does)."""

    def __init__(self, model: str = ENCLAVE_MODEL, *, reasoning: str = "Reading the sealed prompt.") -> None:
        self.model = model
        self.reasoning = reasoning
        self.faults: set[str] = _Faults()
        self.prompts: list[list[dict[str, Any]]] = []
        self._key = ec.generate_private_key(_CURVE)
        self._impostor = ec.generate_private_key(_CURVE)
        self.public_key_hex = public_bytes(self._key.public_key()).hex()
        self.signing_address = address_of(public_bytes(self._key.public_key()))
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._signatures: dict[str, dict[str, Any]] = {}
        self._first_attestation: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"FakeEnclave(model={self.model!r}, signing_address={self.signing_address!r})"

    def answer_for(self, messages: list[dict[str, Any]]) -> str:
        """What the enclave says: it repeats the last user message, to show it read it."""
        last = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
        return f"Enclave heard: {last}"

    def install(self, fake: Any) -> None:
        fake.set_default("GET", "/tee/attestation", Respond(self._attestation))
        fake.set_default("GET", "/tee/signature", Respond(self._signature))
        fake.wrap_default("POST", "/chat/completions", lambda previous: Respond(lambda r: self._chat(r, previous)))
        # Listed with its own entry, also where Venice's listing has the model: the enclave is this one.
        fake.add_model(self.model, "text", **self._model_spec())

    # -- attestation ----------------------------------------------------------------------

    def _attestation(self, request: RecordedRequest) -> Action:
        query = parse_qs(request.query)
        model, nonce = query.get("model", [""])[0], query.get("nonce", [""])[0]
        if model != self.model:
            return _error(404, f"Model {model} does not support TEE attestation")
        if len(nonce) != 64 or not looks_hex(nonce):
            return _error(400, "Nonce must be exactly 32 bytes")
        fresh = self._document(secrets.token_hex(32) if "wrong_nonce" in self.faults else nonce)
        with self._lock:
            if self._first_attestation is None:
                self._first_attestation = copy.deepcopy(fresh)
            first = copy.deepcopy(self._first_attestation)
        if "replay" in self.faults:
            return Reply(json=first)
        if "replay_rewritten" in self.faults:
            return Reply(json={**first, "nonce": nonce, "request_nonce": nonce})
        return Reply(json=fresh)

    def _document(self, nonce: str) -> dict[str, Any]:
        address = self.signing_address
        report_data = bytes.fromhex(address[2:]).ljust(32, b"\x00") + bytes.fromhex(nonce)
        key_hex = self.public_key_hex
        if "swap_key" in self.faults or "swap_identity" in self.faults:
            key_hex = public_bytes(self._impostor.public_key()).hex()
            if "swap_identity" in self.faults:
                address = address_of(bytes.fromhex(key_hex))
        gpu_nonce = secrets.token_hex(32) if "stale_gpu_nonce" in self.faults else nonce
        document: dict[str, Any] = {
            "verified": "unverified" not in self.faults,
            "nonce": nonce,
            "request_nonce": nonce,
            "nonce_source": "client",
            "model": "e2ee-some-other-model" if "wrong_model" in self.faults else self.model,
            "tee_provider": "fake-enclave",
            "tee_hardware": "intel-tdx",
            "signing_key": key_hex,
            "signing_address": address,
            "signing_algo": "ecdsa",
            "intel_quote": TdxQuote.build(report_data, debug="debug" in self.faults).hex(),
            "nvidia_payload": json.dumps({"nonce": gpu_nonce, "arch": "HOPPER", "evidence_list": []}),
            "server_verification": {"tdx": {"valid": True}, "nvidia": {"valid": True}},
        }
        if "no_quote" in self.faults:
            del document["intel_quote"]
        return document

    # -- chat -------------------------------------------------------------------------------

    def _chat(self, request: RecordedRequest, previous: Action | None) -> Action:
        try:
            body = json.loads(request.body)
        except ValueError:
            body = None
        headers = request.headers
        e2ee = "x-venice-tee-client-pub-key" in headers or "x-venice-tee-model-pub-key" in headers
        if not isinstance(body, dict) or body.get("model") != self.model or not e2ee:
            return previous if previous is not None else _error(404, "Not found")
        if headers.get("x-venice-tee-signing-algo") != "ecdsa":
            return _error(400, "Unsupported signing algorithm")
        try:
            client_key = parse_public_key(headers.get("x-venice-tee-client-pub-key", ""))
            model_key = public_bytes(parse_public_key(headers.get("x-venice-tee-model-pub-key", ""))).hex()
        except ValueError:
            return _error(400, "Invalid public key")
        if model_key != self.public_key_hex:
            return _error(400, "Invalid public key")
        if body.get("stream") is not True:
            return _error(400, "E2EE requires streaming")
        messages = body.get("messages")
        if not isinstance(messages, list):
            return _error(400, "Invalid request parameters")
        opened = []
        for message in messages:
            message = dict(message)
            if message.get("role") in ("user", "system"):
                content = message.get("content")
                if not isinstance(content, str) or not looks_sealed(content):
                    return _error(400, "Encrypted field is not valid hex")
                try:
                    message["content"] = open_sealed(content, self._key).decode("utf-8")
                except (SealError, UnicodeDecodeError):
                    return _error(400, "Failed to decrypt field")
            opened.append(message)
        with self._lock:
            self.prompts.append(opened)
            completion_id = f"chatcmpl-e2ee-{next(self._ids):04d}"
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        frames = self._frames(completion_id, opened, client_key, include_usage)
        self._store_signature(completion_id, request.body, b"".join(frames))
        return SSE(frames, done=False)

    def _frames(
        self, completion_id: str, opened: list[dict[str, Any]], client_key: ec.EllipticCurvePublicKey, usage: bool
    ) -> list[bytes]:
        recipient = self._impostor.public_key() if "wrong_session_key" in self.faults else client_key
        answer = self.answer_for(opened).encode("utf-8")
        pieces = [answer[start : start + _DELTA_BYTES] for start in range(0, len(answer), _DELTA_BYTES)]
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        deltas.append({"reasoning_content": seal(self.reasoning.encode(), recipient)})
        for number, piece in enumerate(pieces):
            sealed = seal(piece, recipient)
            if number == 1 and "tamper_chunk" in self.faults:
                at = 2 * (65 + 12) + 3  # a ciphertext digit
                sealed = sealed[:at] + ("0" if sealed[at] != "0" else "1") + sealed[at + 1 :]
            if number == 1 and "plaintext_chunk" in self.faults:
                sealed = piece.decode("utf-8", errors="replace")
            deltas.append({"content": sealed})
        created: int | str = "1787304600" if "drifted_created" in self.faults else 1787304600
        base: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": self.model,
        }
        events = []
        for index, delta in enumerate(deltas):
            finish = "stop" if index == len(deltas) - 1 else None
            events.append({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
        if usage:
            prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in opened)
            completion_tokens = len(answer.split())
            counts = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}
            counts["total_tokens"] = prompt_tokens + completion_tokens
            events.append({**base, "choices": [], "usage": counts})
        return [b"data: " + json.dumps(event).encode() + b"\n\n" for event in events] + [b"data: [DONE]\n\n"]

    # -- signatures and the model listing ------------------------------------------------------

    def _store_signature(self, completion_id: str, request_body: bytes, response_body: bytes) -> None:
        request_hash = hashlib.sha256(request_body).hexdigest()
        response_hash = hashlib.sha256(response_body).hexdigest()
        if "unbound_signature" in self.faults:
            response_hash = hashlib.sha256(b"another answer").hexdigest()
        text = f"{request_hash}:{response_hash}"
        signer = self._impostor if "bad_signature" in self.faults else self._key
        address = self.signing_address
        if "signature_other_address" in self.faults:
            address = address_of(public_bytes(self._impostor.public_key()))
        signature = {"text": text, "signature": _sign(signer, text), "signing_address": address}
        signature["signing_algo"] = "ecdsa"
        with self._lock:
            self._signatures[completion_id] = signature

    def _signature(self, request: RecordedRequest) -> Action:
        query = parse_qs(request.query)
        model, request_id = query.get("model", [""])[0], query.get("request_id", [""])[0]
        with self._lock:
            signature = self._signatures.get(request_id)
        if model != self.model or signature is None or "no_signature" in self.faults:
            return _error(404, f"No signature found for request {request_id}")
        return Reply(json=signature)

    def _model_spec(self) -> dict[str, Any]:
        capabilities = {
            "optimizedForCode": False,
            "quantization": "fp8",
            "supportsAudioInput": False,
            "supportsFunctionCalling": False,
            "supportsLogProbs": False,
            "supportsMultipleImages": False,
            "supportsReasoning": True,
            "supportsReasoningEffort": False,
            "supportsResponseSchema": False,
            "supportsTeeAttestation": True,
            "supportsE2EE": True,
            "supportsVideoInput": False,
            "supportsVision": False,
            "supportsWebSearch": False,
            "supportsXSearch": False,
        }
        return {
            "name": "Qwen 3.6 27B (E2EE)",
            "privacy": "private",
            "availableContextTokens": 131072,
            "pricing": {"input": {"usd": 0.3, "diem": 0.3}, "output": {"usd": 1.2, "diem": 1.2}},
            "traits": [],
            "capabilities": capabilities,
        }


def looks_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)
