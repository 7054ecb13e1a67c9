"""Spec transforms, continued: which response fields are always sent, the transform list
itself, and what the walker under every transform takes for a schema and what for data
(properties named like keywords are schemas, values under `example`/`default` are data;
hypothesis builds the trees). The document builders come from test_transforms.py.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts import transforms as t
from tests.spec.test_transforms import json_body, make_spec, ok


def _chat_spec() -> dict[str, Any]:
    """A chat completion response in the shape Venice gives it: inline items, a union message."""
    message = {
        "anyOf": [
            {"type": "object", "properties": {"role": {"type": "string"}, "content": {"type": "string"}}},
            {"type": "object", "properties": {"role": {"type": "string"}, "tool_call_id": {"type": "string"}}},
        ]
    }
    choice = {"type": "object", "properties": {"index": {"type": "integer"}, "message": message}}
    return make_spec(
        {"/chat": {"post": {"operationId": "chat", "responses": ok({"$ref": "#/components/schemas/Chat"})}}},
        {
            "Chat": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "choices": {"type": "array", "items": choice},
                    "model": {"$ref": "#/components/schemas/Model"},
                },
                "required": ["id"],
            },
            "Model": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    )


def test_require_always_sent_response_fields_follows_items_unions_and_references() -> None:
    listed = {"Chat": ["id", "choices"], "Chat.choices[]": ["index"], "Chat.choices[].message": ["content"]}
    out = t.require_always_sent_response_fields(_chat_spec(), {**listed, "Chat.model": ["name"]})
    chat = out["components"]["schemas"]["Chat"]
    assert chat["required"] == ["id", "choices"], "already required: kept once"
    choice = chat["properties"]["choices"]["items"]
    assert choice["required"] == ["index"]
    assistant, tool = choice["properties"]["message"]["anyOf"]
    assert assistant["required"] == ["content"]
    assert "required" not in tool, "only the members that declare the property"
    assert out["components"]["schemas"]["Model"]["required"] == ["name"], "through the reference"


def test_require_always_sent_response_fields_skips_what_this_version_lacks(caplog: pytest.LogCaptureFixture) -> None:
    spec = _chat_spec()
    listed = {"Chat": ["created", "id"], "Gone": ["id"], "Chat.usage": ["total_tokens"]}
    with caplog.at_level("INFO", logger="scripts.always_sent"):
        out = t.require_always_sent_response_fields(spec, listed)
    assert out == spec, "nothing to change: `id` was required already"
    [note] = caplog.messages
    assert "not in this version: Chat.created" in note
    assert "no schema Gone (1)" in note
    assert "no Chat.usage (1)" in note


def test_require_always_sent_response_fields_never_contradicts_an_example(caplog: pytest.LogCaptureFixture) -> None:
    spec = _chat_spec()
    spec["components"]["schemas"]["Model"]["example"] = {"name": "GLM"}
    media = spec["paths"]["/chat"]["post"]["responses"]["200"]["content"]["application/json"]
    # A tool-only reply without content: the list's claim would make the spec's own example unparsable.
    media["examples"] = {"tool": {"value": {"id": "c1", "choices": [{"index": 0, "message": {"role": "assistant"}}]}}}
    listed = {"Chat.choices[].message": ["content"], "Chat.choices[]": ["index"], "Model": ["name"]}
    with caplog.at_level("INFO", logger="scripts.always_sent"):
        out = t.require_always_sent_response_fields(spec, listed)
    schemas = out["components"]["schemas"]
    assert "required" not in schemas["Chat"]["properties"]["choices"]["items"]["properties"]["message"]["anyOf"][0]
    assert schemas["Chat"]["properties"]["choices"]["items"]["required"] == ["index"]
    assert schemas["Model"]["required"] == ["name"]
    assert "an example in the spec omits it: Chat.choices[].message.content" in caplog.text


def test_require_always_sent_response_fields_leaves_request_schemas_alone(caplog: pytest.LogCaptureFixture) -> None:
    spec = _chat_spec()
    spec["paths"]["/chat"]["post"]["requestBody"] = json_body({"$ref": "#/components/schemas/Model"})
    with caplog.at_level("INFO", logger="scripts.always_sent"):
        out = t.require_always_sent_response_fields(spec, {"Chat.model": ["name"]})
    assert "required" not in out["components"]["schemas"]["Model"], "callers would have to send it"
    assert "Model is in a request too: Chat.model.name" in caplog.text


def test_transform_list_reads_as_a_list_of_named_functions() -> None:
    names = [transform.__name__ for transform in t.GENERATOR_TRANSFORMS]
    assert len(names) == len(set(names))
    for transform in t.GENERATOR_TRANSFORMS:
        assert transform.__doc__ and len(transform.__doc__.strip()) > 40, f"{transform.__name__} says why"


def test_examples_are_data_not_schemas() -> None:
    example = {"title": "A document", "description": "kept as is", "additionalProperties": False}
    schemas = {"Doc": {"type": "object", "example": example, "properties": {"a": {"type": "string"}}}}
    spec = make_spec(schemas=schemas)
    for transform in t.GENERATOR_TRANSFORMS:
        spec = transform(spec)
    assert spec["components"]["schemas"]["Doc"]["example"] == example


# --- properties named like keywords: schemas, not data ------------------------------------------

KEYWORD_NAMES = ["default", "example", "examples", "enum", "const"]
# A nullable enum with a title: three of the transforms change it, so a skipped one shows.
FIXABLE = {"type": "string", "title": "Level", "enum": ["low", "high"], "nullable": True}
FIXED = {"type": "string", "enum": ["low", "high", None]}


@pytest.mark.parametrize("name", KEYWORD_NAMES)
def test_a_property_named_like_a_keyword_is_a_schema_and_gets_fixed(name: str) -> None:
    # ModelResponse's constraints have properties literally named `default` (temperature.default...).
    nested = {"type": "object", "properties": {name: copy.deepcopy(FIXABLE), "max": {"type": "number"}}}
    inline = {"type": "object", "properties": {"properties": {"type": "object", "properties": {name: FIXABLE}}}}
    spec = make_spec(
        {"/m": {"post": {"requestBody": json_body(inline), "responses": ok(copy.deepcopy(inline))}}},
        {"Constraints": nested},
    )
    out = t.apply_transforms(spec)
    assert out["components"]["schemas"]["Constraints"]["properties"][name] == FIXED
    for hoisted in ("PostMBody", "PostMResponse"):
        assert out["components"]["schemas"][hoisted]["properties"]["properties"]["properties"][name] == FIXED


@pytest.mark.parametrize("keyword", KEYWORD_NAMES)
def test_values_under_the_data_keywords_stay_as_they_are(keyword: str) -> None:
    data = {"properties": {"default": copy.deepcopy(FIXABLE)}, **copy.deepcopy(FIXABLE)}
    value = [data] if keyword in ("enum", "examples") else data
    spec = make_spec(schemas={"Doc": {"type": "object", keyword: copy.deepcopy(value), "properties": {}}})
    assert t.apply_transforms(spec)["components"]["schemas"]["Doc"][keyword] == value


def test_a_default_response_is_a_response_not_data() -> None:
    responses = {"200": ok({"type": "string"})["200"], "default": {"description": "error", **json_body(FIXABLE)}}
    out = t.nullable_enums_list_null(make_spec({"/m": {"get": {"responses": responses}}}))
    schema = out["paths"]["/m"]["get"]["responses"]["default"]["content"]["application/json"]["schema"]
    assert schema["enum"] == ["low", "high", None]


# Schema trees whose property names are often keywords; every schema node carries a
# unique `x-id`, and every value in data position is marked so that it shows if walked.
property_names = st.sampled_from([*KEYWORD_NAMES, "properties", "items", "type", "city"])


@st.composite
def schema_trees(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "object"}
    if depth < 3:
        names = draw(st.lists(property_names, unique=True, max_size=3))
        node["properties"] = {name: draw(schema_trees(depth + 1)) for name in names}
        if draw(st.booleans()):
            node["items"] = draw(schema_trees(depth + 1))
    for keyword in draw(st.lists(st.sampled_from(KEYWORD_NAMES), unique=True, max_size=2)):
        node[keyword] = {"x-data": True, "properties": {"default": {"x-data": True}}}
    return node


def numbered(tree: dict[str, Any], counter: list[int]) -> dict[str, Any]:
    counter[0] += 1
    out = {**tree, "x-id": counter[0]}
    if "properties" in tree:
        out["properties"] = {name: numbered(sub, counter) for name, sub in tree["properties"].items()}
    if "items" in tree:
        out["items"] = numbered(tree["items"], counter)
    return out


@given(schema_trees())
@settings(max_examples=200)
def test_the_walker_reaches_every_schema_and_no_data(tree: dict[str, Any]) -> None:
    counter = [0]
    schema = numbered(tree, counter)
    walked = list(t._walk_schemas(schema))
    assert sorted(node["x-id"] for node in walked if "x-id" in node) == list(range(1, counter[0] + 1))
    assert not any(node.get("x-data") for node in walked)
