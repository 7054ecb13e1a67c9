"""Named fixes applied to Venice's published spec before code generation.

Each transform is a pure function: it takes the spec as a plain dict, returns a
fixed copy and never mutates its argument. `GENERATOR_TRANSFORMS` lists them in
the order `make generate` applies them; each has its own test in
`tests/spec/test_transforms.py`. None of them knows about a particular spec
version: each states a structural rule, so new versions go through unchanged
code.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from scripts.always_sent import require_always_sent_response_fields
from scripts.hoisting import hoist_component_union_members, hoist_inline_bodies, unused_name
from scripts.spec_keys import _DATA_KEYS, _NAME_MAPS, JSON, MULTIPART
from venice_spec._openapi import iter_operations, operation_id_for

__all__ = ["GENERATOR_TRANSFORMS", "Spec", "Transform", "apply_transforms", "iter_operations"]


Spec = dict[str, Any]
Transform = Callable[[Spec], Spec]


def _walk_schemas(node: Any, *, names: bool = False) -> Iterator[dict[str, Any]]:
    """Every dict below `node`, parents first, skipping example and literal data.

    `names`: `node` maps names to schemas, so none of its keys is a keyword.
    """
    stack: list[tuple[Any, bool]] = [(node, names)]
    while stack:
        current, is_name_map = stack.pop()
        if isinstance(current, dict):
            yield current
            children = [
                (value, not is_name_map and key in _NAME_MAPS)
                for key, value in current.items()
                if is_name_map or key not in _DATA_KEYS
            ]
            stack.extend(reversed(children))
        elif isinstance(current, list):
            stack.extend(reversed([(item, False) for item in current]))


def _schema_nodes(spec: Spec) -> Iterator[dict[str, Any]]:
    """Dicts that sit in schema position: components' schemas and inline media schemas."""
    roots: list[tuple[Any, bool]] = [
        (schema, False) for schema in spec.get("components", {}).get("schemas", {}).values()
    ]
    for _path, _method, operation in iter_operations(spec):
        roots.append((operation.get("requestBody", {}), False))
        roots.append((operation.get("responses", {}), True))  # keyed by status, `default` included
        roots.append((operation.get("parameters", []), False))
    for root, names in roots:
        yield from _walk_schemas(root, names=names)


# --- the transforms, in the order they are applied -------------------------------------


def name_unnamed_operations(spec: Spec) -> Spec:
    """Give operations without an operationId one built from method and path.

    The generator would invent a name too, but from the summary text, which Venice
    rewords; method + path only changes when the endpoint itself does.
    """
    spec = copy.deepcopy(spec)
    for path, method, operation in iter_operations(spec):
        if not operation.get("operationId"):
            operation["operationId"] = operation_id_for(method, path)
    return spec


def drop_schema_titles(spec: Spec) -> Spec:
    """Remove `title` from schemas.

    The generator prefers a schema's title over its component name and over the
    property path when naming classes, so titles such as `text` on a response_format
    variant collide with other classes (the whole chat completion endpoint is then
    skipped) and component classes get renamed. Titles are documentation only.
    """
    spec = copy.deepcopy(spec)
    for node in _schema_nodes(spec):
        title = node.get("title")
        if isinstance(title, str) and _looks_like_schema(node):
            del node["title"]
    return spec


def _looks_like_schema(node: dict[str, Any]) -> bool:
    schema_keys = {
        "type",
        "properties",
        "items",
        "anyOf",
        "oneOf",
        "allOf",
        "enum",
        "nullable",
        "$ref",
        "format",
        "additionalProperties",
        "description",
        "example",
        "default",
    }
    return bool(schema_keys & node.keys()) or node.keys() == {"title"}


