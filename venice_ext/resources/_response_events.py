"""The events of a streamed response, and what they add up to.

A streamed response is a sequence of events, each naming itself in its JSON
`type` (and usually in the SSE `event:` field too). The spec declares no event
schema, so `ResponseStreamEvent` follows OpenAI's Responses streaming events,
which Venice passes through for OpenAI models and imitates for the others; a
type this module does not know still arrives typed, with its JSON in `raw`.

How a stream ends decides what `final()` does:

- `response.completed`: final() returns the response it carries;
- `response.incomplete` (max_output_tokens reached, say): final() returns that
  response as sent, with `status == "incomplete"` (and `incomplete_details` in its
  additional properties): the answer stopped early but is not broken, like a chat
  completion whose finish reason is "length";
- `response.failed`: iteration raises the typed error built from `response.error`;
- an `error` event raises its typed error;
- the body ending, or `[DONE]`, before one of these raises StreamInterruptedError,
  with the response assembled from what arrived in `partial`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

import httpx

from venice_ext._core._chunks import ChunkError, _Typed
from venice_ext._core._drift import drifted_json
from venice_ext._core._errors_from import error_from_stream_payload, request_id_of
from venice_ext._core._handlers import DONE, decode_payload
from venice_ext._core._sse import ServerSentEvent
from venice_ext._core._symbols import CreateResponseResponse, ModelParseError
from venice_ext.errors import (
    APIStatusError,
    APITimeoutError,
    ResponseValidationError,
    StreamInterruptedError,
    StreamTimeoutError,
    VeniceError,
)

__all__ = [
    "ARGUMENTS_DELTA",
    "TEXT_DELTA",
    "NullsAsAbsent",
    "ResponseEventHandler",
    "ResponseStreamEvent",
    "typed_response",
]

TEXT_DELTA = "response.output_text.delta"
ARGUMENTS_DELTA = "response.function_call_arguments.delta"
_FINISHED = frozenset({"response.completed", "response.incomplete"})
_FAILED = "response.failed"
_OBJECTS = ("response", "item", "part")
_INDEXES = ("sequence_number", "output_index", "content_index", "summary_index")


class ResponseStreamEvent(_Typed):
    """One event of a streamed response; the fields its type does not carry are None.

    `type` is the JSON `type`, or the SSE event name when the JSON has none.
    `response` is the whole response object (on `response.*` lifecycle events),
    `item` an output item (`response.output_item.*`), `part` a content part.
    """

    __slots__ = (
        "arguments",
        "content_index",
        "delta",
        "item",
        "item_id",
        "output_index",
        "part",
        "response",
        "sequence_number",
        "summary_index",
        "text",
        "type",
    )
    _KNOWN = frozenset(__slots__)

    def __init__(self, raw: dict[str, Any], event_name: str = "") -> None:
        self.raw = raw
        self.type: str = raw.get("type") or event_name
        self.sequence_number: int | None = raw.get("sequence_number")
        self.item_id: str | None = raw.get("item_id")
        self.output_index: int | None = raw.get("output_index")
        self.content_index: int | None = raw.get("content_index")
        self.summary_index: int | None = raw.get("summary_index")
        delta = raw.get("delta")
        self.delta: str | None = delta if isinstance(delta, str) else None
        self.text: str | None = raw.get("text")
        self.arguments: str | None = raw.get("arguments")
        self.item: dict[str, Any] | None = raw.get("item")
        self.part: dict[str, Any] | None = raw.get("part")
        self.response: dict[str, Any] | None = raw.get("response")

    @classmethod
    def from_json(cls, raw: Any, event_name: str = "") -> ResponseStreamEvent:
        """Type a decoded event; ChunkError if the fields the stream relies on have the wrong shape."""
        if not isinstance(raw, dict):
            raise ChunkError(f"not a response stream event: {str(raw)[:200]}")
        for name in _OBJECTS:
            if raw.get(name) is not None and not isinstance(raw[name], dict):
                raise ChunkError(f"response stream event: {name} must be an object: {str(raw)[:200]}")
        if raw.get("type") is not None and not isinstance(raw["type"], str):
            raise ChunkError(f"response stream event: type must be a string: {str(raw)[:200]}")
        for name in ("text", "arguments", "item_id"):
            if raw.get(name) is not None and not isinstance(raw[name], str):
                raise ChunkError(f"response stream event: {name} must be a string: {str(raw)[:200]}")
        for name in _INDEXES:
            value = raw.get(name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ChunkError(f"response stream event: {name} must be an integer: {str(raw)[:200]}")
        return cls(raw, event_name)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def typed_response(raw: Any, request_id: str | None, *, strict: bool = True) -> CreateResponseResponse:
    """The generated response model for a response object; ResponseValidationError if it does not fit.

    OpenAI models answer through Venice exactly as OpenAI does, with null for absent
    optional fields (`error`, `usage`, `encrypted_content`...), which the spec
    declares non-nullable; a second attempt reads those nulls as absent. Not `strict`, a
    response that still does not fit is a DriftedBody, with one SpecDriftWarning per path.
    """
    try:
        return CreateResponseResponse.from_dict(raw)
    except ModelParseError:
        pass
    try:
        return CreateResponseResponse.from_dict(_without_nulls(raw))
    except ModelParseError as exc:
        drifted = drifted_json(
            "the response",
            raw,
            exc,
            strict=strict,
            status_code=200,
            body=json.dumps(raw).encode(),
            request_id=request_id,
        )
        return cast(CreateResponseResponse, drifted)


class NullsAsAbsent:
    """An endpoint module whose 2xx answer is read as `typed_response` reads one: as sent,
    then, if that does not fit, with OpenAI's nulls as absent.

    Handed to the requester in place of the module, so that what still does not fit goes
    the usual way (a DriftedBody with its warning, or the strict error) and an answer the
    second reading types raises no warning at all.
    """

    def __init__(self, operation: Any) -> None:
        self._operation = operation
        self.METHOD: str = operation.METHOD
        self.PATH: str = operation.PATH
        self.request_kwargs: Callable[..., dict[str, Any]] = operation.request_kwargs

    def __getattr__(self, name: str) -> Any:
        return getattr(self._operation, name)

    def parse_success(
        self, response: httpx.Response, /, *, decode_json: Callable[[bytes], Any] = json.loads
    ) -> CreateResponseResponse:
        decoded: list[Any] = []  # the body, decoded once for both readings

        def decode_once(content: bytes) -> Any:
            if not decoded:
                decoded.append(decode_json(content))
            return decoded[0]

        try:
            parsed: CreateResponseResponse = self._operation.parse_success(response, decode_json=decode_once)
        except ModelParseError as first:
            try:
                parsed = self._operation.parse_success(
                    response, decode_json=lambda content: _without_nulls(decode_once(content))
                )
            except ModelParseError:
                raise first from None
        return parsed


class ResponseEventHandler:
    """Response stream events: typing, errors, the terminal event, and what arrived so far."""

    def __init__(self, headers: httpx.Headers, *, strict: bool = False) -> None:
        self.headers = headers
        self.strict = strict
        self.done = False
        self.events = 0
        # The response carried by the terminal event (completed or incomplete).
        self.response: dict[str, Any] | None = None
        self._snapshot: dict[str, Any] = {}
        self._items: dict[int, dict[str, Any]] = {}
        self._texts: dict[int, dict[int, list[str]]] = {}
        self._arguments: dict[int, list[str]] = {}

    def on_event(self, event: ServerSentEvent) -> ResponseStreamEvent | None:
        if self.done:
            return None  # whatever follows the terminal event in the same read is not part of the answer
        if event.data == DONE:
            if self.response is None:
                raise self._cut_short("sent [DONE]")
            self.done = True
            return None
        payload = decode_payload(event, self.headers)
        try:
            item = ResponseStreamEvent.from_json(payload, "" if event.event == "message" else event.event)
        except ChunkError as exc:
            raise self._invalid(str(exc), event) from exc
        if item.type == "error":
            # OpenAI's error event carries code and message at the top, not under "error".
            raise error_from_stream_payload(payload, headers=self.headers)
        self.events += 1
        self._track(item, event)
        return item

    def _track(self, item: ResponseStreamEvent, event: ServerSentEvent) -> None:
        kind = item.type
        if item.response is not None:
            self._snapshot = item.response
        if kind in _FINISHED:
            if item.response is None:
                raise self._invalid(f"{kind} without a response object", event)
            self.response = item.response
            self.done = True
        elif kind == _FAILED:
            raise self._failure(item)
        elif kind in (TEXT_DELTA, ARGUMENTS_DELTA):
            delta = item.raw.get("delta")
            if not isinstance(delta, str):
                raise self._invalid(f"{kind}: delta must be a string", event)
            index = item.output_index or 0
            if kind == TEXT_DELTA:
                self._texts.setdefault(index, {}).setdefault(item.content_index or 0, []).append(delta)
            else:
                self._arguments.setdefault(index, []).append(delta)
        elif kind.startswith("response.output_item.") and item.item is not None:
            index = item.output_index or 0
            self._items[index] = item.item
            if kind == "response.output_item.done":
                # The finished item carries its whole text; the deltas are now redundant.
                self._texts.pop(index, None)
                self._arguments.pop(index, None)

    def _failure(self, item: ResponseStreamEvent) -> APIStatusError:
        response = item.response or {}
        error = response.get("error")
        detail = error if isinstance(error, dict) else {"message": "the response failed"}
        return error_from_stream_payload({"error": detail, "response": response}, headers=self.headers)

    def _invalid(self, message: str, event: ServerSentEvent) -> ResponseValidationError:
        return ResponseValidationError(
            message, status_code=200, body=event.data.encode(), request_id=request_id_of(self.headers)
        )

    def partial(self) -> dict[str, Any]:
        """The response as far as it arrived: the latest snapshot, with the output streamed since."""
        output: list[dict[str, Any]] = []
        for index in sorted(self._items.keys() | self._texts.keys() | self._arguments.keys()):
            item = dict(self._items.get(index) or {"type": "message", "role": "assistant", "content": []})
            texts = self._texts.get(index)
            if texts:
                content = [dict(part) if isinstance(part, dict) else {} for part in item.get("content") or ()]
                for position, pieces in sorted(texts.items()):
                    while len(content) <= position:
                        content.append({"type": "output_text", "text": ""})
                    content[position]["text"] = str(content[position].get("text") or "") + "".join(pieces)
                item["content"] = content
            arguments = self._arguments.get(index)
            if arguments:
                item["arguments"] = str(item.get("arguments") or "") + "".join(arguments)
            output.append(item)
        return {**self._snapshot, "output": output or self._snapshot.get("output") or []}

    def _cut_short(self, how: str) -> StreamInterruptedError:
        return StreamInterruptedError(
            f"the stream {how} after {self.events} events without response.completed",
            partial=self.partial(),
            chunks_received=self.events,
        )

    def incomplete(self) -> StreamInterruptedError | None:
        return None if self.done else self._cut_short("ended")

    def interrupted(self, cause: VeniceError) -> StreamInterruptedError:
        kind = StreamTimeoutError if isinstance(cause, APITimeoutError) else StreamInterruptedError
        return kind(
            f"the stream broke after {self.events} events: {cause}",
            partial=self.partial(),
            chunks_received=self.events,
        )

    def completion(self) -> CreateResponseResponse:
        if self.response is None:
            raise self._cut_short("stopped")
        return typed_response(self.response, request_id_of(self.headers), strict=self.strict)
