"""Checking JSON values against a JSON Schema written by a user (explicit tool definitions).

A deliberate subset, big enough for tool and response schemas: type, enum, const,
properties, required, additionalProperties, items, min/maxItems, min/maxLength,
minimum/maximum and their exclusive forms, multipleOf, pattern, anyOf, oneOf,
allOf, not, OpenAPI's nullable, and local `$ref`s (`#/$defs/...`,
`#/definitions/...`). Annotation keywords are ignored. Any other keyword is
refused by `check_supported()` when the tool is defined, so no constraint is
silently skipped when the model's arguments are checked.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterator
from typing import Any

from venice_ext.tools._schema import ArgumentError, UnsupportedTypeError

__all__ = ["check_supported", "validate"]

_VALIDATING = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "pattern",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "nullable",
        "$ref",
        "$defs",
        "definitions",
    }
)
_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "example",
        "format",
        "$schema",
        "$id",
        "$comment",
        "deprecated",
        "readOnly",
        "writeOnly",
        "strict",
        "name",
    }
)
_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def _subschemas(schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for key in ("items", "not", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield key, schema[key]
    for key in ("properties", "$defs", "definitions"):
        for name, sub in (schema.get(key) or {}).items():
            yield f"{key}.{name}", sub
    for key in ("anyOf", "oneOf", "allOf"):
        for index, sub in enumerate(schema.get(key) or []):
            yield f"{key}[{index}]", sub


def check_supported(schema: Any, where: str = "parameters") -> None:
    """Refuse a schema using keywords this validator would not enforce."""
    if not isinstance(schema, dict):
        raise UnsupportedTypeError(f"{where}: a schema must be a JSON object, got {type(schema).__name__}")
    unknown = sorted(set(schema) - _VALIDATING - _ANNOTATIONS)
    if unknown:
        raise UnsupportedTypeError(f"{where}: unsupported JSON Schema keyword(s) {', '.join(unknown)}")
    ref = schema.get("$ref")
    if ref is not None and not (isinstance(ref, str) and ref.startswith(("#/$defs/", "#/definitions/"))):
        raise UnsupportedTypeError(f"{where}: only local $refs (#/$defs/..., #/definitions/...) are supported")
    for key, sub in _subschemas(schema):
        check_supported(sub, f"{where}.{key}")


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        raise ArgumentError("", f"unresolvable $ref {ref}")
    return node


def validate(value: Any, schema: dict[str, Any], root: dict[str, Any] | None = None, path: str = "") -> None:
    """Raise ArgumentError (with the path of the first problem) unless `value` fits `schema`."""
    root = schema if root is None else root
    if "$ref" in schema:
        validate(value, _resolve(schema["$ref"], root), root, path)
    if value is None and schema.get("nullable") is True:
        return
    _check_type(value, schema, path)
    if "enum" in schema and not any(value == e and type(value) is type(e) for e in schema["enum"]):
        raise ArgumentError(path, f"expected one of {schema['enum']!r}, got {value!r}")
    if "const" in schema and value != schema["const"]:
        raise ArgumentError(path, f"expected {schema['const']!r}, got {value!r}")
    if isinstance(value, str):
        _check_string(value, schema, path)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        _check_number(value, schema, path)
    elif isinstance(value, list):
        _check_array(value, schema, root, path)
    elif isinstance(value, dict):
        _check_object(value, schema, root, path)
    _check_combinators(value, schema, root, path)


def _check_type(value: Any, schema: dict[str, Any], path: str) -> None:
    expected = schema.get("type")
    if expected is None:
        return
    names = expected if isinstance(expected, list) else [expected]
    if not any(_TYPES[name](value) for name in names if name in _TYPES):
        raise ArgumentError(path, f"expected {' or '.join(names)}, got {type(value).__name__}")


def _check_string(value: str, schema: dict[str, Any], path: str) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        raise ArgumentError(path, f"shorter than {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        raise ArgumentError(path, f"longer than {schema['maxLength']} characters")
    if "pattern" in schema and re.search(schema["pattern"], value) is None:
        raise ArgumentError(path, f"does not match the pattern {schema['pattern']!r}")


def _check_number(value: float, schema: dict[str, Any], path: str) -> None:
    bounds: tuple[tuple[str, Callable[[float, float], bool], str], ...] = (
        ("minimum", operator.ge, "at least"),
        ("maximum", operator.le, "at most"),
        ("exclusiveMinimum", operator.gt, "more than"),
        ("exclusiveMaximum", operator.lt, "less than"),
    )
    for key, holds, words in bounds:
        if key in schema and not isinstance(schema[key], bool) and not holds(value, schema[key]):
            raise ArgumentError(path, f"must be {words} {schema[key]}, got {value}")
    step = schema.get("multipleOf")
    if step and not math.isclose(value / step, round(value / step), abs_tol=1e-9):
        raise ArgumentError(path, f"must be a multiple of {step}")


def _check_array(value: list[Any], schema: dict[str, Any], root: dict[str, Any], path: str) -> None:
    if "minItems" in schema and len(value) < schema["minItems"]:
        raise ArgumentError(path, f"needs at least {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        raise ArgumentError(path, f"takes at most {schema['maxItems']} items")
    if isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            validate(item, schema["items"], root, f"{path}[{index}]")


def _check_object(value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], path: str) -> None:
    properties = schema.get("properties") or {}
    for name in schema.get("required") or []:
        if name not in value:
            raise ArgumentError(f"{path}.{name}" if path else name, "required field is missing")
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        inner = f"{path}.{name}" if path else name
        if name in properties:
            validate(item, properties[name], root, inner)
        elif extra is False:
            raise ArgumentError(inner, "unknown field")
        elif isinstance(extra, dict):
            validate(item, extra, root, inner)


def _check_combinators(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str) -> None:
    for sub in schema.get("allOf") or []:
        validate(value, sub, root, path)
    if "anyOf" in schema and not any(_fits(value, sub, root) for sub in schema["anyOf"]):
        raise ArgumentError(path, "fits none of the anyOf alternatives")
    if "oneOf" in schema and sum(_fits(value, sub, root) for sub in schema["oneOf"]) != 1:
        raise ArgumentError(path, "must fit exactly one of the oneOf alternatives")
    if "not" in schema and _fits(value, schema["not"], root):
        raise ArgumentError(path, "matches a schema it must not match")


def _fits(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> bool:
    try:
        validate(value, schema, root)
    except ArgumentError:
        return False
    return True
