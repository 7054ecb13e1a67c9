"""Malformed input makes a generated model raise ModelParseError naming the field.

Hypothesis draws a valid instance of each model's schema (`_specs.model_strategy`) and
corrupts it one field at a time. Every corruption must end in
`venice_api.errors.ModelParseError` (never AttributeError, KeyError or TypeError) whose
`path` names the field: `Model.field`, or a longer path below it (`Model.field.inner`,
`Model.field[0].inner`) when the failure is found deeper down, e.g. in the member of a
union that was tried last.

The corruptions, and what each must do:

- the top level is not a JSON object (null, a boolean, a number, a string, an array):
  the error's path is the model's name alone;
- a required property is missing: the path is `Model.property`;
- a property holds a value of a JSON type its schema does not accept: every property is
  tried with a fixed palette covering every JSON type (empty and non-empty string, array
  and object, 0 and 7, 1.5, true and false, null) plus one value Hypothesis draws, each
  value whose type the schema rules out (`accepted_types`) must fail with a path under
  `Model.property`. An integer is a valid `number`; 1.5 is not a valid `integer`;
- a property whose schema accepts any JSON value (no type: `{}`, `{nullable: true}`, or a
  union with such a member) takes every palette value and the drawn one and gives it
  back unchanged from to_dict();
- a nested object's own property is missing or holds a string instead of an object: the
  path runs through the parent, `Model.parent.inner`, and through a list with the item's
  index, `Model.items[1].inner` (the format errors.ModelParseError documents).

`format: binary` properties are left alone: they are multipart file parts with no JSON
form, so no JSON value is right or wrong for them.

The wrong-type cases are grouped by how the generator types the property, because each
group is parsed by a different template and fails (or not) for its own reason: `primitive`
(a plain str/int/float/bool attribute), `union` (anyOf/oneOf, every `nullable` typed
property, which the generator reads as a union with null, and an enum listing null),
`array`, `enum` (a Literal), `object` (a nested model), `datetime`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from _specs import (
    SCHEMA_SETTINGS,
    ModelSchema,
    escape,
    model_schemas,
    model_strategy,
    object_parts,
    require_spec,
    resolve,
    transformed_spec,
)
from hypothesis import given, note
from hypothesis import strategies as st
from schema_strategies import any_json, from_schema, json_types

from venice_api.errors import ModelParseError

require_spec()

MODELS = model_schemas()
ANY = None  # accepted_types() of a schema that takes every JSON value

PALETTE: tuple[Any, ...] = ("", "x", 0, 7, 1.5, True, False, None, [], ["x"], {}, {"x": 1})
NON_OBJECTS: tuple[Any, ...] = (None, True, 0, 1.5, "x", "", [], [{}])


# --- reading the schemas --------------------------------------------------------------------


def accepted_types(schema: Any) -> frozenset[str] | None:
    """The JSON types a schema accepts (`integer` counts as a `number`), or ANY."""
    schema = resolve(schema, transformed_spec())
    nullable = {"null"} if schema.get("nullable") is True else set()
    if "enum" in schema:
        return frozenset({json_types(value) for value in schema["enum"]} | nullable)
    members = schema.get("anyOf", []) + schema.get("oneOf", [])
    if members:
        found: set[str] = set(nullable)
        for member in members:
            types = accepted_types(member)
            if types is ANY:
                return ANY
            found |= types
        return frozenset(found)
    if "allOf" in schema:
        return frozenset({"object"} | nullable)
    kind = schema.get("type")
    if kind is None:
        return frozenset({"object"} | nullable) if "properties" in schema else ANY
    if kind == "number":
        return frozenset({"number", "integer"} | nullable)
    return frozenset({kind} | nullable)


def is_binary(schema: Any) -> bool:
    schema = resolve(schema, transformed_spec())
    members = schema.get("anyOf", []) + schema.get("oneOf", [])
    if schema.get("type") == "array":
        return is_binary(schema.get("items", {}))
    return schema.get("format") == "binary" or any(is_binary(member) for member in members)


def generator_kind(schema: Any) -> str:
    """How openapi-python-client types the property (its `property_from_data` order)."""
    schema = resolve(schema, transformed_spec())
    nullable = schema.get("nullable") is True
    kind = schema.get("type")
    if accepted_types(schema) is ANY:
        return "any"
    if kind == "boolean" and not nullable:
        return "primitive"
    if schema.get("enum"):
        # An enum listing null becomes `null | Literal[...]`, a union.
        return "union" if None in schema["enum"] else "enum"
    if "anyOf" in schema or "oneOf" in schema or (nullable and (kind is not None or "allOf" in schema)):
        return "union"
    if kind == "array":
        return "array"
    if kind == "object" or "allOf" in schema or "properties" in schema:
        return "object"
    if kind == "string" and schema.get("format") in ("date-time", "date"):
        return "datetime"
    return "primitive"


NULL: dict[str, Any] = {"type": "null"}


def union_members(schema: Any) -> Iterator[dict[str, Any]]:
    """A union's members as the generator flattens them: nested unions inlined, null a member."""
    schema = resolve(schema, transformed_spec())
    if generator_kind(schema) != "union":
        yield schema
        return
    bare = {key: value for key, value in schema.items() if key != "nullable"}
    if schema.get("enum"):
        yield NULL
        yield bare | {"enum": [value for value in schema["enum"] if value is not None]}
        return
    members = schema.get("anyOf", []) + schema.get("oneOf", [])
    if schema.get("nullable") is True:
        yield NULL
    if not members:
        yield bare
    for member in members:
        yield from union_members(member)


