"""Assembling a full chat completion from streamed chunks. Pure: chunks in, JSON out.

Per choice: content and reasoning are concatenated, tool calls are merged by
their `index` (id, type and name from whichever delta carries them, argument
fragments joined in arrival order, even when two calls interleave), and the
finish and stop reasons are kept. `usage` comes from the usage chunk, and
`venice_parameters` (web search citations...) from the first chunk that has them.

Text is kept as UTF-8 in bytearrays: appending is amortised O(1), and a long
stream costs about one byte per character, never an object per chunk.
"""

from __future__ import annotations

from typing import Any

from venice_ext._core._chunks import ChatCompletionChunk, ChunkError

__all__ = ["ChatCompletionAccumulator"]


class _ToolCall:
    __slots__ = ("arguments", "extra", "id", "name", "type")

    def __init__(self) -> None:
        self.id: str | None = None
        self.type: str | None = None
        self.name: str | None = None
        self.arguments = bytearray()
        self.extra: dict[str, Any] = {}

    def to_json(self) -> dict[str, Any]:
        return {
            **self.extra,
            "id": self.id or "",
            "type": self.type or "function",
            "function": {"name": self.name or "", "arguments": _text(self.arguments)},
        }


class _Choice:
    __slots__ = ("content", "extra", "finish_reason", "logprobs", "reasoning", "role", "stop_reason", "tool_calls")

    def __init__(self) -> None:
        self.role: str | None = None
        self.content = bytearray()
        self.reasoning = bytearray()
        self.tool_calls: dict[int, _ToolCall] = {}
        self.finish_reason: str | None = None
        self.stop_reason: str | None = None
        self.logprobs: list[Any] | None = None
        self.extra: dict[str, Any] = {}

    def to_json(self, index: int) -> dict[str, Any]:
        message: dict[str, Any] = {
            **self.extra,
            "role": self.role or "assistant",
            "content": _text(self.content) if self.content or not self.tool_calls else None,
            "reasoning_content": _text(self.reasoning) if self.reasoning else None,
            "tool_calls": [self.tool_calls[i].to_json() for i in sorted(self.tool_calls)],
        }
        return {
            "index": index,
            "message": message,
            "finish_reason": self.finish_reason,
            "stop_reason": self.stop_reason,
            "logprobs": {"content": self.logprobs} if self.logprobs is not None else None,
        }


def _append(target: bytearray, text: Any, what: str) -> None:
    if not isinstance(text, str):
        raise ChunkError(f"{what} must be a string, got {type(text).__name__}")
    try:
        target.extend(text.encode())  # the strict codec's fast path: what nearly every delta takes
    except UnicodeEncodeError:
        # A proxy that slices UTF-16 (JavaScript) may split an emoji's surrogate pair across
        # two deltas: each half is kept as it came and the pair is joined in _text.
        target.extend(text.encode("utf-8", "surrogatepass"))


def _text(buffer: bytearray) -> str:
    text = buffer.decode("utf-8", "surrogatepass")
    if text.isascii() or not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    # Through UTF-16 the halves pair up again; a half left alone becomes U+FFFD.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class ChatCompletionAccumulator:
    """Feed every chunk to `add()`; `to_json()` gives the completion so far."""

    def __init__(self) -> None:
        self.id = ""
        self.model = ""
        self.created = 0
        self.system_fingerprint: str | None = None
        self.usage: dict[str, Any] | None = None
        self.venice_parameters: dict[str, Any] | None = None
        self.chunks = 0
        self._choices: dict[int, _Choice] = {}

    def add(self, chunk: ChatCompletionChunk) -> None:
        self.chunks += 1
        if not self.id:
            self.id, self.model, self.created = chunk.id, chunk.model, chunk.created
            self.system_fingerprint = chunk.system_fingerprint
        if chunk.usage is not None:
            self.usage = chunk.usage
        if self.venice_parameters is None and chunk.venice_parameters is not None:
            self.venice_parameters = chunk.venice_parameters
        choices = self._choices
        for choice in chunk.choices:
            index = choice.index
            # type(), not isinstance: a bool is not an index (JSON gives no other int subclass).
            if type(index) is not int:
                raise ChunkError(f"choices[].index must be a whole number, got {index!r}")
            try:
                state = choices[index]
            except KeyError:
                state = choices[index] = _Choice()
            delta = choice.delta
            content = delta.content
            if content is not None:
                if type(content) is not str:
                    raise ChunkError(f"delta.content must be a string, got {type(content).__name__}")
                try:
                    state.content.extend(content.encode())  # _append, inlined: one per streamed token
                except UnicodeEncodeError:
                    _append(state.content, content, "delta.content")
            if delta.reasoning_content is not None:
                _append(state.reasoning, delta.reasoning_content, "delta.reasoning_content")
            if delta.role is not None:
                state.role = delta.role
            if delta.tool_calls is not None:
                self._add_tool_calls(state, delta.tool_calls)
            if choice.finish_reason is not None:
                state.finish_reason = choice.finish_reason
            if choice.stop_reason is not None:
                state.stop_reason = choice.stop_reason
            if choice.logprobs is not None:
                self._add_logprobs(state, choice.logprobs)

    @staticmethod
    def _add_logprobs(state: _Choice, logprobs: Any) -> None:
        content = logprobs.get("content") if isinstance(logprobs, dict) else None
        if content is not None and not isinstance(content, list):
            raise ChunkError(f"choices[].logprobs.content must be a list, got {type(content).__name__}")
        if content:
            # extend, not +: a copy of the whole list per chunk made a long stream quadratic.
            if state.logprobs is None:
                state.logprobs = []
            state.logprobs.extend(content)

    @staticmethod
    def _add_tool_calls(state: _Choice, calls: list[Any]) -> None:
        for call in calls:
            if type(call.index) is not int:  # a dict key: a list would be a raw TypeError
                raise ChunkError(f"tool_calls[].index must be a whole number, got {call.index!r}")
            merged = state.tool_calls.get(call.index)
            if merged is None:
                merged = state.tool_calls[call.index] = _ToolCall()
            merged.id = call.id or merged.id
            merged.type = call.type or merged.type
            if call.function is not None:
                merged.name = call.function.name or merged.name
                if call.function.arguments:
                    _append(merged.arguments, call.function.arguments, "tool_calls[].function.arguments")

    @property
    def finished(self) -> bool:
        """True once every choice seen so far has a finish reason."""
        return bool(self._choices) and all(c.finish_reason is not None for c in self._choices.values())

    def text(self, index: int = 0) -> str:
        choice = self._choices.get(index)
        return _text(choice.content) if choice else ""

    def to_json(self, *, completed: bool = False) -> dict[str, Any]:
        """The completion so far. `completed`: the stream ended properly ([DONE]), so a
        choice without a finish reason stopped (or stopped for its tool calls)."""
        if completed:
            for choice in self._choices.values():
                if choice.finish_reason is None:
                    choice.finish_reason = "tool_calls" if choice.tool_calls else "stop"
        completion: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [self._choices[i].to_json(i) for i in sorted(self._choices)],
            "usage": self.usage or {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }
        if self.system_fingerprint is not None:
            completion["system_fingerprint"] = self.system_fingerprint
        if self.venice_parameters is not None:
            completion["venice_parameters"] = self.venice_parameters
        return completion
