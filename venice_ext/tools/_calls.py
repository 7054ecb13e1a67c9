"""One turn of tool calling, without I/O: reading calls, checking them, writing results back.

Everything the loop says to the model about a failed call (arguments that are not
JSON or do not fit, an unknown tool, an exception, a timeout) goes back as the
tool's message, so the model can correct itself on the next turn.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from venice_ext.errors import MaxIterationsError
from venice_ext.tools._tool import Tool, ToolArgumentsError, as_tool

__all__ = [
    "MaxIterationsError",
    "PendingCall",
    "ToolCallRecord",
    "ToolLoopResult",
    "assistant_message",
    "pending_calls",
    "registry_of",
    "serialize_output",
    "tool_message",
]


@dataclasses.dataclass(frozen=True)
class PendingCall:
    """A call the model asked for, before it runs."""

    id: str
    name: str
    arguments: str


@dataclasses.dataclass(frozen=True)
class ToolCallRecord:
    """A call that ran (or could not): what the model asked and what it was told."""

    id: str
    name: str
    arguments: str
    parsed_arguments: dict[str, Any] | None
    result: Any
    output: str
    error: str | None
    duration: float
    iteration: int


@dataclasses.dataclass(frozen=True)
class ToolLoopResult:
    """`final`: the last completion, which asked for no tool; `messages`: the whole history."""

    final: Any
    messages: list[dict[str, Any]]
    iterations: int
    tool_calls: list[ToolCallRecord]


def registry_of(tools: Iterable[Any]) -> dict[str, Tool]:
    registry: dict[str, Tool] = {}
    for item in tools:
        definition = as_tool(item)
        if definition.name in registry:
            raise ValueError(f"two tools are named {definition.name!r}")
        registry[definition.name] = definition
    if not registry:
        raise ValueError("run_tools needs at least one tool")
    return registry


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)


def pending_calls(message: Any) -> list[PendingCall]:
    """The tool calls of an assistant message (generated model or dict)."""
    calls = _field(message, "tool_calls")
    if not isinstance(calls, Sequence) or isinstance(calls, str):
        return []
    pending = []
    for index, call in enumerate(calls):
        function = _field(call, "function") or {}
        pending.append(
            PendingCall(
                id=str(_field(call, "id") or f"call_{index}"),
                name=str(_field(function, "name") or ""),
                arguments=str(_field(function, "arguments") or ""),
            )
        )
    return pending


def assistant_message(message: Any, calls: Sequence[PendingCall]) -> dict[str, Any]:
    """The assistant turn as it goes back into the history."""
    content = _field(message, "content")
    entry: dict[str, Any] = {"role": "assistant", "content": content if isinstance(content, str) else None}
    if calls:
        entry["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls
        ]
    return entry


def tool_message(record: ToolCallRecord) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": record.id, "content": record.output}


def _jsonable(value: Any) -> Any:
    if attrs.has(type(value)):
        return attrs.asdict(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    to_dict = getattr(value, "to_dict", None) or getattr(value, "model_dump", None)
    if callable(to_dict):
        return to_dict()
    return str(value)


def serialize_output(result: Any) -> str:
    """What the model reads: a string as is, anything else as JSON."""
    if isinstance(result, str):
        return result
    return json.dumps(result, default=_jsonable, ensure_ascii=False)


def prepare(call: PendingCall, registry: Mapping[str, Tool]) -> tuple[Tool, dict[str, Any]] | str:
    """The tool and its checked arguments, or the message explaining why the call cannot run."""
    definition = registry.get(call.name)
    if definition is None:
        names = ", ".join(sorted(registry))
        return f"Error: there is no tool named {call.name!r}. Available tools: {names}."
    try:
        return definition, definition.arguments(call.arguments)
    except ToolArgumentsError as exc:
        return f"Error: {call.name} was not called: {exc}. Call it again with arguments that fit its schema."


def record(
    call: PendingCall,
    iteration: int,
    started: float,
    *,
    kwargs: dict[str, Any] | None = None,
    result: Any = None,
    error: str | None = None,
) -> ToolCallRecord:
    output = error if error is not None else serialize_output(result)
    return ToolCallRecord(
        call.id, call.name, call.arguments, kwargs, result, output, error, time.perf_counter() - started, iteration
    )


def failure_text(call: PendingCall, exc: BaseException) -> str:
    return f"Error: {call.name} raised {type(exc).__name__}: {exc}"


def timeout_text(call: PendingCall, seconds: float) -> str:
    return f"Error: {call.name} did not finish within {seconds:g} s"
