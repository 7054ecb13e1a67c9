"""Typed chat completion chunks, the pieces of a streamed answer.

The spec declares no chunk schema, so these are ours: msgspec structs, decoded
straight from an event's JSON text in one pass (this runs once per streamed
token; a dict first and objects built from it cost four times as much). Values
are not validated beyond the shape (a chunk is an object, `choices` a list of
objects...), as before: what the accumulator cannot use raises ChunkError there.

A field Venice adds is never lost: `raw` is the whole chunk as decoded JSON
(decoded from the kept text the first time it is asked for), `extra` what these
types do not know. The unknown fields of a choice or delta are in `raw` too.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

__all__ = [
    "ChatCompletionChunk",
    "ChoiceDelta",
    "ChunkChoice",
    "ChunkError",
    "FunctionDelta",
    "ToolCallDelta",
    "decode_chunk",
    "decode_chunk_struct",
]


class ChunkError(ValueError):
    """A chunk that is not shaped like a chat completion chunk."""


class _Typed:
    """Hand-built typed JSON objects (the Responses stream's events) keep their `raw` dict."""

    __slots__ = ("raw",)
    _KNOWN: frozenset[str] = frozenset()

    raw: dict[str, Any]

    @property
    def extra(self) -> dict[str, Any]:
        """Fields of the raw JSON this model does not type."""
        return {key: value for key, value in self.raw.items() if key not in self._KNOWN}

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Typed) and type(other) is type(self) and self.raw == other.raw

    __hash__ = None  # type: ignore[assignment]


class FunctionDelta(msgspec.Struct, gc=False):
    name: Any = None
    arguments: Any = None


class ToolCallDelta(msgspec.Struct, gc=False):
    index: Any = 0
    id: Any = None
    type: Any = None
    function: FunctionDelta | None = None


class ChoiceDelta(msgspec.Struct, gc=False):
    role: Any = None
    content: Any = None
    reasoning_content: Any = None
    tool_calls: list[ToolCallDelta] | None = None


class ChunkChoice(msgspec.Struct, gc=False):
    index: Any = 0
    delta: ChoiceDelta = msgspec.field(default_factory=ChoiceDelta)
    finish_reason: Any = None
    stop_reason: Any = None
    logprobs: Any = None


_KNOWN = frozenset({"id", "object", "created", "model", "choices", "usage", "venice_parameters", "system_fingerprint"})
# The kept source lives in a field no JSON key can reach by accident; typed() always sets it.
_SOURCE_KEY = "__venice_ext_source__"


class ChatCompletionChunk(msgspec.Struct, gc=False, rename={"source": _SOURCE_KEY}, repr_omit_defaults=True):
    """One `chat.completion.chunk`. `usage` arrives in a last chunk with no choices
    (when `stream_options.include_usage` is set); `venice_parameters`, with the web
    search citations, in the first."""

    id: Any = ""
    object: Any = "chat.completion.chunk"
    created: Any = 0
    model: Any = ""
    # UNSET until typed(): the key was missing (an error payload, say), which decode_chunk looks at.
    choices: list[ChunkChoice] = msgspec.UNSET  # type: ignore[assignment]
    usage: Any = None
    venice_parameters: Any = None
    system_fingerprint: Any = None
    source: Any = None  # the JSON text (str or UTF-8 bytes), or the decoded dict, this chunk came from

    @property
    def raw(self) -> dict[str, Any]:
        """The whole chunk as decoded JSON, unknown fields included."""
        source = self.source
        if isinstance(source, str | bytes):
            source = self.source = json.loads(source)
        return source  # type: ignore[no-any-return]

    @property
    def extra(self) -> dict[str, Any]:
        """Top-level fields of the raw JSON this model does not type."""
        return {key: value for key, value in self.raw.items() if key not in _KNOWN}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChatCompletionChunk) and self.raw == other.raw

    __hash__ = None  # type: ignore[assignment]

    def typed(self, source: Any) -> ChatCompletionChunk:
        self.source = source
        if self.choices is msgspec.UNSET:  # type: ignore[comparison-overlap]
            self.choices = []
        return self

    @classmethod
    def from_json(cls, raw: Any) -> ChatCompletionChunk:
        """Type a decoded chunk; ChunkError (naming the problem) if it is not shaped like one.
        `choices: null` and `delta: null` are read as empty, as a dict-reading client would."""
        try:
            chunk = msgspec.convert(_nulls_as_empty(raw), cls)
        except (msgspec.ValidationError, RecursionError) as exc:
            raise ChunkError(f"not a chat completion chunk ({exc}): {str(raw)[:200]}") from exc
        return chunk.typed(raw)


def _nulls_as_empty(raw: Any) -> Any:
    if type(raw) is not dict:
        return raw
    choices = raw.get("choices", [])
    if choices is None:
        return {**raw, "choices": []}
    if type(choices) is list and any(type(c) is dict and c.get("delta", {}) is None for c in choices):
        fixed = [{**c, "delta": {}} if type(c) is dict and c.get("delta", {}) is None else c for c in choices]
        return {**raw, "choices": fixed}
    return raw


# A chunk from JSON text in one pass; msgspec.DecodeError (ValidationError is one) when it is
# not JSON msgspec reads, or not the shape. choices is UNSET when the key is missing.
decode_chunk_struct = msgspec.json.Decoder(ChatCompletionChunk).decode


def decode_chunk(text: str | bytes) -> ChatCompletionChunk | None:
    """The chunk an event's JSON text holds, or None when it is not one msgspec can type at
    once (not JSON to msgspec, another shape, no `choices`): the caller takes the general path."""
    try:
        chunk = decode_chunk_struct(text)
    except (msgspec.DecodeError, RecursionError):
        return None
    if chunk.choices is msgspec.UNSET:  # type: ignore[comparison-overlap]
        return None
    return chunk.typed(text)
