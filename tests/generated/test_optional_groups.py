"""Optional fields read in groups: from_dict asks once whether an object holds any key of a group.

spec/templates/model.py.jinja reads each run of up to eight optional fields in a row as
a group (`_OPTIONAL_KEYS_n`), skipping the group's per-field tests when none of its keys
is there. Checked on every model that has groups: the groups are disjoint runs of its
optional JSON names, and an object holding its required fields and any single optional
one of a drawn value parses to exactly that (each group's reading branch with one key,
every other group's skipping branch).
"""

from __future__ import annotations

import copy
import importlib
import sys
from typing import Any

import pytest
from _specs import SCHEMA_SETTINGS, ModelSchema, model_schemas, model_strategy, object_parts, transformed_spec
from hypothesis import given, note
from hypothesis import strategies as st
from test_schema_roundtrip import assert_same_json


def _groups(model: ModelSchema) -> list[frozenset[str]]:
    module = sys.modules.get(model.cls.__module__) or importlib.import_module(model.cls.__module__)
    names = sorted((name for name in vars(module) if name.startswith("_OPTIONAL_KEYS_")), key=lambda n: int(n[15:]))
    return [getattr(module, name) for name in names]


GROUPED = [model for model in model_schemas() if _groups(model)]


def test_some_models_read_their_optional_fields_in_groups() -> None:
    assert len(GROUPED) >= 10, f"only {len(GROUPED)} models have groups: the template's grouping changed"


@pytest.mark.parametrize("model", GROUPED, ids=lambda model: model.id)
def test_the_groups_are_disjoint_runs_of_the_optional_names(model: ModelSchema) -> None:
    properties, required = object_parts(model.schema, transformed_spec())
    optional = [name for name in properties if name not in required]
    seen: set[str] = set()
    for group in _groups(model):
        assert 3 <= len(group) <= 8, f"{model.class_name}: a group of {len(group)}"
        assert group <= set(optional), f"{model.class_name}: {sorted(group - set(optional))} are no optional fields"
        assert not group & seen, f"{model.class_name}: {sorted(group & seen)} in two groups"
        seen |= group


@pytest.mark.parametrize("model", GROUPED, ids=lambda model: model.id)
@SCHEMA_SETTINGS
@given(data=st.data())
def test_any_single_optional_field_is_read_alone(model: ModelSchema, data: st.DataObject) -> None:
    value: dict[str, Any] = data.draw(model_strategy(model), label=model.pointer)
    _properties, required = object_parts(model.schema, transformed_spec())
    grouped = set().union(*_groups(model))
    for key in sorted(set(value) & grouped):
        alone = {name: value[name] for name in value if name in required or name == key}
        note(f"{model.class_name}: {key} alone")
        parsed = model.cls.from_dict(copy.deepcopy(alone))
        assert_same_json(alone, parsed.to_dict())
        assert parsed.additional_properties == {}
