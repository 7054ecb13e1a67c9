"""Arrays of JSON primitives: the decoded list is kept (no copy), and a misfit names its index.

spec/templates/property_templates/list_property.py.jinja checks each item of a
`string`/`integer`/`number`/`boolean` array in one pass and keeps the decoded list, as
openapi-python-client's stock template keeps it; the first item that does not fit
raises ModelParseError at `Model.field[i]`. Checked on every model of the spec with such
a property, and `errors.expect_items` (what the pass calls on a misfit) as a property
over any list.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from _specs import SCHEMA_SETTINGS, ModelSchema, model_schemas, model_strategy, object_parts, resolve, transformed_spec
from hypothesis import given, note
from hypothesis import strategies as st

from venice_api import errors
from venice_api.errors import ModelParseError

PRIMITIVES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (float, int),
    "boolean": (bool,),
}
# Values of every JSON type; each fits exactly one or two of the primitive types above.
PALETTE: list[Any] = ["text", 7, 2.5, True, None, {"a": 1}, [1]]


def _fits(value: Any, expected: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in expected
    return isinstance(value, expected)


def _primitive_arrays(model: ModelSchema) -> list[tuple[str, tuple[type, ...]]]:
    """The model's properties that are plain arrays of one primitive type (no enum, format or null)."""
    spec = transformed_spec()
    properties, _ = object_parts(resolve(model.schema, spec), spec)
    found = []
    for name, schema in properties.items():
        schema = resolve(schema, spec)
        if schema.get("type") != "array" or schema.get("nullable"):
            continue
        items = resolve(schema.get("items", {}), spec)
        kind = items.get("type")
        if kind in PRIMITIVES and not ({"enum", "format", "nullable", "anyOf", "oneOf", "allOf"} & set(items)):
            found.append((name, PRIMITIVES[kind]))
    return found


CASES = [pytest.param(model, arrays, id=model.id) for model in model_schemas() if (arrays := _primitive_arrays(model))]


def test_the_spec_has_primitive_arrays() -> None:
    assert len(CASES) >= 5, "the cases below would test next to nothing"


@pytest.mark.parametrize(("model", "arrays"), CASES)
@SCHEMA_SETTINGS
@given(data=st.data())
def test_a_misfit_item_names_its_index_and_a_fit_list_is_kept(
    model: ModelSchema, arrays: list[tuple[str, tuple[type, ...]]], data: st.DataObject
) -> None:
    value = data.draw(model_strategy(model), label=model.pointer)
    for name, expected in arrays:
        fitting = [item for item in PALETTE if _fits(item, expected)]
        misfits = [item for item in PALETTE if not _fits(item, expected)]
        good = data.draw(st.lists(st.sampled_from(fitting), max_size=4), label=f"{name} fitting items")
        bad = data.draw(st.sampled_from(misfits), label=f"{name} misfit")
        at = data.draw(st.integers(0, len(good)), label="misfit index")
        broken = copy.deepcopy(value) | {name: [*good[:at], bad, *good[at:], bad]}
        note(f"{model.class_name}.{name} = {broken[name]!r}")
        with pytest.raises(ModelParseError) as raised:
            model.cls.from_dict(broken)
        assert raised.value.path.endswith(f".{name}[{at}]"), raised.value.path

        whole = copy.deepcopy(value) | {name: list(good)}
        parsed = model.cls.from_dict(whole)
        # Kept, not copied: the stock to_dict hands the same list back out.
        assert parsed.to_dict()[name] is whole[name]


@given(
    items=st.lists(st.sampled_from(PALETTE), max_size=8),
    expected=st.sampled_from(list(PRIMITIVES.values())),
)
def test_expect_items_raises_at_the_first_misfit_and_accepts_a_fit_list(
    items: list[Any], expected: tuple[type, ...]
) -> None:
    misfits = [index for index, item in enumerate(items) if not _fits(item, expected)]
    if not misfits:
        assert errors.expect_items(items, expected) is None
        return
    with pytest.raises(ModelParseError) as raised:
        errors.expect_items(items, expected)
    assert raised.value.tail == f"[{misfits[0]}]"
