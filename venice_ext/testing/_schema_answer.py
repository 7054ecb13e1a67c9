"""A JSON document that fits a JSON schema: the fake's answer to `response_format: json_schema`.

Venice's models follow a strict schema; the fake does too, with plain sample values
(the first enum value, a short string, 1 for numbers), so `parse` can be tried offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["instance_of"]

_MAX_DEPTH = 12


def instance_of(schema: Mapping[str, Any], *, root: Mapping[str, Any] | None = None, depth: int = 0) -> Any:
    root = schema if root is None else root
    if depth > _MAX_DEPTH:
        return None
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/"):
        target: Any = root
        for part in reference[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        return instance_of(target, root=root, depth=depth + 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf", "allOf"):
        options = schema.get(combinator)
        if isinstance(options, list) and options:
            return instance_of(options[0], root=root, depth=depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((each for each in kind if each != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        properties = schema.get("properties") or {}
        return {name: instance_of(sub, root=root, depth=depth + 1) for name, sub in properties.items()}
    if kind == "array":
        items = schema.get("items")
        count = max(1, int(schema.get("minItems", 1)))
        return (
            [instance_of(items, root=root, depth=depth + 1) for _ in range(count)] if isinstance(items, Mapping) else []
        )
    if kind == "string":
        return "sample"
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    return None
