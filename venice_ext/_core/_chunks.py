"""Typed chat completion chunks, the pieces of a streamed answer.

The spec declares no chunk schema, so these are ours. Each object keeps the
decoded JSON it came from in `raw`, and `extra` lists what this model does not
know, so a field Venice adds is never lost. Built by hand from the decoded dict
(no validation pass, no per-field copying): this runs once per streamed token.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ChatCompletionChunk", "ChoiceDelta", "ChunkChoice", "ChunkError", "FunctionDelta", "ToolCallDelta"]


class ChunkError(ValueError):
    """A chunk that is not shaped like a chat completion chunk."""


class _Typed:
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


class FunctionDelta(_Typed):
    __slots__ = ("arguments", "name")
    _KNOWN = frozenset({"name", "arguments"})

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.name: str | None = raw.get("name")
        self.arguments: str | None = raw.get("arguments")


class ToolCallDelta(_Typed):
    __slots__ = ("function", "id", "index", "type")
    _KNOWN = frozenset({"index", "id", "type", "function"})

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.index: int = raw.get("index", 0)
        self.id: str | None = raw.get("id")
        self.type: str | None = raw.get("type")
        function = raw.get("function")
        self.function: FunctionDelta | None = FunctionDelta(function) if function is not None else None


class ChoiceDelta(_Typed):
    __slots__ = ("content", "reasoning_content", "role", "tool_calls")
    _KNOWN = frozenset({"role", "content", "reasoning_content", "tool_calls"})

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.role: str | None = raw.get("role")
        self.content: str | None = raw.get("content")
        self.reasoning_content: str | None = raw.get("reasoning_content")
        calls = raw.get("tool_calls")
        self.tool_calls: list[ToolCallDelta] | None = [ToolCallDelta(c) for c in calls] if calls else None


class ChunkChoice(_Typed):
    __slots__ = ("delta", "finish_reason", "index", "logprobs", "stop_reason")
    _KNOWN = frozenset({"index", "delta", "finish_reason", "logprobs", "stop_reason"})

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.index: int = raw.get("index", 0)
        self.delta = ChoiceDelta(raw.get("delta") or {})
        self.finish_reason: str | None = raw.get("finish_reason")
        self.stop_reason: str | None = raw.get("stop_reason")
        self.logprobs: Any = raw.get("logprobs")


class ChatCompletionChunk(_Typed):
    """One `chat.completion.chunk`. `usage` arrives in a last chunk with no choices
    (when `stream_options.include_usage` is set); `venice_parameters`, with the web
    search citations, in the first."""

    __slots__ = ("choices", "created", "id", "model", "object", "usage", "venice_parameters")
    _KNOWN = frozenset({"id", "object", "created", "model", "choices", "usage", "venice_parameters"})

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.id: str = raw.get("id", "")
        self.object: str = raw.get("object", "chat.completion.chunk")
        self.created: int = raw.get("created", 0)
        self.model: str = raw.get("model", "")
        self.choices = [ChunkChoice(choice) for choice in raw.get("choices") or ()]
        self.usage: dict[str, Any] | None = raw.get("usage")
        self.venice_parameters: dict[str, Any] | None = raw.get("venice_parameters")

    @classmethod
    def from_json(cls, raw: Any) -> ChatCompletionChunk:
        """Type a decoded chunk; ChunkError (naming the problem) if it is not shaped like one."""
        try:
            return cls(raw)
        except (AttributeError, TypeError) as exc:
            raise ChunkError(f"not a chat completion chunk ({exc}): {str(raw)[:200]}") from exc
