"""One E2EE stream: a fresh session key, the prompt sealed to the attested model key, the
deltas opened as they arrive.

The handler opens `content` and `reasoning_content` of every delta before the chunk is
typed and accumulated, so callers see plaintext chunks, `text_deltas()` and `final()`
as with any stream. A delta that is not sealed, does not open, or leaves a UTF-8
character unfinished is an E2EEDecryptionError: nothing unauthenticated is shown.
Decoding is incremental per choice and field, so a character the enclave split over
two deltas comes out whole.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from venice_ext._core._chunks import ChatCompletionChunk
from venice_ext._core._handlers import DONE, ChatChunkHandler
from venice_ext._core._sse import ServerSentEvent
from venice_ext.e2ee._crypto import SealError, SessionKey, looks_sealed, parse_public_key, seal
from venice_ext.e2ee._guard import ENCRYPTED_ROLES
from venice_ext.e2ee._types import VerifiedAttestation
from venice_ext.errors import E2EEDecryptionError, StreamInterruptedError

__all__ = ["HEADER_CLIENT_KEY", "HEADER_MODEL_KEY", "HEADER_SIGNING_ALGO", "DecryptingChunkHandler", "E2EESession"]

HEADER_CLIENT_KEY = "X-Venice-TEE-Client-Pub-Key"
HEADER_MODEL_KEY = "X-Venice-TEE-Model-Pub-Key"
HEADER_SIGNING_ALGO = "X-Venice-TEE-Signing-Algo"
_SEALED_FIELDS = ("content", "reasoning_content")


class E2EESession:
    """The attested model key and this stream's own key pair (new for every stream)."""

    __slots__ = ("_key", "_model_key", "attested")

    def __init__(self, attested: VerifiedAttestation) -> None:
        self.attested = attested
        self._key = SessionKey()
        self._model_key = parse_public_key(attested.model_key_hex)

    @property
    def model(self) -> str:
        return self.attested.model

    @property
    def client_public_key(self) -> str:
        return self._key.public_hex

    def headers(self) -> dict[str, str]:
        # The model key goes back exactly as the attestation spelled it.
        return {
            HEADER_CLIENT_KEY: self._key.public_hex,
            HEADER_MODEL_KEY: self.attested.attestation.signing_key or self.attested.model_key_hex,
            HEADER_SIGNING_ALGO: "ecdsa",
        }

    def seal_messages(self, messages: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Every user and system content sealed to the model key; other messages as they are."""
        sealed = []
        for message in messages:
            copy = dict(message)
            if copy.get("role") in ENCRYPTED_ROLES:
                copy["content"] = seal(copy["content"].encode("utf-8"), self._model_key)
            sealed.append(copy)
        return sealed

    def open(self, sealed_hex: str) -> bytes:
        return self._key.open(sealed_hex)

    def __repr__(self) -> str:
        return f"E2EESession(model={self.model!r}, client_public_key={self._key.public_hex[:18]}...)"


class DecryptingChunkHandler(ChatChunkHandler):
    """ChatChunkHandler over sealed deltas: opens them, then types and accumulates as usual."""

    def __init__(self, headers: httpx.Headers, session: E2EESession, *, strict: bool = False) -> None:
        super().__init__(headers, strict=strict)
        self.session = session
        self._decoders: dict[tuple[int, str], codecs.IncrementalDecoder] = {}
        self._opened = 0

    # Sealed deltas are opened in the event's text, so every event comes as one.
    plain_payloads = False

    def on_event(self, event: ServerSentEvent | bytes) -> ChatCompletionChunk | None:
        assert isinstance(event, ServerSentEvent)  # plain_payloads is False: the stream never hands bytes
        if event.data == DONE:
            self._finish()
            return super().on_event(event)
        return super().on_event(self._opened_event(event))

    def incomplete(self) -> StreamInterruptedError | None:
        error = super().incomplete()
        if error is None:
            self._finish()
        return error

    def _opened_event(self, event: ServerSentEvent) -> ServerSentEvent:
        try:
            payload = json.loads(event.data)
        except ValueError:
            return event  # the base handler raises the typed error for what is not JSON
        if type(payload) is not dict or type(payload.get("choices")) is not list:
            return event
        request_id = payload.get("id") if isinstance(payload.get("id"), str) else None
        for choice in payload["choices"]:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            if not isinstance(delta, dict):
                continue
            if delta.get("tool_calls"):
                raise self._error("tool_calls", "the enclave sent tool calls, which E2EE cannot carry", request_id)
            for field in _SEALED_FIELDS:
                value = delta.get(field)
                if value is not None and value != "":
                    delta[field] = self._open(choice.get("index", 0), field, value, request_id)
        return event._replace(data=json.dumps(payload))

    def _open(self, index: Any, field: str, value: Any, request_id: str | None) -> str:
        if not isinstance(value, str) or not looks_sealed(value):
            raise self._error("plaintext_chunk", f"a {field} delta arrived unencrypted; it is not shown", request_id)
        try:
            plaintext = self.session.open(value)
        except SealError as exc:
            raise self._error("chunk", f"a {field} delta does not decrypt: {exc}", request_id) from exc
        self._opened += 1
        decoder = self._decoders.get((index, field))
        if decoder is None:
            decoder = self._decoders[(index, field)] = codecs.getincrementaldecoder("utf-8")()
        try:
            return decoder.decode(plaintext)
        except UnicodeDecodeError as exc:
            raise self._error("utf8", f"a {field} delta is not UTF-8", request_id) from exc

    def _finish(self) -> None:
        for (_index, field), decoder in self._decoders.items():
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise self._error("utf8", f"the {field} ends inside a UTF-8 character", None) from exc

    def _error(self, check: str, message: str, request_id: str | None) -> E2EEDecryptionError:
        request_id = request_id or self.accumulator.id or None
        where = f" (after {self._opened} opened deltas)"
        return E2EEDecryptionError(message + where, check=check, model=self.session.model, request_id=request_id)

    @property
    def deltas_opened(self) -> int:
        return self._opened