# --- where to corrupt -------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """One property of a model, with what its schema accepts."""

    name: str
    schema: dict[str, Any]
    required: bool

    @property
    def kind(self) -> str:
        return generator_kind(self.schema)

    @property
    def accepted(self) -> frozenset[str] | None:
        return accepted_types(self.schema)

    def wrong(self, value: Any) -> bool:
        accepted = self.accepted
        return accepted is not ANY and json_types(value) not in accepted


def sites(model: ModelSchema) -> list[Site]:
    properties, required = object_parts(model.schema, transformed_spec())
    return [Site(name, prop, name in required) for name, prop in properties.items() if not is_binary(prop)]


def path_names(error: ModelParseError, model: ModelSchema, name: str) -> bool:
    stem = f"{model.class_name}.{name}"
    return error.path == stem or error.path.startswith((f"{stem}.", f"{stem}["))


def parse(model: ModelSchema, value: Any) -> Any:
    note(f"schema {model.pointer} -> venice_api.models.{model.class_name}; input {value!r}")
    return model.cls.from_dict(value)


def _check_wrong_types(model: ModelSchema, kind: str, data: st.DataObject) -> None:
    """Every property of `kind`, given each wrong JSON type in turn, must fail naming the property."""
    value = data.draw(model_strategy(model), label=model.pointer)
    failures = []
    for site in sites(model):
        if site.kind != kind:
            continue
        wrong = [bad for bad in PALETTE if site.wrong(bad)]
        if not wrong:
            continue
        wrong.append(data.draw(any_json().filter(site.wrong), label=f"wrong value for {site.name}"))
        for bad in wrong:
            try:
                parse(model, copy.deepcopy(value) | {site.name: copy.deepcopy(bad)})
            except ModelParseError as error:
                if not path_names(error, model, site.name):
                    failures.append(f"{site.name}={bad!r}: the error does not name the field: {error}")
            else:
                accepted = sorted(site.accepted or [])
                failures.append(f"{site.name}={bad!r} parsed without error (the schema accepts {accepted})")
    assert not failures, f"{model.pointer} -> {model.class_name}:\n" + "\n".join(failures)


def _case(model: ModelSchema, kind: str) -> Any:
    return pytest.param(model, kind, id=f"{model.id}:{kind}")


KINDS = ("primitive", "union", "array", "enum", "object", "datetime")
WRONG_TYPE_CASES = [
    (model, kind)
    for model in MODELS
    for kind in KINDS
    if any(site.kind == kind and any(map(site.wrong, PALETTE)) for site in sites(model))
]


@pytest.mark.parametrize(("model", "kind"), [_case(model, kind) for model, kind in WRONG_TYPE_CASES])
@SCHEMA_SETTINGS
@given(data=st.data())
def test_wrong_json_type(model: ModelSchema, kind: str, data: st.DataObject) -> None:
    _check_wrong_types(model, kind, data)


ANY_MODELS = [model for model in MODELS if any(site.kind == "any" for site in sites(model))]


