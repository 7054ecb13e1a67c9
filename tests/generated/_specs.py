"""Shared by the schema-driven tests of this folder: the specs, the model map, the settings.

Both specs are read once per session (parsing the YAML takes a couple of seconds):
`original_spec()` is spec/swagger.yaml as Venice publishes it, `transformed_spec()`
is what the generator was fed (`apply_transforms`).

`model_schemas()` lists every schema that becomes a generated model class, with the
class it became. It follows openapi-python-client's own rules (0.29, see
`parser/properties/__init__.py:property_from_data`): a component is named after its
key, an inline object after its parent class plus its property name, an array's items
get `_item`, the members of a union (`anyOf`/`oneOf`, or `nullable`, which the
generator turns into a union with null) get `_type_{i}`. The map is checked against
the generated package in both directions by the tests, so a rule that drifts from the
generator's shows up as a failure, not as a silently skipped model.

Not a conftest: tests/generated/conftest.py belongs to the Prism contract tests.
"""

from __future__ import annotations

import copy
import functools
import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from openapi_python_client.strings import ClassName, PythonIdentifier, pascal_case

ROOT = Path(__file__).resolve().parents[2]
SPEC_FILE = ROOT / "spec" / "swagger.yaml"
FIELD_PREFIX = "field_"  # spec/generator.yaml: field_prefix
JSON = "application/json"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# --- hypothesis profiles --------------------------------------------------------------
# Applied per test (`@SCHEMA_SETTINGS`), not loaded globally, so other test modules keep
# Hypothesis' defaults. The quick profile runs hundreds of parametrized cases; a handful of
# examples each is what keeps it well under a minute on two cores.
_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    "print_blob": True,
}
settings.register_profile("venice-schemas-quick", max_examples=4, database=None, **_COMMON)
settings.register_profile("venice-schemas-deep", max_examples=200, **_COMMON)
DEEP = os.environ.get("VENICE_DEEP_TESTS", "") not in ("", "0")
PROFILE = "venice-schemas-deep" if DEEP else "venice-schemas-quick"
SCHEMA_SETTINGS = settings.get_profile(PROFILE)


def require_spec() -> None:
    """Skip the calling module when the spec has not been fetched (it is never committed)."""
    if not SPEC_FILE.exists():
        pytest.skip(f"{SPEC_FILE.relative_to(ROOT)} is missing: run `make spec`", allow_module_level=True)


@functools.cache
def original_spec() -> dict[str, Any]:
    from scripts.spec_io import load_spec_file

    return load_spec_file(SPEC_FILE)


@functools.cache
def transformed_spec() -> dict[str, Any]:
    from scripts.transforms import apply_transforms

    return apply_transforms(copy.deepcopy(original_spec()))


# --- JSON pointers --------------------------------------------------------------------


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def resolve_pointer(document: Any, pointer: str) -> Any:
    if not pointer.startswith("#"):
        raise ValueError(f"only local references are supported, got {pointer!r}")
    node = document
    for token in [t for t in pointer[1:].split("/") if t != ""]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def iter_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items() if isinstance(item, dict) else ():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield path, method, operation


# --- the model map --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ModelSchema:
    """A schema the generator turned into a class.

    `schema` is the node as the generator saw it: for the object member of a nullable
    object (`type: [object, null]` to the generator) it is a copy without `nullable`.
    `pointer` locates the node in the transformed spec.
    """

    pointer: str
    class_name: str
    schema: dict[str, Any]

    def __repr__(self) -> str:
        # Hypothesis prints the arguments of a failing case; the schema itself would be noise.
        return f"ModelSchema({self.pointer!r} -> {self.class_name})"

    @property
    def cls(self) -> type:
        return model_class(self.class_name)

    @property
    def id(self) -> str:
        return self.pointer.removeprefix("#/components/schemas/")


def _class_name(name: str, parent: str, title: Any) -> str:
    base = title if isinstance(title, str) and title else name
    return str(ClassName(f"{pascal_case(parent)}{pascal_case(base)}" if parent else base, FIELD_PREFIX))


def _as_generator_sees_it(schema: dict[str, Any]) -> dict[str, Any]:
    """Apply the generator's `handle_nullable` (OpenAPI 3.0 `nullable` -> 3.1 null type)."""
    if schema.get("nullable") is not True:
        return schema
    schema = dict(schema)
    if isinstance(schema.get("type"), str):
        schema["type"] = [schema["type"], "null"]
    elif schema.get("oneOf"):
        schema["oneOf"] = [*schema["oneOf"], {"type": "null"}]
    elif schema.get("anyOf"):
        schema["anyOf"] = [*schema["anyOf"], {"type": "null"}]
    elif schema.get("allOf"):
        schema["oneOf"] = [{"type": "null"}, {"allOf": schema.pop("allOf")}]
    return schema


