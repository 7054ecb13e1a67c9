"""Named fixes applied to Prism's own copy of the spec before the contract test mocks it.

These are not `scripts/transforms.py`: the generator never sees them, and the
spec they produce is written to a temporary directory by the test fixture only.
Each one works around a behaviour of Stoplight Prism (checked against 5.16.0)
that would otherwise make the mock lie about the contract: answer with bytes a
client cannot read, or wave through requests it never validated. Like the
generator's transforms each is pure (it deep-copies its argument) and states a
structural rule, never a particular Venice operation; each has its own test in
`tests/spec/test_prism_transforms.py`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import jsonschema
import referencing.exceptions

from scripts.spec_keys import MULTIPART
from scripts.transforms import Spec, Transform, iter_operations

__all__ = ["PRISM_TRANSFORMS", "prism_spec", "validation_errors"]

_DATA_KEYWORDS = frozenset({"example", "examples", "default", "enum", "const"})
_PROPERTY_MAPS = frozenset({"properties", "patternProperties"})
# Keywords that describe a schema without constraining the values it accepts.
_ANNOTATIONS = frozenset({"nullable", "title", "description", "example", "examples", "deprecated", "default"})


def _dicts(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict below `node` that is not example data, parents first.

    Example payloads, defaults and enum values are data: a request example may well
    carry a field called `nullable` or `anyOf`, which no fix must touch. Under
    `properties` every value is a schema, even one for a property named `example`.
    """
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        current, is_property_map = stack.pop()
        if isinstance(current, dict):
            if not is_property_map:
                yield current
            children = [
                (value, key in _PROPERTY_MAPS and not is_property_map)
                for key, value in current.items()
                if is_property_map or not (key in _DATA_KEYWORDS or str(key).startswith("x-"))
            ]
            stack.extend(reversed(children))
        elif isinstance(current, list):
            stack.extend((item, False) for item in reversed(current))


def _is_untyped_nullable(node: Any) -> bool:
    return isinstance(node, dict) and node.get("nullable") is True and "type" not in node


def drop_content_encoding_headers(spec: Spec) -> Spec:
    """Remove `Content-Encoding` from the headers every response declares.

    Prism mocks a declared response header by sending a value of its schema (`gzip`
    for chat completions) but never compresses the body, so the client's HTTP
    library tries to gunzip plain JSON and fails before anything is parsed. Whether
    a body is compressed is the transport's business, not part of the contract.
    """
    spec = copy.deepcopy(spec)
    responses: list[Any] = list(spec.get("components", {}).get("responses", {}).values())
    for _path, _method, operation in iter_operations(spec):
        responses.extend(operation.get("responses", {}).values())
    for response in responses:
        headers = response.get("headers") if isinstance(response, dict) else None
        if isinstance(headers, dict):
            for name in [name for name in headers if name.lower() == "content-encoding"]:
                del headers[name]
    return spec


def type_untyped_nullables(spec: Spec) -> Spec:
    """Give every `nullable: true` a `type` to qualify, or drop it where it qualifies nothing.

    Prism compiles schemas with ajv, which rejects `nullable` without `type` (beside
    `$ref`, `enum` or `allOf` too); Prism swallows the compile error and then skips
    validating that body altogether, so a schema with one such node anywhere (chat
    completions, responses, image generation, API keys) accepted every request. In OpenAPI 3.0 `nullable` without
    `type` adds nothing to a schema, so a node that has other constraints just loses
    it. A union member that is nothing but `nullable` is the spec's way of writing
    "or null" (a `{}` member would also accept everything, and break a `oneOf`
    whenever another member matches too), so it becomes `{type: "null"}`.
    """
    spec = copy.deepcopy(spec)
    for node in _dicts(spec):
        for keyword in ("anyOf", "oneOf"):
            members = node.get(keyword)
            if isinstance(members, list):
                node[keyword] = [
                    {"type": "null"} if _is_untyped_nullable(member) and not member.keys() - _ANNOTATIONS else member
                    for member in members
                ]
        if _is_untyped_nullable(node):
            del node["nullable"]
    return spec


def open_anonymous_operations(spec: Spec) -> Spec:
    """Drop the security requirements of operations that also accept anonymous calls.

    An empty requirement (`security: [{}]`, or `{}` beside `BearerAuth`) means "no
    credentials needed". Prism reads it as "no `Authorization` header allowed" and
    answers 401 to a client that sends its token everywhere (GET /crypto/rpc/networks),
    although no server rejects credentials an operation does not need. Requiring
    nothing is what such an operation asks of a caller.
    """
    spec = copy.deepcopy(spec)
    if _allows_anonymous(spec.get("security")):
        spec["security"] = []
    for _path, _method, operation in iter_operations(spec):
        if _allows_anonymous(operation.get("security")):
            operation["security"] = []
    return spec


def _allows_anonymous(requirements: Any) -> bool:
    return isinstance(requirements, list) and any(requirement == {} for requirement in requirements)


