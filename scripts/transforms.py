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
import functools
import logging
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from venice_spec._openapi import iter_operations, operation_id_for
from venice_spec._openapi import pascal as _pascal

__all__ = ["GENERATOR_TRANSFORMS", "Spec", "Transform", "apply_transforms", "iter_operations"]

_log = logging.getLogger(__name__)

Spec = dict[str, Any]
Transform = Callable[[Spec], Spec]

JSON = "application/json"
MULTIPART = "multipart/form-data"


# Values under these keys are data (sample payloads, literals), never schemas...
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})
# ...but in these maps the keys are names, and a property may well be called `default`.
_NAME_MAPS = frozenset({"properties", "patternProperties", "definitions", "$defs"})


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
            copy_name = _unused_name(schemas, copy_name)
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


def _unused_name(schemas: dict[str, Any], wanted: str) -> str:
    name, counter = wanted, 2
    while name in schemas:
        name, counter = f"{wanted}{counter}", counter + 1
    return name


def hoist_component_union_members(spec: Spec) -> Spec:
    """Move inline object members of a component's top-level anyOf/oneOf into components.

    The generator registers the nested models of such members once while resolving
    references and again when it reaches the component, then drops the component as
    a "duplicate model" (X402InferencePaymentRequired, and the 402 response of every
    paid endpoint with it). Array members' inline items move the same way. Named
    `{Component}Type{i}` (and `...Item`), the names the generator itself would use.
    """
    spec = copy.deepcopy(spec)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in list(schemas):
        schema = schemas[name]
        for keyword in ("anyOf", "oneOf"):
            members = schema.get(keyword) if isinstance(schema, dict) else None
            if not isinstance(members, list):
                continue
            for index, member in enumerate(members):
                if not isinstance(member, dict) or "$ref" in member:
                    continue
                if _is_structured(member):
                    members[index] = _move_to_component(schemas, f"{name}Type{index}", member)
                elif _is_inline_structured(member.get("items")):
                    member["items"] = _move_to_component(schemas, f"{name}Type{index}Item", member["items"])
    return spec


def _is_inline_structured(schema: Any) -> bool:
    return isinstance(schema, dict) and "$ref" not in schema and _is_structured(schema)


