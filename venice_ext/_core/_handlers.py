"""What a stream does with each SSE event, apart from the I/O: pure, shared by both twins.

A handler types an event, raises the typed error of an error event, accumulates,
spots the end marker, and says whether a stream that just ended was complete.
`ChatChunkHandler` takes a plain event as its data's bytes (SSEDecoder.feed_payloads)
and types them with msgspec at once; anything else goes through the general path,
which gives the same chunk or the same typed error (a hypothesis property says so).
"""

from __future__ import annotations

import json
from typing import Any, Protocol, TypeVar, cast

import httpx
import msgspec

from venice_ext._core._accumulate import ChatCompletionAccumulator
from venice_ext._core._chunks import ChatCompletionChunk, ChunkError, decode_chunk, decode_chunk_struct
from venice_ext._core._drift import drifted_json
from venice_ext._core._errors_from import error_from_stream_payload, request_id_of
from venice_ext._core._sse import ServerSentEvent
from venice_ext._core._symbols import CreateChatCompletionResponse, ModelParseError
from venice_ext.errors import (
    APITimeoutError,
    ResponseValidationError,
    StreamInterruptedError,
    StreamTimeoutError,
    VeniceError,
)

__all__ = ["DONE", "DONE_BYTES", "ChatChunkHandler", "EventHandler", "decode_payload"]

T_co = TypeVar("T_co", covariant=True)
DONE = "[DONE]"
DONE_BYTES = b"[DONE]"
_UNSET: Any = msgspec.UNSET


class EventHandler(Protocol[T_co]):
    done: bool

    def on_event(self, event: ServerSentEvent) -> T_co | None:
        """The item for this event, None if it yields nothing; raises the typed error of an error event."""

    def incomplete(self) -> StreamInterruptedError | None:
        """At the end of the body: the error to raise if the stream stopped short."""


def decode_payload(event: ServerSentEvent, headers: httpx.Headers) -> Any:
    """The JSON of an event; an error event raises its typed error."""
    try:
        payload = json.loads(event.data)
    except ValueError as exc:
        raise ResponseValidationError(
            f"stream event is not JSON: {event.data[:200]!r}",
            status_code=200,
            body=event.data.encode(),
            request_id=request_id_of(headers),
        ) from exc
    if event.event == "error" or (isinstance(payload, dict) and "error" in payload and "choices" not in payload):
        raise error_from_stream_payload(payload, headers=headers)
    return payload


class ChatChunkHandler:
    """Chat completion chunks: typing, accumulation, `[DONE]`, completeness."""

    def __init__(self, headers: httpx.Headers, *, strict: bool = False) -> None:
        self.headers = headers
        self.strict = strict
        self.accumulator = ChatCompletionAccumulator()
        self._add = self.accumulator.add
        self.done = False

    # The stream hands plain events over as their data's bytes (SSEDecoder.feed_payloads).
    plain_payloads = True

    def on_event(self, event: ServerSentEvent | bytes) -> ChatCompletionChunk | None:
        if type(event) is bytes:  # the common case, inlined: one per streamed token
            if event == DONE_BYTES:
                self.done = True
                return None
            try:
                chunk = decode_chunk_struct(event)
            except (msgspec.DecodeError, RecursionError):
                chunk = None  # not UTF-8, not JSON to msgspec: the general path says which
            if chunk is None or chunk.choices is _UNSET:  # not a plain chunk: the general path types it
                return self.on_event(ServerSentEvent(event.decode("utf-8", "replace")))
            chunk.source = event
            try:
                self._add(chunk)
            except (ChunkError, RecursionError) as exc:
                raise self._invalid(exc, event) from exc
            return chunk
        assert isinstance(event, ServerSentEvent)
        data = event.data
        if data == DONE:
            self.done = True
            return None
        plain = decode_chunk(data) if event.event != "error" else None
        try:
            # Not a plain chunk: an error event, odd JSON, or no JSON at all.
            typed = plain if plain is not None else ChatCompletionChunk.from_json(decode_payload(event, self.headers))
            self._add(typed)
        except (ChunkError, RecursionError) as exc:
            raise self._invalid(exc, event.data.encode("utf-8", "surrogatepass")) from exc
        return typed

    def _invalid(self, exc: Exception, body: bytes) -> ResponseValidationError:
        return ResponseValidationError(
            str(exc) if isinstance(exc, ChunkError) else "a chunk nested too deep to read",
            status_code=200,
            body=body,
            request_id=request_id_of(self.headers),
        )

    def incomplete(self) -> StreamInterruptedError | None:
        if self.done or self.accumulator.finished:
            return None
        return StreamInterruptedError(
            f"the stream ended after {self.accumulator.chunks} chunks without [DONE] or a finish reason",
            partial=self.accumulator.to_json(),
            chunks_received=self.accumulator.chunks,
        )

    def interrupted(self, cause: VeniceError) -> StreamInterruptedError:
        kind = StreamTimeoutError if isinstance(cause, APITimeoutError) else StreamInterruptedError
        return kind(
            f"the stream broke after {self.accumulator.chunks} chunks: {cause}",
            partial=self.accumulator.to_json(),
            chunks_received=self.accumulator.chunks,
        )

    def completion(self) -> CreateChatCompletionResponse:
        """The assembled completion; drifted from the spec, a DriftedBody and a warning, as a
        whole answer would be (strict, the ResponseValidationError)."""
        assembled = self.accumulator.to_json(completed=self.done)
        try:
            return CreateChatCompletionResponse.from_dict(assembled)
        except ModelParseError as exc:
            drifted = drifted_json(
                "the assembled completion",
                assembled,
                exc,
                strict=self.strict,
                status_code=200,
                body=json.dumps(assembled).encode(),
                request_id=request_id_of(self.headers),
            )
            return cast(CreateChatCompletionResponse, drifted)