def accept_one_part_for_form_arrays(spec: Spec) -> Spec:
    """Let an array field of a multipart body also be given as one of its items.

    A multipart body sends an array as one part per item under the same name.
    Prism's form parser keeps only the last part of a repeated name, so it sees one
    string where the schema asks for an array, and rejects every such request
    (POST /image/multi-edit's `images`). The body's top-level schema is copied
    inline (through `$ref` and `allOf`) before it is changed, so a component the
    JSON body shares keeps its arrays.
    """
    spec = copy.deepcopy(spec)
    for _path, _method, operation in iter_operations(spec):
        body = operation.get("requestBody")
        media = body.get("content", {}).get(MULTIPART) if isinstance(body, dict) else None
        if isinstance(media, dict) and isinstance(media.get("schema"), dict):
            loosened = _loosen_form_arrays(spec, media["schema"], depth=0)
            if loosened is not None:
                media["schema"] = loosened
    return spec


def _loosen_form_arrays(spec: Spec, schema: dict[str, Any], depth: int) -> dict[str, Any] | None:
    """An inline copy of `schema` whose array properties also take one item; None if it has none."""
    if depth > 8:
        return None
    resolved = copy.deepcopy(_resolve(spec, schema))
    changed = False
    members = resolved.get("allOf")
    if isinstance(members, list):
        for index, member in enumerate(members):
            loosened = _loosen_form_arrays(spec, member, depth + 1) if isinstance(member, dict) else None
            if loosened is not None:
                members[index], changed = loosened, True
    properties = resolved.get("properties")
    if isinstance(properties, dict):
        for name, field in properties.items():
            target = _resolve(spec, field) if isinstance(field, dict) else {}
            if target.get("type") == "array" and isinstance(target.get("items"), dict):
                properties[name], changed = {"anyOf": [field, target["items"]]}, True
    return resolved if changed else None


def _resolve(spec: Spec, schema: dict[str, Any]) -> dict[str, Any]:
    seen: set[str] = set()
    while isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/") and schema["$ref"] not in seen:
        seen.add(schema["$ref"])
        target: Any = spec
        for part in schema["$ref"][2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        schema = target if isinstance(target, dict) else {}
    return schema


def drop_invalid_examples(spec: Spec) -> Spec:
    """Remove examples that their own schema rejects.

    Prism answers with the spec's example verbatim and then flags its own answer in
    `sl-violations` (GET /api_keys/{id} gives `createdAt: {}` for a nullable string),
    so the contract test would blame the client for the spec's documentation. Without
    the example Prism builds the body from the schema, which is the actual contract.
    Named examples of a media type go one by one; an emptied `examples` map goes too.
    """
    spec = copy.deepcopy(spec)
    components = spec.get("components", {})
    for node in _dicts(spec):
        schema = node.get("schema")
        if isinstance(schema, dict):
            # A media type, parameter or header: its examples illustrate `schema`.
            if "example" in node and _contradicts(components, schema, node["example"]):
                del node["example"]
            examples = node.get("examples")
            if isinstance(examples, dict):
                for name in [
                    name
                    for name, example in examples.items()
                    if isinstance(example, dict) and "value" in example
                    if _contradicts(components, schema, example["value"])
                ]:
                    del examples[name]
                if not examples:
                    del node["examples"]
        elif "example" in node and _is_schema(node) and _contradicts(components, node, node["example"]):
            del node["example"]
    return spec


def _contradicts(components: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    try:
        return bool(validation_errors(components, schema, value))
    except (referencing.exceptions.Unresolvable, jsonschema.exceptions.SchemaError, TypeError):
        # A reference outside `components`, or a keyword with a value draft 4 can't
        # use: no verdict, so the example stays for Prism to judge.
        return False


def _is_schema(node: dict[str, Any]) -> bool:
    return bool(node.keys() & {"type", "properties", "items", "anyOf", "oneOf", "allOf", "enum", "$ref", "format"})


def _nullable_aware(keyword: str) -> Any:
    draft4 = jsonschema.Draft4Validator.VALIDATORS[keyword]

    def check(validator: Any, value: Any, instance: Any, schema: dict[str, Any]) -> Any:
        if instance is None and schema.get("nullable") is True:
            return iter(())
        return draft4(validator, value, instance, schema)

    return check


# OpenAPI 3.0 schemas are draft-4 JSON Schema (`exclusiveMinimum: true` and all)
# plus `nullable`, which lets null past `type` and `enum`.
_OpenApi30Validator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]  # untyped in the stubs
    jsonschema.Draft4Validator, {"type": _nullable_aware("type"), "enum": _nullable_aware("enum")}
)


def validation_errors(components: dict[str, Any], schema: dict[str, Any], value: Any) -> list[str]:
    """Why `schema` (whose `$ref`s point into `components`) rejects `value`; empty if it accepts it.

    Formats are checked where jsonschema knows how; the rest pass, so this can only
    accept more than Prism does, never less.
    """
    # `components` rides along so that `#/components/...` resolves from the root.
    root = {**schema, "components": components}
    validator = _OpenApi30Validator(root, format_checker=jsonschema.FormatChecker())
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator.iter_errors(value)
    ]


PRISM_TRANSFORMS: tuple[Transform, ...] = (
    drop_content_encoding_headers,
    type_untyped_nullables,
    open_anonymous_operations,
    accept_one_part_for_form_arrays,
    drop_invalid_examples,
)


def prism_spec(spec: Spec) -> Spec:
    """Prism's adjusted copy of `spec` (which is left as it was)."""
    for transform in PRISM_TRANSFORMS:
        spec = transform(spec)
    return spec