def _visit(
    schema: Any, name: str, parent: str, pointer: str, found: list[ModelSchema], *, nullable_done: bool = False
) -> None:
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    seen = schema if nullable_done else _as_generator_sees_it(schema)
    members = [*seen.get("allOf", []), *seen.get("anyOf", []), *seen.get("oneOf", [])]
    if len(members) == 1 and isinstance(members[0], dict) and "$ref" in members[0]:
        return
    kind = seen.get("type")
    if kind == "boolean" or seen.get("enum"):
        return
    if seen.get("anyOf") or seen.get("oneOf") or isinstance(kind, list):
        for index, (member, member_pointer, done) in enumerate(_union_members(schema, seen, pointer)):
            title = member.get("title") if isinstance(member, dict) else None
            subscript = title if isinstance(title, str) and title != schema.get("title") else f"type_{index}"
            _visit(member, f"{name}_{subscript}", parent, member_pointer, found, nullable_done=done)
        return
    if kind in ("string", "number", "integer", "null"):
        return
    if kind == "array":
        _visit(seen.get("items"), f"{name}_item", parent, f"{pointer}/items", found)
        return
    if kind == "object" or seen.get("allOf") or (kind is None and seen.get("properties")):
        class_name = _class_name(name, parent, seen.get("title"))
        found.append(ModelSchema(pointer, class_name, seen))
        parts = [(seen, pointer)]
        parts += [(member, f"{pointer}/allOf/{i}") for i, member in enumerate(seen.get("allOf", []))]
        for part, part_pointer in parts:
            for prop, prop_schema in (part.get("properties") or {}).items():
                _visit(prop_schema, prop, class_name, f"{part_pointer}/properties/{escape(prop)}", found)
            extra = part.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                _visit(extra, "AdditionalProperty", class_name, f"{part_pointer}/additionalProperties", found)


def _union_members(schema: dict[str, Any], seen: dict[str, Any], pointer: str) -> list[tuple[Any, str, bool]]:
    """The generator's union members in its order (anyOf, oneOf, then `type` list), located."""
    null = ({"type": "null"}, pointer, True)
    if "allOf" in schema and "allOf" not in seen:
        return [null, ({"allOf": schema["allOf"]}, pointer, True)]
    members: list[tuple[Any, str, bool]] = []
    for keyword in ("anyOf", "oneOf"):
        members += [(m, f"{pointer}/{keyword}/{i}", False) for i, m in enumerate(schema.get(keyword) or [])]
    if isinstance(seen.get("type"), list):
        bare = {k: v for k, v in schema.items() if k != "nullable"}
        members += [(bare | {"type": single}, pointer, True) for single in seen["type"]]
    elif schema is not seen:
        members.append(null)
    return members


@functools.cache
def model_schemas() -> tuple[ModelSchema, ...]:
    found: list[ModelSchema] = []
    for name, schema in transformed_spec().get("components", {}).get("schemas", {}).items():
        _visit(schema, name, "", f"#/components/schemas/{escape(name)}", found)
    return tuple(found)


def model_class(class_name: str) -> type:
    models = importlib.import_module("venice_api.models")
    cls = getattr(models, class_name, None)
    if not isinstance(cls, type) or not hasattr(cls, "from_dict"):
        raise LookupError(f"venice_api.models has no model class {class_name}")
    return cls


def generated_model_classes() -> dict[str, type]:
    """Every attrs model class venice_api.models exports (literal enums are not classes)."""
    models = importlib.import_module("venice_api.models")
    # The package loads its models on first use: ask for each exported name.
    exported = {name: getattr(models, name) for name in models.__all__}
    return {
        name: value
        for name, value in exported.items()
        if isinstance(value, type) and hasattr(value, "from_dict") and hasattr(value, "__attrs_attrs__")
    }


def python_field_names(schema: dict[str, Any], spec: dict[str, Any]) -> set[str]:
    """The attribute names the generator gives a model's properties (allOf parts merged)."""
    names: set[str] = set()
    for part in [schema, *schema.get("allOf", [])]:
        if "$ref" in part:
            part = resolve_pointer(spec, part["$ref"])
            names |= python_field_names(part, spec)
            continue
        names |= {str(PythonIdentifier(prop, FIELD_PREFIX)) for prop in part.get("properties") or {}}
    return names


def resolve(schema: Any, spec: dict[str, Any]) -> Any:
    """Follow `$ref`s until a schema that is not a reference."""
    seen: set[str] = set()
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen:
            raise ValueError(f"circular reference {ref}")
        seen.add(ref)
        schema = resolve_pointer(spec, ref)
    return schema


def object_parts(schema: dict[str, Any], spec: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """A model schema's properties and required names, its allOf parts merged."""
    properties: dict[str, Any] = {}
    required: set[str] = set()
    for part in [schema, *schema.get("allOf", [])]:
        part = resolve(part, spec)
        if part is not schema and "allOf" in part:
            sub_properties, sub_required = object_parts(part, spec)
            properties |= sub_properties
            required |= sub_required
            continue
        properties |= part.get("properties") or {}
        required |= set(part.get("required") or [])
    return properties, required


# --- strategies -----------------------------------------------------------------------


@functools.cache
def model_strategy(model: ModelSchema, *, extra_keys: bool = False) -> Any:
    """Values of a model's schema (built once per session), or pytest.skip for multipart-only ones."""
    from schema_strategies import NotJSON, from_schema

    try:
        return from_schema(model.schema, transformed_spec(), pointer=model.pointer, extra_keys=extra_keys)
    except NotJSON as exc:
        # A required file part has no JSON form: the model is built from multipart only.
        pytest.skip(f"{model.class_name} is multipart-only: {exc}")


# --- request bodies -------------------------------------------------------------------


@dataclass(frozen=True)
class RequestBody:
    """An operation's JSON request body: where it sits in both specs."""

    operation_id: str
    path: str
    method: str

    @property
    def pointer(self) -> str:
        """The body schema's location, the same in both specs (transforms keep paths)."""
        return f"#/paths/{escape(self.path)}/{self.method}/requestBody/content/{escape(JSON)}/schema"


@functools.cache
def json_request_bodies() -> tuple[RequestBody, ...]:
    bodies = []
    for path, method, operation in iter_operations(original_spec()):
        content = (operation.get("requestBody") or {}).get("content") or {}
        if JSON in content:
            bodies.append(RequestBody(operation.get("operationId") or f"{method} {path}", path, method))
    return tuple(bodies)