def fold_nullable_union_members(spec: Spec) -> Spec:
    """Turn `anyOf: [X, {nullable: true}]` into `anyOf: [X], nullable: true`.

    A member that is only `{nullable: true}` has no type, so the generator reads it
    as `Any` and the whole union degrades to `Any`. What it means is "or null".
    """
    spec = copy.deepcopy(spec)
    for node in _schema_nodes(spec):
        for keyword in ("anyOf", "oneOf"):
            members = node.get(keyword)
            if not isinstance(members, list):
                continue
            kept = [member for member in members if not _is_bare_nullable(member)]
            if len(kept) != len(members) and kept:
                node[keyword] = kept
                node["nullable"] = True
    return spec


def _is_bare_nullable(member: Any) -> bool:
    if not isinstance(member, dict) or member.get("nullable") is not True:
        return False
    return not (member.keys() - {"nullable", "title", "description", "example"})


def nullable_enums_list_null(spec: Spec) -> Spec:
    """Express `nullable: true` on an enum as a `null` value in the enum.

    The generator ignores `nullable` on enums, so the generated check rejects `null`
    and the spec's own example (`stop_reason: null`) fails to parse; with both
    `nullable` and a null value it builds three overlapping literal types. A null
    in the values alone gives exactly `Literal[...] | None`.
    """
    spec = copy.deepcopy(spec)
    for node in _schema_nodes(spec):
        values = node.get("enum")
        if node.get("nullable") is True and isinstance(values, list):
            node["enum"] = values if None in values else [*values, None]
            del node["nullable"]
    return spec


def require_request_bodies(spec: Spec) -> Spec:
    """Mark request bodies `required: true` where the spec leaves it unsaid.

    OpenAPI's default is optional, which makes `body` optional in every generated
    signature although no Venice operation works without one. An explicit
    `required: false` (x402 top-up's discovery call) is kept.
    """
    spec = copy.deepcopy(spec)
    for _path, _method, operation in iter_operations(spec):
        body = operation.get("requestBody")
        if isinstance(body, dict) and "$ref" not in body and "required" not in body:
            body["required"] = True
    return spec


def leave_parameter_defaults_to_the_server(spec: Spec) -> Spec:
    """Drop the `default` of query and header parameters, naming it in the description instead.

    The generator turns a parameter default into a Python default that is always sent.
    Venice applies its defaults to what is left out, and refuses some parameters sent
    alongside others: a usage-history continuation must carry its cursor alone, yet
    `pageSize=1000` went with every one. Leaving them out also follows a server that
    changes a default, instead of pinning the one of the spec the client was built from.
    """
    spec = copy.deepcopy(spec)
    shared = spec.get("components", {}).get("parameters", {})
    parameters: list[Any] = list(shared.values()) if isinstance(shared, dict) else []
    for _path, _method, operation in iter_operations(spec):
        parameters.extend(operation.get("parameters") or [])
    for path_item in spec.get("paths", {}).values():
        if isinstance(path_item, dict):
            parameters.extend(path_item.get("parameters") or [])
    for parameter in parameters:
        if not isinstance(parameter, dict) or parameter.get("in") not in ("query", "header"):
            continue
        schema = parameter.get("schema")
        if isinstance(schema, dict) and "default" in schema:
            default = schema.pop("default")
            note = f"Venice applies `{default}` when it is left out."
            parameter["description"] = (
                f"{parameter['description'].rstrip()} {note}" if parameter.get("description") else note
            )
    return spec


def allow_unknown_properties(spec: Spec) -> Spec:
    """Drop `additionalProperties: false`.

    Venice adds response fields without notice; a closed schema makes the generated
    model discard them, and forbids sending request fields the spec does not list yet.
    """
    spec = copy.deepcopy(spec)
    for node in _schema_nodes(spec):
        if node.get("additionalProperties") is False and _looks_like_schema(node):
            del node["additionalProperties"]
    return spec


def json_content_first(spec: Spec) -> Spec:
    """Order every content map so `application/json` comes first.

    The generator types a response by its first supported content type; the
    endpoint template then returns bytes for the binary alternatives. Content maps
    are unordered in OpenAPI, so this changes nothing the spec says.
    """
    spec = copy.deepcopy(spec)
    for _path, _method, operation in iter_operations(spec):
        containers = [operation.get("requestBody"), *list(operation.get("responses", {}).values())]
        for container in containers:
            content = container.get("content") if isinstance(container, dict) else None
            if isinstance(content, dict) and JSON in content:
                container["content"] = {JSON: content[JSON]} | {
                    key: value for key, value in content.items() if key != JSON
                }
    return spec


