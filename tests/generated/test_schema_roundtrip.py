"""Every generated model reads what its schema allows and writes it back unchanged.

For each schema the generator turned into a class (`_specs.model_schemas()`: the
components of the transformed spec and every inline object inside them), Hypothesis
draws values from the schema (`schema_strategies.from_schema`) and checks
`Model.from_dict(x).to_dict() == x`, including values with unknown keys at every open
object level, and explicit nulls in every nullable property.

Equality is strict JSON equality: same keys (their order is no part of JSON), same
types (a bool is not a number, an int does not come back as a float, 1 is not "1"),
same values, with one normalization:

- date-time strings (values drawn for `format: date-time`) are compared as instants with
  their UTC offset, not as text. The models hold them as `datetime` and write them in
  one canonical spelling of their own (`Z` or `+00:00` for UTC, 0, 3 or 6 fraction
  digits), so `2024-05-01t12:30:00.5z` may come back as `2024-05-01T12:30:00.500Z`.
  Nothing else may change: the written text must be RFC 3339, name the same instant to
  the digit, and keep the offset (`+05:30` may not come back as UTC). The strategy draws
  at most 6 fraction digits, all a `datetime` holds.

Every drawn value is first validated against its schema (draft 4, see
`schema_strategies.to_json_schema`), so a mistake of the strategy is reported as one and
never blamed on a model. A model with a required `format: binary` property is built from
multipart form data only; its cases are skipped with that reason, not silently.

A failure names the schema's JSON pointer in the test id (relative to
`#/components/schemas/`) and in Hypothesis' notes, with the JSON path of the first
difference.
"""

from __future__ import annotations

import copy
import datetime
import re
from fractions import Fraction
from typing import Any

import pytest
from _specs import (
    SCHEMA_SETTINGS,
    ModelSchema,
    generated_model_classes,
    model_schemas,
    model_strategy,
    object_parts,
    python_field_names,
    require_spec,
    resolve,
    transformed_spec,
)
from hypothesis import Phase, given, note, settings
from hypothesis import strategies as st
from jsonschema.exceptions import best_match
from schema_strategies import (
    UNKNOWN_KEY_PREFIX,
    DateTimeStr,
    UnsupportedSchema,
    any_json,
    from_schema,
    json_types,
    unknown_key,
    validator_at,
)

require_spec()

MODELS = model_schemas()


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))", re.ASCII
)


def _instant(text: str, path: str) -> tuple[datetime.datetime, Fraction, int]:
    """An RFC 3339 date-time as (UTC instant to the second, exact fraction, offset in minutes)."""
    match = _RFC3339.fullmatch(text)
    assert match, f"{path}: {text!r} is not an RFC 3339 date-time"
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction = Fraction(int(match[7]), 10 ** len(match[7])) if match[7] else Fraction(0)
    offset = 0 if match[8] else (1 if match[9] == "+" else -1) * (int(match[10]) * 60 + int(match[11]))
    local = datetime.datetime(year, month, day, hour, minute, second)
    return local - datetime.timedelta(minutes=offset), fraction, offset


def assert_same_json(expected: Any, actual: Any, path: str = "$") -> None:
    """JSON equality, date-time strings compared as instants (see the module docstring)."""
    if isinstance(expected, DateTimeStr):
        assert isinstance(actual, str), f"{path}: expected a date-time string, got {actual!r}"
        assert _instant(actual, path) == _instant(expected, path), f"{path}: {expected!r} came back as {actual!r}"
        return
    try:
        actual_type = json_types(actual)
    except TypeError:
        raise AssertionError(f"{path}: to_dict() produced a non-JSON value {actual!r}") from None
    assert json_types(expected) == actual_type, f"{path}: {expected!r} came back as {actual!r}"
    if isinstance(expected, dict):
        lost, gained = expected.keys() - actual.keys(), actual.keys() - expected.keys()
        assert not lost and not gained, f"{path}: keys lost {sorted(lost)}, keys added {sorted(gained)}"
        for key, value in expected.items():
            assert_same_json(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(expected) == len(actual), f"{path}: {len(expected)} items came back as {len(actual)}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            assert_same_json(want, got, f"{path}[{index}]")
    else:
        assert expected == actual, f"{path}: {expected!r} came back as {actual!r}"


def round_trip(model: ModelSchema, value: dict[str, Any]) -> None:
    note(f"schema {model.pointer} -> venice_api.models.{model.class_name}")
    parsed = model.cls.from_dict(copy.deepcopy(value))
    assert_same_json(value, parsed.to_dict())


# --- the map from schemas to classes ----------------------------------------------------


@pytest.mark.parametrize("count", [len(MODELS)], ids=lambda count: f"{count}-model-schemas")
def test_every_model_schema_has_its_class_and_every_class_its_schema(count: int) -> None:
    classes = generated_model_classes()
    mapped = {model.class_name: model for model in MODELS}
    assert len(mapped) == count, "two schemas map to one class name"
    missing = sorted(f"{model.pointer} -> {model.class_name}" for model in MODELS if model.class_name not in classes)
    assert not missing, "schemas without the class the generator's naming rules predict:\n" + "\n".join(missing)
    unmapped = sorted(set(classes) - set(mapped))
    assert not unmapped, f"generated classes no schema maps to (the model map misses them): {unmapped}"
    spec = transformed_spec()
    for name, model in mapped.items():
        fields = {attribute.name for attribute in classes[name].__attrs_attrs__} - {"additional_properties"}
        assert fields == python_field_names(model.schema, spec), f"{model.pointer} -> {name}: fields differ"


# --- the strategy builder refuses what it does not know ---------------------------------------


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "object", "properties": {"a": {"type": "string", "not": {}}}}, r"#/x/properties/a: .*\bnot\b"),
        ({"type": "array", "items": {"type": "string"}, "uniqueItems": True}, r"#/x: .*uniqueItems"),
        ({"type": "object", "discriminator": {"propertyName": "kind"}}, r"#/x: .*discriminator"),
        ({"type": "number", "exclusiveMinimum": 0}, r"#/x: exclusiveMinimum must be a boolean"),
        ({"type": "string", "format": "hostname"}, r"#/x: unsupported format 'hostname'"),
        ({"type": "string", "pattern": "[a-z]+"}, r"#/x: only \^\.\.\.\$-anchored patterns"),
        ({"type": "integer", "maxLength": 3}, r"#/x: maxLength does not apply to type integer"),
        ({"$ref": "#/components/schemas/Nowhere"}, r"#/x: unresolvable reference"),
        ({"anyOf": [{"type": "string"}], "type": "string"}, r"#/x: anyOf combined with type"),
    ],
)
def test_strategy_builder_names_the_pointer_of_what_it_cannot_do(schema: dict[str, Any], message: str) -> None:
    with pytest.raises(UnsupportedSchema, match=message):
        from_schema(schema, {"components": {"schemas": {}}}, pointer="#/x")


