"""spec/always_sent.yaml against the evidence: the pinned spec, the canned answers, real /models answers.

`require_always_sent_response_fields` makes every listed field required, so an answer
without one fails to parse. These tests hold the list to what Venice is seen to send:
the fake server's canned answers (which the rest of the suite parses) and the captured
/models and /models/traits answers in ../shared/venice-spec.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from scripts import always_sent as a
from scripts import transforms as t
from scripts.spec_io import load_spec_file
from venice_ext.testing._canned import ALTERNATES, CANNED

ROOT = Path(__file__).resolve().parents[2]
SPEC_FILE = ROOT / "spec" / "swagger.yaml"
SHARED = ROOT.parent / "shared" / "venice-spec"
# Each captured answer: the component, and the property under it, that its items are instances of.
# /models/traits answers a map of trait -> model, a schema with no declared properties: no entry
# can name a field there today, and one that does later is checked against the real answer.
CAPTURED = {
    "models-snapshot.json": ("ModelResponse", None),
    "traits-snapshot.json": ("ListModelTraitsResponse", "data"),
}
BEFORE = tuple(
    transform for transform in t.GENERATOR_TRANSFORMS if transform is not t.require_always_sent_response_fields
)

# What the list changes in the pinned spec: the fields it leaves optional. When Venice
# relaxes another listed field (as it did `choices` in 2025-12) or requires one of these,
# this fails so that someone checks whether the field is still always sent.
ADDED_TO_PINNED_SPEC = {
    "CreateChatCompletionResponse.choices",
    "CreateChatCompletionResponse.choices[].message.content",
    "ModelResponse.created",
    "ModelResponse.model_spec.name",
    "ModelResponse.model_spec.traits",
}


@functools.cache
def untouched_spec() -> dict[str, Any]:
    """The pinned spec through every transform but this one: what the list's addresses name."""
    if not SPEC_FILE.exists():
        pytest.skip(f"{SPEC_FILE.relative_to(ROOT)} is missing: run `make spec`")
    return t.apply_transforms(load_spec_file(SPEC_FILE), BEFORE)


def listed_fields() -> list[tuple[str, str]]:
    return [(address, prop) for address, props in a.always_sent_list().items() for prop in props]


def missing_fields(schemas: dict[str, Any], instances: Iterable[tuple[Any, Any]]) -> tuple[list[str], set[str]]:
    """Listed fields absent from an instance their schema describes; and the fields no instance reached."""
    samples = a.samples_by_schema(schemas, instances)
    missing, unseen = [], set()
    for address, prop in listed_fields():
        targets, _problem = a.always_sent_targets(schemas, address, prop)
        seen = [sample for _owner, node in targets for sample in samples.get(id(node), ()) if isinstance(sample, dict)]
        if not seen:
            unseen.add(f"{address}.{prop}")
        missing.extend(f"{address}.{prop} in {json.dumps(sample)[:120]}" for sample in seen if prop not in sample)
    return missing, unseen


def test_every_address_names_a_schema_of_the_pinned_spec(caplog: pytest.LogCaptureFixture) -> None:
    spec = untouched_spec()
    with caplog.at_level(logging.INFO, logger=a.__name__):
        out = t.require_always_sent_response_fields(spec)
    assert caplog.messages == [], "an entry the pinned spec cannot take: fix spec/always_sent.yaml"
    schemas = out["components"]["schemas"]
    for address, prop in listed_fields():
        targets, _problem = a.always_sent_targets(schemas, address, prop)
        assert targets and all(prop in node["required"] for _owner, node in targets), f"{address}.{prop}"


def test_what_the_list_adds_to_the_pinned_spec() -> None:
    schemas = untouched_spec()["components"]["schemas"]
    added = set()
    for address, prop in listed_fields():
        targets, _problem = a.always_sent_targets(schemas, address, prop)
        if not all(prop in node.get("required", ()) for _owner, node in targets):
            added.add(f"{address}.{prop}")
    assert added == ADDED_TO_PINNED_SPEC


def test_canned_answers_carry_every_listed_field() -> None:
    spec = untouched_spec()
    replies = [(key, reply) for key, reply in CANNED.items()]
    replies += [(key, reply) for key, forms in ALTERNATES.items() for reply in forms.values()]
    instances = []
    for (method, path), reply in replies:
        if reply.json is None:
            continue
        response = spec["paths"][path][method.lower()]["responses"][str(reply.status)]
        instances.append((response["content"]["application/json"]["schema"], reply.json))
    missing, unseen = missing_fields(spec["components"]["schemas"], instances)
    assert missing == []
    assert unseen == set(), "every listed field must be shown by a canned answer"


@pytest.mark.parametrize("captured", sorted(CAPTURED))
def test_captured_answers_carry_every_listed_field(captured: str) -> None:
    path = SHARED / captured
    if not path.exists():
        pytest.skip(f"{path} is missing")
    answer = json.loads(path.read_text(encoding="utf-8"))
    items = answer if isinstance(answer, list) else [answer]
    schemas = untouched_spec()["components"]["schemas"]
    component, prop = CAPTURED[captured]
    schema = schemas[component] if prop is None else schemas[component]["properties"][prop]
    missing, unseen = missing_fields(schemas, [(schema, item) for item in items])
    assert missing == []
    if prop is None:
        # Every item is one: each field listed for it has been checked against every captured model.
        assert {field for field in unseen if field.startswith(f"{component}.")} == set()