def _move_to_component(schemas: dict[str, Any], wanted: str, schema: dict[str, Any]) -> dict[str, str]:
    name = _unused_name(schemas, wanted)
    schemas[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def hoist_inline_bodies(spec: Spec) -> Spec:
    """Move inline JSON request and response schemas into named components.

    Inline schemas get class names from their position, which a spec revision can
    shift. Named after the operation (`CreateChatCompletionResponse`,
    `RetrieveVideoResponse`, `QueueVideoBody`...) they keep their names as long
    as the operation keeps its id, so `venice_ext` can import them. Request bodies
    become `{Operation}Body` (and `{Operation}MultipartBody`).
    """
    spec = copy.deepcopy(spec)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for _path, _method, operation in iter_operations(spec):
        stem = _pascal(operation.get("operationId", ""))
        if not stem:
            continue
        body = operation.get("requestBody")
        if isinstance(body, dict):
            # "Body", not "Request": Venice names its own request components `XRequest`,
            # and an inline body that extends one (allOf) must not take its name.
            _hoist_media(body, schemas, f"{stem}Body")
        responses = operation.get("responses", {})
        success = [code for code in responses if str(code).startswith("2")]
        for code, response in responses.items():
            if not isinstance(response, dict):
                continue
            suffix = "Response" if success == [code] else f"Response{code}"
            _hoist_media(response, schemas, f"{stem}{suffix}")
    return spec


def _hoist_media(container: dict[str, Any], schemas: dict[str, Any], name: str) -> None:
    for media_type, media in container.get("content", {}).items():
        if not (media_type in (JSON, MULTIPART) or media_type.endswith("+json")):
            continue
        schema = media.get("schema") if isinstance(media, dict) else None
        if not isinstance(schema, dict) or "$ref" in schema or not _is_structured(schema):
            continue
        wanted = name if media_type != MULTIPART else f"{name.removesuffix('Body')}MultipartBody"
        if schemas.get(wanted) == schema:
            target = wanted
        else:
            target = _unused_name(schemas, wanted)
            schemas[target] = schema
        media["schema"] = {"$ref": f"#/components/schemas/{target}"}


def _is_structured(schema: dict[str, Any]) -> bool:
    return bool({"properties", "anyOf", "oneOf", "allOf"} & schema.keys()) or schema.get("type") == "object"


ALWAYS_SENT_FILE = Path(__file__).resolve().parent.parent / "spec" / "always_sent.yaml"


def require_always_sent_response_fields(spec: Spec, always_sent: Mapping[str, Collection[str]] | None = None) -> Spec:
    """Mark the response fields of spec/always_sent.yaml required.

    Venice's spec leaves fields optional that every answer carries (a chat completion's
    `choices`, a model's `name`), so the generated models type them `X | Unset` and
    `completion.choices[0]` fails mypy. The list is ours, checked against the fake
    server's canned answers and captured /models answers. The spec's examples are not
    a source: one hand-written instance of a schema shows what one answer carried
    (the ModelResponse example is a text model's, with fields video models lack).

    An entry is skipped with a logged note, not applied, where this version has no such
    schema or property, where one of the spec's own examples of the schema omits the
    property (that example would no longer parse), or where the schema is part of a
    request body too (callers would then have to send it).
    """
    spec = copy.deepcopy(spec)
    entries = always_sent if always_sent is not None else always_sent_list()
    schemas = spec.get("components", {}).get("schemas", {})
    request_owned = _request_components(spec)
    samples = samples_by_schema(schemas, _examples(spec))
    skipped: dict[str, list[str]] = {}
    for address, properties in entries.items():
        for prop in properties:
            targets, problem = always_sent_targets(schemas, address, prop)
            owners = sorted({owner for owner, _node in targets} & request_owned)
            if not problem and owners:
                problem = f"{', '.join(owners)} is in a request too"
            if not problem and any(
                isinstance(sample, dict) and prop not in sample
                for _owner, node in targets
                for sample in samples.get(id(node), ())
            ):
                problem = "an example in the spec omits it"
            if problem:
                skipped.setdefault(problem, []).append(f"{address}.{prop}")
                continue
            for _owner, node in targets:
                required = node.setdefault("required", [])
                if prop not in required:
                    required.append(prop)
    if skipped:
        # One line per spec version: `make test-history` prints them between its rows.
        _log.info(
            "%s: always-sent fields left as the spec has them: %s",
            spec.get("info", {}).get("version", "?"),
            "; ".join(
                f"{problem} ({len(fields)})" if problem.startswith("no ") else f"{problem}: {', '.join(fields)}"
                for problem, fields in skipped.items()
            ),
        )
    return spec


@functools.cache
def always_sent_list() -> dict[str, tuple[str, ...]]:
    document = YAML(typ="safe", pure=True).load(ALWAYS_SENT_FILE.read_text(encoding="utf-8"))
    entries: dict[str, tuple[str, ...]] = {}
    for address, reasons in (document or {}).items():
        if not isinstance(reasons, dict) or not all(isinstance(why, str) and why.strip() for why in reasons.values()):
            raise ValueError(f"{ALWAYS_SENT_FILE.name}: {address}: each property needs a one-line reason")
        entries[str(address)] = tuple(str(prop) for prop in reasons)
    return entries


_ADDRESS = re.compile(r"([^.\[\]]+)((?:\.[^.\[\]]+|\[\])*)")
_Target = tuple[str, dict[str, Any]]


def always_sent_targets(schemas: dict[str, Any], address: str, prop: str) -> tuple[list[_Target], str]:
    """The schemas (with the component each lives in) that `prop` of `address` is in, or why there are none."""
    match = _ADDRESS.fullmatch(address)
    if match is None:
        raise ValueError(f"{ALWAYS_SENT_FILE.name}: not a schema address: {address!r}")
    root = match.group(1)
    if not isinstance(schemas.get(root), dict):
        return [], f"no schema {root}"
    nodes: list[_Target] = [(root, schemas[root])]
    for step in re.findall(r"\.([^.\[\]]+)|(\[\])", match.group(2)):
        name, items = step
        found: list[_Target] = []
        for owner, node in _union_members(schemas, nodes):
            child = node.get("items") if items else (node.get("properties") or {}).get(name)
            if isinstance(child, dict):
                found.append((owner, child))
        if not found:
            return [], f"no {root}{match.group(2)}"
        nodes = found
    targets = [
        (owner, node) for owner, node in _union_members(schemas, nodes) if prop in (node.get("properties") or {})
    ]
    return targets, "" if targets else "not in this version"


def _union_members(schemas: dict[str, Any], nodes: list[_Target]) -> list[_Target]:
    """`nodes` with references followed and unions replaced by their members, recursively."""
    result: list[_Target] = []
    stack, seen = list(reversed(nodes)), set()
    while stack:
        owner, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node.get("$ref"), str):
            name = node["$ref"].rsplit("/", 1)[-1]
            if isinstance(schemas.get(name), dict):
                stack.append((name, schemas[name]))
            continue
        members = [m for keyword in ("anyOf", "oneOf", "allOf") for m in node.get(keyword) or () if isinstance(m, dict)]
        stack.extend((owner, member) for member in reversed(members))
        if not members or "properties" in node or "items" in node:
            result.append((owner, node))
    return result


