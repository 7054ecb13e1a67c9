"""Transforms that move inline schemas into named components, and what they share.

The generator names an inline schema from its position, which a spec revision can
shift, and registers some inline union members twice; a component has one stable
name. Listed in `scripts.transforms.GENERATOR_TRANSFORMS` with the other fixes.
"""

from __future__ import annotations

import copy
from typing import Any

from scripts.spec_keys import JSON, MULTIPART
from venice_spec._openapi import iter_operations
from venice_spec._openapi import pascal as _pascal

__all__ = ["hoist_component_union_members", "hoist_inline_bodies", "unused_name"]

Spec = dict[str, Any]


def unused_name(schemas: dict[str, Any], wanted: str) -> str:
    """`wanted`, or `wanted2`, `wanted3`... whichever no component has taken yet."""
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
    name = unused_name(schemas, wanted)
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
            target = unused_name(schemas, wanted)
            schemas[target] = schema
        media["schema"] = {"$ref": f"#/components/schemas/{target}"}


def _is_structured(schema: dict[str, Any]) -> bool:
    return bool({"properties", "anyOf", "oneOf", "allOf"} & schema.keys()) or schema.get("type") == "object"