@pytest.mark.parametrize("model", ANY_MODELS, ids=lambda model: model.id)
@SCHEMA_SETTINGS
@given(data=st.data())
def test_any_typed_property_takes_every_json_value(model: ModelSchema, data: st.DataObject) -> None:
    value = data.draw(model_strategy(model), label=model.pointer)
    for site in sites(model):
        if site.kind != "any":
            continue
        for anything in [*PALETTE, data.draw(any_json(), label=f"value for {site.name}")]:
            written = parse(model, copy.deepcopy(value) | {site.name: copy.deepcopy(anything)}).to_dict()
            assert written[site.name] == anything and json_types(written[site.name]) == json_types(anything)


# --- errors below the top level ---------------------------------------------------------------


@dataclass(frozen=True)
class NestedSite:
    """A property `inner` of the model held by the top-level property `outer` (in a list, if `listed`)."""

    outer: str
    inner: str
    pointer: str  # the inner model's schema
    schema: dict[str, Any]
    listed: bool
    drop: bool  # True: leave `inner` out (it is required); False: make it a string (it is an object)

    def __repr__(self) -> str:
        change = "dropped" if self.drop else "a string"
        return f"NestedSite({self.outer}{'[]' if self.listed else ''}.{self.inner} {change})"

    def path(self, model: ModelSchema) -> str:
        return f"{model.class_name}.{self.outer}{'[1]' if self.listed else ''}.{self.inner}"


def nested_sites(model: ModelSchema) -> list[NestedSite]:
    spec = transformed_spec()
    found = []
    for site in sites(model):
        schema, listed = site.schema, False
        if site.kind == "array":
            schema, listed = resolve(site.schema, spec).get("items", {}), True
        if generator_kind(schema) != "object":
            continue
        pointer = schema.get("$ref") or _pointer_of(model, site.name, listed)
        inner = resolve(schema, spec)
        properties, required = object_parts(inner, spec)
        for name, prop in properties.items():
            if is_binary(prop):
                continue
            if name in required:
                found.append(NestedSite(site.name, name, pointer, inner, listed, drop=True))
                break
            if generator_kind(prop) == "object":
                found.append(NestedSite(site.name, name, pointer, inner, listed, drop=False))
                break
    return found


def _pointer_of(model: ModelSchema, name: str, listed: bool) -> str:
    for part_pointer, part in [(model.pointer, model.schema)] + [
        (f"{model.pointer}/allOf/{i}", member) for i, member in enumerate(model.schema.get("allOf", []))
    ]:
        if name in (part.get("properties") or {}):
            return f"{part_pointer}/properties/{escape(name)}{'/items' if listed else ''}"
    raise LookupError(f"{model.pointer} declares no {name} inline")


def _nested_cases(listed: bool) -> list[Any]:
    cases = []
    for model in MODELS:
        chosen = [site for site in nested_sites(model) if site.listed is listed]
        if chosen:
            cases.append(pytest.param(model, chosen, id=model.id))
    return cases


def _check_nested(model: ModelSchema, chosen: list[NestedSite], data: st.DataObject) -> None:
    value = data.draw(model_strategy(model), label=model.pointer)
    spec = transformed_spec()
    failures = []
    for site in chosen:
        inner = from_schema(site.schema, spec, pointer=site.pointer)
        good, bad = data.draw(inner, label=f"{site.outer} item"), data.draw(inner, label=f"{site.outer} to break")
        if site.drop:
            bad.pop(site.inner, None)
        else:
            bad[site.inner] = "not an object"
        broken = copy.deepcopy(value) | {site.outer: [good, bad] if site.listed else bad}
        try:
            parse(model, broken)
        except ModelParseError as error:
            if error.path != site.path(model):
                failures.append(f"expected the path {site.path(model)}, got {error.path} ({error})")
        else:
            failures.append(f"{site.path(model)} broken, but parsed without error")
    assert not failures, f"{model.pointer} -> {model.class_name}:\n" + "\n".join(failures)


@pytest.mark.parametrize(("model", "chosen"), _nested_cases(listed=False))
@SCHEMA_SETTINGS
@given(data=st.data())
def test_error_path_through_a_nested_object(model: ModelSchema, chosen: list[NestedSite], data: st.DataObject) -> None:
    _check_nested(model, chosen, data)


@pytest.mark.parametrize(("model", "chosen"), _nested_cases(listed=True))
@SCHEMA_SETTINGS
@given(data=st.data())
def test_error_path_through_a_list_item(model: ModelSchema, chosen: list[NestedSite], data: st.DataObject) -> None:
    _check_nested(model, chosen, data)