def _request_components(spec: Spec) -> set[str]:
    """Components a request body or parameter uses, directly or through other components."""
    schemas = spec.get("components", {}).get("schemas", {})
    roots: list[Any] = []
    for _path, _method, operation in iter_operations(spec):
        roots.append(operation.get("requestBody", {}))
        roots.append(operation.get("parameters", []))
    found: set[str] = set()
    stack = roots
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[-1]
                if name not in found:
                    found.add(name)
                    stack.append(schemas.get(name))
            stack.extend(value for key, value in node.items() if key not in _DATA_KEYS)
    return found


def samples_by_schema(schemas: dict[str, Any], instances: Iterable[tuple[Any, Any]]) -> dict[int, list[Any]]:
    """Where each (schema, value) pair's parts land: id(schema) -> the values seen there.

    A value is followed down through properties, items, references and every member
    of a union, so each schema collects the instances it may have described.
    """
    samples: dict[int, list[Any]] = {}
    for schema, value in instances:
        stack: list[tuple[Any, Any]] = [(schema, value)]
        visited: set[tuple[int, int]] = set()
        while stack:
            node, sample = stack.pop()
            if not isinstance(node, dict) or (id(node), id(sample)) in visited:
                continue
            visited.add((id(node), id(sample)))
            if isinstance(node.get("$ref"), str):
                stack.append((schemas.get(node["$ref"].rsplit("/", 1)[-1]), sample))
                continue
            samples.setdefault(id(node), []).append(sample)
            stack.extend((m, sample) for keyword in ("anyOf", "oneOf", "allOf") for m in node.get(keyword) or ())
            if isinstance(sample, dict):
                properties = node.get("properties") or {}
                stack.extend((properties[key], sample[key]) for key in sample if key in properties)
            elif isinstance(sample, list):
                stack.extend((node.get("items"), item) for item in sample)
    return samples


def _examples(spec: Spec) -> Iterator[tuple[dict[str, Any], Any]]:
    """(schema, example value) for every example the spec gives a schema or a response."""
    roots: list[Any] = list(spec.get("components", {}).get("schemas", {}).values())
    responses: list[Any] = list(spec.get("components", {}).get("responses", {}).values())
    for _path, _method, operation in iter_operations(spec):
        responses.extend((operation.get("responses") or {}).values())
    named = spec.get("components", {}).get("examples", {})
    for response in responses:
        for media in (response.get("content") or {}).values() if isinstance(response, dict) else ():
            schema = media.get("schema") if isinstance(media, dict) else None
            if not isinstance(schema, dict):
                continue
            roots.append(schema)
            if "example" in media:
                yield schema, media["example"]
            for example in (media.get("examples") or {}).values():
                if isinstance(example, dict) and isinstance(example.get("$ref"), str):
                    example = named.get(example["$ref"].rsplit("/", 1)[-1])
                if isinstance(example, dict) and "value" in example:
                    yield schema, example["value"]
    stack = roots
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if "example" in node:
            yield node, node["example"]
        stack.extend((node.get("properties") or {}).values())
        stack.extend(node.get(keyword) for keyword in ("items", "additionalProperties", "not"))
        stack.extend(m for keyword in ("anyOf", "oneOf", "allOf") for m in node.get(keyword) or ())


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
