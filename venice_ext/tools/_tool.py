"""Tools for function calling: definitions from Python functions or explicit schemas.

`tool(fn)` reads the JSON Schema of the parameters from the signature and the
descriptions from the docstring (Google `Args:` or reST `:param x:`), and refuses an
annotation it cannot express right there. Arguments the model sends are decoded,
checked against that schema and converted (dataclasses, enums...) before the
function is called.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, get_type_hints

from venice_ext.errors import ToolArgumentsError
from venice_ext.tools._check import check_supported, validate
from venice_ext.tools._schema import Field, Shape, UnsupportedTypeError, shape_of

__all__ = ["Tool", "ToolArgumentsError", "as_tool", "tool"]

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclasses.dataclass(frozen=True)
class Tool:
    """A callable the model may ask for, with its name, description and parameter schema."""

    name: str
    description: str
    parameters: dict[str, Any]
    handler: Callable[..., Any]
    shape: Shape | None = None  # set when the schema comes from a signature

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.handler) or inspect.iscoroutinefunction(
            getattr(self.handler, "__call__", None)  # noqa: B004 - async callable objects
        )

    def definition(self) -> dict[str, Any]:
        """The entry for the request's `tools` list."""
        function: dict[str, Any] = {"name": self.name, "parameters": self.parameters}
        if self.description:
            function["description"] = self.description
        return {"type": "function", "function": function}

    def arguments(self, raw: str | None) -> dict[str, Any]:
        """Decode and check the model's arguments; the keyword arguments for the handler."""
        try:
            decoded = json.loads(raw) if raw and raw.strip() else {}
        except (ValueError, RecursionError) as exc:
            raise ToolArgumentsError(f"the arguments are not valid JSON ({exc})") from exc
        if not isinstance(decoded, dict):
            raise ToolArgumentsError(f"the arguments must be a JSON object, got {type(decoded).__name__}")
        try:
            if self.shape is not None:
                converted: dict[str, Any] = self.shape.convert(decoded)
                return converted
            validate(decoded, self.parameters)
        except ValueError as exc:
            raise ToolArgumentsError(f"invalid arguments: {exc}") from exc
        return decoded

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.handler(*args, **kwargs)


def _docstring_parts(doc: str | None) -> tuple[str, dict[str, str]]:
    """The summary, and per-parameter descriptions (Google or reST style)."""
    if not doc:
        return "", {}
    text = inspect.cleandoc(doc)
    params: dict[str, str] = {}
    for match in re.finditer(r"^:param\s+(?:[^:]*\s)?(\w+):\s*(.+(?:\n(?!:)\s+.+)*)", text, flags=re.MULTILINE):
        params[match.group(1)] = " ".join(match.group(2).split())
    section = re.search(r"^(Args|Arguments|Parameters):\s*\n((?:[ \t]+.*\n?|\s*\n)+)", text, flags=re.MULTILINE)
    if section:
        for name, description in _google_entries(section.group(2)):
            params.setdefault(name, description)
    summary = re.split(
        r"^(?:Args|Arguments|Parameters|Returns|Raises|Yields|Example|Examples):|^:\w",
        text,
        maxsplit=1,
        flags=re.MULTILINE,
    )[0]
    return " ".join(summary.split()), params


def _google_entries(section: str) -> list[tuple[str, str]]:
    """`name (type): text` entries of a Google-style section; deeper-indented lines continue one."""
    entries: list[tuple[str, list[str]]] = []
    entry_indent: int | None = None
    for line in section.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        match = re.match(r"\s*(\w+)(?:\s*\([^)]*\))?:\s*(.*)", line)
        if match and (entry_indent is None or indent <= entry_indent):
            entry_indent = indent
            entries.append((match.group(1), [match.group(2)]))
        elif entries:
            entries[-1][1].append(line.strip())
    return [(name, " ".join(" ".join(parts).split())) for name, parts in entries]


def _signature_shape(fn: Callable[..., Any], name: str, descriptions: Mapping[str, str]) -> Shape:
    try:
        hints = get_type_hints(fn)
    except Exception as exc:  # a NameError from a string annotation, say
        raise UnsupportedTypeError(f"tool {name}: cannot read its annotations ({exc})") from exc
    fields = []
    for parameter in inspect.signature(fn).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise UnsupportedTypeError(f"tool {name}: *{parameter.name} has no place in a JSON schema")
        if parameter.name not in hints:
            raise UnsupportedTypeError(f"tool {name}: parameter {parameter.name!r} needs a type annotation")
        shape = shape_of(hints[parameter.name], where=f"tool {name}, parameter {parameter.name!r}")
        required = parameter.default is inspect.Parameter.empty
        fields.append(Field(parameter.name, shape, required, description=descriptions.get(parameter.name)))
    return Shape("object", fn, fields=tuple(fields), build=lambda **kwargs: kwargs)


def tool(fn: Callable[..., Any] | None = None, *, name: str | None = None, description: str | None = None) -> Any:
    """A Tool from a function: `tool(fn)`, `tool(fn, name=...)`, or as a decorator `@tool` / `@tool(name=...)`."""
    if fn is None:
        return lambda inner: tool(inner, name=name, description=description)
    if isinstance(fn, Tool):
        return fn
    if not callable(fn):
        raise TypeError(f"tool() needs a function, got {type(fn).__name__}")
    tool_name: str = name or str(getattr(fn, "__name__", ""))
    if not _NAME.match(tool_name):
        raise ValueError(f"tool name {tool_name!r} must be 1-64 letters, digits, _ or -")
    summary, descriptions = _docstring_parts(fn.__doc__)
    shape = _signature_shape(fn, tool_name, descriptions)
    return Tool(tool_name, description if description is not None else summary, shape.schema(), fn, shape)


def schema_tool(definition: Mapping[str, Any], handler: Callable[..., Any]) -> Tool:
    """A Tool from an explicit JSON-schema definition (OpenAI's format, or just the function part)."""
    function = definition.get("function", definition)
    name = function.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"tool definition needs a name of 1-64 letters, digits, _ or -, got {name!r}")
    parameters = dict(function.get("parameters") or {"type": "object", "properties": {}})
    check_supported(parameters, where=f"tool {name}")
    if not callable(handler):
        raise TypeError(f"tool {name}: the handler must be callable")
    return Tool(name, str(function.get("description") or ""), parameters, handler)


def as_tool(item: Any) -> Tool:
    """Whatever `tools=[...]` holds: a Tool, a function, or a (definition, handler) pair."""
    if isinstance(item, Tool):
        return item
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Mapping):
        return schema_tool(item[0], item[1])
    if callable(item):
        return tool(item)  # type: ignore[no-any-return]
    raise TypeError(f"a tool must be a function, a venice_ext.tool(...) or a (definition, handler) pair, got {item!r}")


def run_sync_handler(handler: Callable[..., Any], kwargs: Mapping[str, Any]) -> Any:
    """Call a handler from synchronous code, running it to completion if it is async."""
    result = handler(**kwargs)
    if inspect.isawaitable(result):
        import asyncio  # on first use: it costs import time synchronous programs never need

        return asyncio.run(_await(result))
    return result


async def _await(awaitable: Any) -> Any:
    return await awaitable