def type_multipart_file_fields(spec: Spec) -> Spec:
    """Type the untyped members of multipart bodies as binary file parts.

    Upscale, edit and background-remove accept JSON or multipart, and their file
    fields are `anyOf: [{}, string]` in a schema both bodies share (by `$ref`, or
    through an `allOf`). In multipart an untyped member cannot be encoded, so the
    generated `to_multipart()` fails for every value. The multipart body gets its
    own copies of the components it needs changed (`...MultipartRequest`); the JSON
    body keeps the originals.
    """
    spec = copy.deepcopy(spec)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for _path, _method, operation in iter_operations(spec):
        media = operation.get("requestBody", {}).get("content", {}).get(MULTIPART)
        if isinstance(media, dict) and isinstance(media.get("schema"), dict):
            media["schema"] = _multipart_form(media["schema"], schemas, set())
    return spec


_BINARY = {"type": "string", "format": "binary"}


def _multipart_form(schema: dict[str, Any], schemas: dict[str, Any], seen: set[str]) -> dict[str, Any]:
    """`schema` with untyped union members made binary, copying referenced components it changes."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = schemas.get(name)
        if name in seen or not isinstance(target, dict) or not _has_untyped_member(target, schemas, {name}):
            return schema
        copy_name = (
            f"{name.removesuffix('Request')}MultipartRequest" if name.endswith("Request") else f"{name}Multipart"
        )
        converted = _multipart_form(copy.deepcopy(target), schemas, seen | {name})
        if schemas.get(copy_name) != converted:
            copy_name = unused_name(schemas, copy_name)
            schemas[copy_name] = converted
        return {"$ref": f"#/components/schemas/{copy_name}"}
    result = dict(schema)
    for keyword in ("anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(keyword), list):
            result[keyword] = [
                dict(_BINARY) if member == {} else _multipart_form(member, schemas, seen)
                for member in schema[keyword]
                if isinstance(member, dict)
            ]
    if isinstance(schema.get("properties"), dict):
        result["properties"] = {
            key: _multipart_form(value, schemas, seen) if isinstance(value, dict) else value
            for key, value in schema["properties"].items()
        }
    if isinstance(schema.get("items"), dict):
        result["items"] = _multipart_form(schema["items"], schemas, seen)
    return result


def _has_untyped_member(schema: Any, schemas: dict[str, Any], seen: set[str]) -> bool:
    if isinstance(schema, list):
        return any(_has_untyped_member(item, schemas, seen) for item in schema)
    if not isinstance(schema, dict):
        return False
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return name not in seen and _has_untyped_member(schemas.get(name), schemas, seen | {name})
    for keyword in ("anyOf", "oneOf", "allOf"):
        members = schema.get(keyword)
        if isinstance(members, list) and ({} in members or _has_untyped_member(members, schemas, seen)):
            return True
    properties = schema.get("properties")
    nested = list(properties.values()) if isinstance(properties, dict) else []
    return _has_untyped_member([*nested, schema.get("items")], schemas, seen)


GENERATOR_TRANSFORMS: tuple[Transform, ...] = (
    name_unnamed_operations,
    drop_schema_titles,
    fold_nullable_union_members,
    nullable_enums_list_null,
    require_request_bodies,
    leave_parameter_defaults_to_the_server,
    allow_unknown_properties,
    json_content_first,
    type_multipart_file_fields,
    hoist_inline_bodies,
    hoist_component_union_members,
    require_always_sent_response_fields,
)


def apply_transforms(spec: Spec, transforms: tuple[Transform, ...] = GENERATOR_TRANSFORMS) -> Spec:
    for transform in transforms:
        spec = transform(spec)
    return spec
