"""Structured output: a strict `json_schema` response format built from a Python type,
and the reply parsed and checked into that type.

attrs classes, dataclasses and TypedDicts go through the same Shape as tool
parameters (strict: every property required, optional ones nullable, no extra
properties). A pydantic model, when pydantic is installed (it is not a
dependency), brings its own schema and validation.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from venice_ext.errors import StructuredOutputError
from venice_ext.tools._schema import ArgumentError, shape_of

__all__ = ["ParsedCompletion", "StructuredOutputError", "structured_format"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class ParsedCompletion(Generic[T]):
    """`parsed`: the reply as a `T`; `completion`: the whole chat completion (usage included)."""

    parsed: T
    completion: Any


def _is_pydantic(cls: Any) -> bool:
    return (
        isinstance(cls, type)
        and callable(getattr(cls, "model_json_schema", None))
        and callable(getattr(cls, "model_validate_json", None))
    )


def _closed(schema: Any) -> Any:
    """Close every object of a pydantic schema to unknown properties, as strict mode requires."""
    if isinstance(schema, dict):
        schema = {key: _closed(value) for key, value in schema.items()}
        if schema.get("type") == "object" and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    return schema


def structured_format(cls: type[T]) -> tuple[dict[str, Any], Callable[[str], T]]:
    """The `response_format` to send for `cls`, and the parser for the reply's text."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", getattr(cls, "__name__", "response"))[:64] or "response"
    if _is_pydantic(cls):
        schema = _closed(cls.model_json_schema())  # type: ignore[attr-defined]

        def parse_pydantic(text: str) -> T:
            result: T = cls.model_validate_json(text)  # type: ignore[attr-defined]
            return result

        parser: Callable[[str], T] = parse_pydantic
    else:
        shape = shape_of(cls, where=f"response_format {name}")
        if shape.kind != "object":
            raise TypeError(
                f"response_format must be an attrs class, dataclass, TypedDict or pydantic model, got {cls!r}"
            )
        schema = shape.schema(strict=True)

        def parse_shape(text: str) -> T:
            result: T = shape.convert(json.loads(text), strict=True)
            return result

        parser = parse_shape
    response_format = {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}
    return response_format, parser


def parse_reply(completion: Any, parser: Callable[[str], T]) -> ParsedCompletion[T]:
    message = completion.choices[0].message
    text = message.content if isinstance(getattr(message, "content", None), str) else None
    if not text:
        refusal = getattr(message, "additional_properties", {}).get("refusal")
        reason = f"the model refused: {refusal}" if refusal else "the reply has no text content"
        raise StructuredOutputError(reason, raw_text=text, completion=completion)
    try:
        return ParsedCompletion(parser(text), completion)
    except (ArgumentError, ValueError, TypeError) as exc:
        raise StructuredOutputError(
            f"the reply does not fit the requested type: {exc}", raw_text=text, completion=completion
        ) from exc