# --- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.id)
@SCHEMA_SETTINGS
@given(data=st.data())
def test_round_trip(model: ModelSchema, data: st.DataObject) -> None:
    value = data.draw(model_strategy(model), label=model.pointer)
    # The strategy's own soundness first, so that its mistakes are not blamed on the model.
    error = best_match(validator_at(transformed_spec(), model.pointer).iter_errors(value))
    assert error is None, f"schema_strategies drew a value {model.pointer} rejects: {error.message}"
    round_trip(model, value)


def _open(model: ModelSchema) -> bool:
    """Whether the schema lets unknown keys in (additionalProperties absent or true)."""
    return all(
        resolve(part, transformed_spec()).get("additionalProperties") in (None, True, {})
        for part in [model.schema, *model.schema.get("allOf", [])]
    )


OPEN_MODELS = [model for model in MODELS if _open(model)]


@pytest.mark.parametrize("model", OPEN_MODELS, ids=lambda model: model.id)
@SCHEMA_SETTINGS
@given(data=st.data())
def test_unknown_keys_survive(model: ModelSchema, data: st.DataObject) -> None:
    value = data.draw(model_strategy(model, extra_keys=True), label=model.pointer)
    # Nested objects may get unknown keys; the top level always has at least one.
    value[data.draw(unknown_key(), label="unknown key")] = data.draw(any_json(3), label="its value")
    unknown = [key for key in value if key.startswith(UNKNOWN_KEY_PREFIX)]
    round_trip(model, value)
    given = copy.deepcopy(value)
    parsed = model.cls.from_dict(given)
    assert given == value, "from_dict reads its input, never changes it"
    assert set(unknown) <= set(parsed.additional_properties), "unknown keys must land in additional_properties"
    properties, _required = object_parts(model.schema, transformed_spec())
    assert set(parsed.additional_properties) == set(value) - set(properties), "and only they"
    assert parsed.additional_properties is not given


def _accepts_null(schema: Any) -> bool:
    schema = resolve(schema, transformed_spec())
    if schema.get("nullable") is True or None in (schema.get("enum") or []):
        return True
    return any(_accepts_null(member) for member in schema.get("anyOf", []) + schema.get("oneOf", []))


def nullable_properties(model: ModelSchema) -> list[str]:
    properties, _required = object_parts(model.schema, transformed_spec())
    return [name for name, prop in properties.items() if _accepts_null(prop)]


NULLABLE_MODELS = [model for model in MODELS if nullable_properties(model)]


@pytest.mark.parametrize("model", NULLABLE_MODELS, ids=lambda model: model.id)
@SCHEMA_SETTINGS
@given(data=st.data())
def test_explicit_nulls_survive(model: ModelSchema, data: st.DataObject) -> None:
    value = data.draw(model_strategy(model), label=model.pointer)
    value |= dict.fromkeys(nullable_properties(model))
    round_trip(model, value)


# --- date-time spellings -------------------------------------------------------------------


def _date_time_fields() -> list[tuple[ModelSchema, str]]:
    found = []
    for model in MODELS:
        properties, _required = object_parts(model.schema, transformed_spec())
        for name, prop in properties.items():
            prop = resolve(prop, transformed_spec())
            if prop.get("format") == "date-time" and prop.get("type") == "string":
                found.append((model, name))
    return found


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T12:30:00Z",
        "2024-05-01T12:30:00+00:00",
        "2024-05-01T12:30:00.5-03:30",
        "2024-05-01T12:30:00.123Z",
        "2024-05-01T12:30:00.123456+14:00",
        # RFC 3339 section 5.6 allows lower case; Python 3.11's fromisoformat does not.
        "2024-05-01t12:30:00z",
        "2024-05-01T12:30:00.000001z",
    ],
)
@settings(SCHEMA_SETTINGS, max_examples=1, phases=[Phase.generate])
@given(data=st.data())
def test_rfc3339_date_time_spellings(text: str, data: st.DataObject) -> None:
    fields = _date_time_fields()
    assert fields, "the spec has no date-time property any more: drop this test"
    for model, name in fields:
        note(f"schema {model.pointer}/properties/{name} -> venice_api.models.{model.class_name}")
        value = data.draw(model_strategy(model), label=model.pointer) | {name: DateTimeStr(text)}
        round_trip(model, value)
