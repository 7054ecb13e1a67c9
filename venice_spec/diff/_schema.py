"""Reading one spec's schemas the way the diff compares them.

Two specs can say the same thing in different words: a `$ref` or the schema inline, an
`allOf` or the merged object, `nullable: true` or an `anyOf` with a null member, a
3.1 `type: [x, "null"]`. `normalize` rewrites one schema level into a single canonical
form, so the comparison only sees differences that mean something to a client:

- `$ref`s are followed (a loop of refs is an empty schema); the refs followed are kept
  under `REFS` so the walker can stop at a recursive schema (its cycle guard);
- `allOf` members are merged: properties and `required` united, enums intersected, the
  rest first-wins (a property two members both define becomes an `allOf` of the two);
- null alternatives become `nullable: true`: `nullable`, `type: "null"`, a type list
  with "null", `null` in an enum, an `anyOf`/`oneOf` member that only says "null";
- `oneOf` is treated as `anyOf` (both are alternatives for a client); nested alternative
  lists are flattened, alternatives that are all enums of one type become one enum, and a
  single remaining alternative is merged into its parent;
- a missing `type` is inferred from `properties` (object), `items` (array) or the values
  of an `enum` (`enum: [a, b]` is a string).

Only one level is normalized at a time; children stay raw until the walker reaches them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "REFS",
    "Resolver",
    "fingerprint",
    "is_success",
    "normalize",
    "type_name",
    "variant_label",
    "variant_signature",
]

Schema = dict[str, Any]

# Where a normalized schema keeps the `$ref`s that led to it (normalize is idempotent).
REFS = "x-spec-diff-refs"

_DOC_KEYS = frozenset({"description", "example", "examples", "title", "externalDocs", "$comment"})
_NULL_ONLY_KEYS = _DOC_KEYS | {"nullable", "default", "deprecated", "readOnly", "writeOnly", REFS}
# The pinned property that best names an alternative, when it has several.
_DISCRIMINATOR_NAMES = ("type", "role", "object", "kind", "event", "code", "status")
_SCALAR_TYPES: dict[type, str] = {str: "string", int: "integer", float: "number"}
_JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})


class Resolver:
    """Follows local `$ref`s (`#/components/...`) in one document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document

    def resolve(self, node: Any) -> tuple[Any, tuple[str, ...]]:
        """The node a `$ref` chain ends at, and the refs followed to get there."""
        followed: list[str] = []
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in followed:  # a ref loop with nothing in between: it describes nothing
                return {}, tuple(followed)
            followed.append(ref)
            node = self._lookup(ref)
        return node, tuple(followed)

    def _lookup(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            return {"x-unresolved-ref": ref}  # an external file: compared by its address only
        node: Any = self._document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                return {"x-unresolved-ref": ref}
            node = node[part]
        return node


def normalize(raw: Any, resolver: Resolver, _expanding: frozenset[str] = frozenset()) -> Schema:
    """One level of `raw` in canonical form (see the module docstring); never raises.

    `_expanding` holds the refs whose `allOf`/`anyOf` members are being merged right now:
    a schema that is its own member (`A: {allOf: [$ref: A]}`) adds nothing the second time.
    """
    node, refs = resolver.resolve(raw)
    if any(ref in _expanding for ref in refs) or not isinstance(node, Mapping):
        return {REFS: refs} if refs else {}
    _expanding = _expanding | set(refs)
    schema: Schema = dict(node)
    schema[REFS] = tuple(schema.get(REFS, ())) + refs
    if isinstance(schema.get("allOf"), list):
        schema = _merge_all_of(schema, resolver, _expanding)
    nullable = schema.get("nullable") is True
    types = schema.get("type")
    if isinstance(types, list):  # OpenAPI 3.1
        nullable = nullable or "null" in types
        others = [kind for kind in types if kind != "null"]
        schema.pop("type")
        if len(others) == 1:
            schema["type"] = others[0]
        elif others:
            schema["anyOf"] = [{"type": kind} for kind in others] + list(schema.get("anyOf") or [])
    elif types == "null":
        nullable = True
        schema.pop("type")
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    if isinstance(schema.get("enum"), list) and None in schema["enum"]:
        nullable = True
        schema["enum"] = [value for value in schema["enum"] if value is not None] or None
        if schema["enum"] is None:
            schema.pop("enum")
    alternatives = [*(_list(schema.pop("anyOf", None))), *(_list(schema.pop("oneOf", None)))]
    if alternatives:
        members, null_member = _alternatives(alternatives, resolver, _expanding)
        nullable = nullable or null_member or (len(members) == 1 and members[0].get("nullable") is True)
        schema = _fold_alternatives(schema, members, resolver, _expanding)
    if nullable:
        schema["nullable"] = True
    else:
        schema.pop("nullable", None)
    if "type" not in schema and "anyOf" not in schema:
        inferred = _inferred_type(schema)
        if inferred:
            schema["type"] = inferred
    return schema


def _inferred_type(schema: Schema) -> str | None:
    if isinstance(schema.get("properties"), Mapping):
        return "object"
    if "items" in schema:
        return "array"
    values = schema.get("enum")
    if isinstance(values, list) and values:
        kinds = {"boolean" if isinstance(v, bool) else _SCALAR_TYPES.get(type(v), "") for v in values}
        if len(kinds) == 1 and "" not in kinds:
            return kinds.pop()
        if kinds == {"integer", "number"}:
            return "number"
    return None


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _merge_all_of(schema: Schema, resolver: Resolver, expanding: frozenset[str]) -> Schema:
    merged: Schema = {key: value for key, value in schema.items() if key != "allOf"}
    properties: dict[str, Any] = dict(merged.get("properties") or {})
    required: list[str] = list(_list(merged.get("required")))
    refs = list(merged.get(REFS, ()))
    for member_raw in schema["allOf"]:
        member = normalize(member_raw, resolver, expanding)
        refs.extend(member.get(REFS, ()))
        for name, definition in (member.get("properties") or {}).items():
            properties[name] = {"allOf": [properties[name], definition]} if name in properties else definition
        required.extend(name for name in _list(member.get("required")) if name not in required)
        if isinstance(member.get("enum"), list) and isinstance(merged.get("enum"), list):
            merged["enum"] = [value for value in merged["enum"] if value in member["enum"]]  # both must hold
        for key, value in member.items():
            if key not in ("properties", "required", REFS):
                merged.setdefault(key, value)
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    merged[REFS] = tuple(refs)
    return merged


def _alternatives(raw_members: list[Any], resolver: Resolver, expanding: frozenset[str]) -> tuple[list[Schema], bool]:
    """The non-null members, flattened, and whether one of them only meant "null"."""
    members: list[Schema] = []
    null_member = False
    for raw in raw_members:
        member = normalize(raw, resolver, expanding)
        if member.get("nullable") is True and not (member.keys() - _NULL_ONLY_KEYS):
            null_member = True
        elif "anyOf" in member and not (member.keys() - _NULL_ONLY_KEYS - {"anyOf"}):
            members.extend(member["anyOf"])  # alternatives of alternatives are alternatives
            null_member = null_member or member.get("nullable") is True
        else:
            members.append(member)
    return members, null_member


def _fold_alternatives(schema: Schema, members: list[Schema], resolver: Resolver, expanding: frozenset[str]) -> Schema:
    if not members:
        return schema
    kinds = {member.get("type") for member in members}
    plain_enums = all(
        isinstance(member.get("enum"), list) and not (member.keys() - _NULL_ONLY_KEYS - {"type", "enum", "format"})
        for member in members
    )
    if plain_enums and len(kinds) == 1:
        values: list[Any] = []
        for member in members:
            values.extend(value for value in member["enum"] if value not in values)
        folded = {**schema, "enum": values}
        kind = kinds.pop()
        if kind is not None:
            folded["type"] = kind
        return folded
    if len(members) == 1:
        # `{description, anyOf: [x, null]}` is x with a description: merge them like allOf.
        return normalize({"allOf": [schema, members[0]]}, resolver, expanding)
    return {**schema, "anyOf": members}


def fingerprint(raw: Any, resolver: Resolver, _seen: tuple[str, ...] = ()) -> str:
    """A schema's shape as text, documentation left out: equal shapes, equal fingerprints."""
    return json.dumps(_shape(raw, resolver, _seen), sort_keys=True, default=repr)


def _shape(raw: Any, resolver: Resolver, seen: tuple[str, ...]) -> Any:
    node, refs = resolver.resolve(raw)
    if any(ref in seen for ref in refs):
        return {"$recursive": refs[-1]}
    seen = seen + refs
    if isinstance(node, Mapping):
        return {
            str(key): _shape(value, resolver, seen)
            for key, value in node.items()
            if key not in _DOC_KEYS and not str(key).startswith("x-")
        }
    if isinstance(node, list):
        return [_shape(item, resolver, seen) for item in node]
    return node


def discriminators(member: Schema, resolver: Resolver) -> tuple[tuple[str, str], ...]:
    """The properties pinned to a single value (`type: text`): what tells members apart."""
    pinned: list[tuple[str, str]] = []
    properties = member.get("properties")
    if not isinstance(properties, Mapping):
        return ()
    for name, raw in properties.items():
        values = normalize(raw, resolver).get("enum")
        if isinstance(values, list) and len(values) == 1:
            pinned.append((str(name), str(values[0])))
    return tuple(sorted(pinned))


def type_name(schema: Mapping[str, Any], resolver: Resolver, depth: int = 0) -> str:
    """`string`, `string(date-time)`, `array of integer`, `any`: enough to tell alternatives apart."""
    kind = str(schema.get("type") or "any")
    if kind == "array" and "items" in schema and depth < 3:
        return f"array of {type_name(normalize(schema['items'], resolver), resolver, depth + 1)}"
    return f"{kind}({schema['format']})" if isinstance(schema.get("format"), str) else kind


def variant_signature(member: Schema, resolver: Resolver) -> tuple[Any, ...]:
    """What identifies an alternative across versions: (type, title, required, pinned values)."""
    title = member.get("title") if isinstance(member.get("title"), str) else None
    required = tuple(sorted(str(name) for name in _list(member.get("required"))))
    return (type_name(member, resolver), title, required, discriminators(member, resolver))


def variant_label(member: Schema, resolver: Resolver) -> str:
    """A short name for an alternative: one pinned value (`type=text`), else its title, else its type."""
    pinned = dict(discriminators(member, resolver))
    for name in (*_DISCRIMINATOR_NAMES, *pinned):
        if name in pinned:
            return f"{name}={pinned[name]}"
    title = member.get("title")
    if isinstance(title, str) and title and title not in _JSON_TYPES:
        return title
    if isinstance(member.get("enum"), list):
        return "enum"
    return type_name(member, resolver)


def is_success(status: str) -> bool:
    return status.startswith("2") or status.upper() == "2XX"
