"""What the generated models send is what Venice's own spec asks for.

For every operation with a JSON request body, Hypothesis draws a body from the schema
the generator saw (the transformed spec), builds the generated model with `from_dict`,
serializes it with `to_dict()` and validates the result against the ORIGINAL request
schema of spec/swagger.yaml, so a transform or a template that changed the meaning of a
body fails here. No unknown keys are drawn: the original schemas are closed
(`additionalProperties: false`), and sending extra fields is a caller's choice.

Validation is JSON Schema draft 4, which reads OpenAPI 3.0 schemas the same way
(boolean `exclusiveMinimum`, keywords beside `$ref` ignored), after
`schema_strategies.to_json_schema` spells `nullable: true` as a null type (and adds null
to a nullable enum). `$ref`s resolve against the converted original spec.

A body whose transformed schema is a union (JSON-RPC's object-or-batch) has no class of
its own: each member is tested with its member's class (a list of them for an array).

venice_ext's `checked_body` sends a body as the caller gave it once the model accepted
it, instead of the model's `to_dict()`: on every body drawn, with or without extra_body
fields, the two must be the same JSON.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import pytest
from _specs import (
    SCHEMA_SETTINGS,
    RequestBody,
    json_request_bodies,
    model_schemas,
    original_spec,
    require_spec,
    resolve_pointer,
    transformed_spec,
)
from hypothesis import given, note
from hypothesis import strategies as st
from jsonschema.exceptions import best_match
from schema_strategies import from_schema, validator_at
from test_schema_roundtrip import assert_same_json

from venice_ext._core._requests import build_body, checked_body

require_spec()


@dataclass(frozen=True)
class BodyShape:
    """One way to send a body: a model class, or a list of them (`many`)."""

    body: RequestBody
    pointer: str  # the drawn schema, in the transformed spec
    class_name: str
    many: bool

    @property
    def id(self) -> str:
        return f"{self.body.operation_id}:{self.class_name}{'[]' if self.many else ''}"


def _shapes(body: RequestBody) -> list[BodyShape]:
    spec = transformed_spec()
    classes = {model.pointer: model.class_name for model in model_schemas()}
    schema = resolve_pointer(spec, body.pointer)
    pointer = schema.get("$ref", body.pointer)
    if pointer in classes:
        return [BodyShape(body, pointer, classes[pointer], many=False)]
    target = resolve_pointer(spec, pointer)
    shapes = []
    for keyword in ("anyOf", "oneOf"):
        for index, member in enumerate(target.get(keyword, [])):
            member_pointer = member.get("$ref", f"{pointer}/{keyword}/{index}")
            if member_pointer in classes:
                shapes.append(BodyShape(body, member_pointer, classes[member_pointer], many=False))
                continue
            member = resolve_pointer(spec, member_pointer)
            items = member.get("items", {}) if member.get("type") == "array" else {}
            items_pointer = items.get("$ref", f"{member_pointer}/items")
            if items_pointer in classes:
                shapes.append(BodyShape(body, member_pointer, classes[items_pointer], many=True))
    return shapes


SHAPES = [shape for body in json_request_bodies() for shape in _shapes(body)]


def test_every_json_request_body_has_a_model() -> None:
    bodies = json_request_bodies()
    assert bodies, "no JSON request body found: the spec or the walk changed"
    without = [body.operation_id for body in bodies if not _shapes(body)]
    assert not without, f"JSON request bodies with no generated model to build them: {without}"


@functools.cache
def original_validator(body: RequestBody) -> Any:
    return validator_at(original_spec(), body.pointer)


@functools.cache
def _strategy(shape: BodyShape) -> st.SearchStrategy[Any]:
    spec = transformed_spec()
    return from_schema(resolve_pointer(spec, shape.pointer), spec, pointer=shape.pointer)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.id)
@SCHEMA_SETTINGS
@given(data=st.data())
def test_request_body_matches_the_original_schema(shape: BodyShape, data: st.DataObject) -> None:
    from venice_api import models

    cls = getattr(models, shape.class_name)
    note(f"{shape.body.method.upper()} {shape.body.path}: drawn from {shape.pointer}, built as {shape.class_name}")
    value = data.draw(_strategy(shape), label=shape.pointer)
    sent = [cls.from_dict(item).to_dict() for item in value] if shape.many else cls.from_dict(value).to_dict()
    json.dumps(sent)  # what httpx would send must be JSON
    error = best_match(original_validator(shape.body).iter_errors(sent))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path)
        raise AssertionError(
            f"{shape.class_name}.to_dict() is not valid under the original schema at {shape.body.pointer} "
            f"(value at /{where}, schema keyword {'/'.join(str(p) for p in error.absolute_schema_path)}): "
            f"{error.message}"
        )


_extra_fields = st.dictionaries(st.text(min_size=1, max_size=8), st.integers() | st.text(max_size=4), max_size=3)


@pytest.mark.parametrize("shape", [shape for shape in SHAPES if not shape.many], ids=lambda shape: shape.id)
@SCHEMA_SETTINGS
@given(data=st.data())
def test_a_checked_body_sends_what_the_model_would(shape: BodyShape, data: st.DataObject) -> None:
    from venice_api import models

    cls = getattr(models, shape.class_name)
    value = data.draw(_strategy(shape), label=shape.pointer)
    # Some extra_body keys may be field names: the model's to_dict lets the field win.
    names = sorted(value) or ["model"]
    extra = data.draw(_extra_fields | st.dictionaries(st.sampled_from(names), st.integers(), max_size=2), label="extra")
    for extra_body in (None, extra):
        expected = build_body(cls.from_dict, value, extra_body, name=shape.class_name).to_dict()
        checked = checked_body(cls.from_dict, value, extra_body, name=shape.class_name)
        sent = checked.to_dict()
        assert_same_json(expected, sent)
        assert_same_json(sent, expected)
        if checked.encoded is not None:  # the bytes that go out, encoded once
            assert_same_json(expected, json.loads(checked.encoded))
