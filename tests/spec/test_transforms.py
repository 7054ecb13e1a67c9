"""One test per spec transform, on small hand-made documents."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts import transforms as t


def make_spec(paths: dict[str, Any] | None = None, schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.0.0",
        "info": {"title": "mini", "version": "1"},
        "paths": paths or {},
        "components": {"schemas": schemas or {}},
    }


def json_body(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}, **extra}


def ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "OK", **json_body(schema)}}


@pytest.mark.parametrize("transform", t.GENERATOR_TRANSFORMS, ids=lambda f: f.__name__)
def test_transforms_never_mutate_their_input(transform: t.Transform) -> None:
    spec = make_spec(
        {
            "/a/{id}": {
                "post": {
                    "requestBody": {
                        "content": {
                            "multipart/form-data": {"schema": {"$ref": "#/components/schemas/Up"}},
                            "application/json": {"schema": {"$ref": "#/components/schemas/Up"}},
                        }
                    },
                    "responses": {
                        "200": {
                            "description": "x",
                            "content": {
                                "image/png": {"schema": {"type": "string", "format": "binary"}},
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "title": "T",
                                        "additionalProperties": False,
                                        "properties": {"s": {"type": "string", "enum": ["a"], "nullable": True}},
                                    }
                                },
                            },
                        }
                    },
                }
            }
        },
        {
            "Up": {"type": "object", "properties": {"image": {"anyOf": [{}, {"type": "string"}]}}},
            "U": {"anyOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"nullable": True}]},
        },
    )
    before = copy.deepcopy(spec)
    transform(spec)
    assert spec == before


def test_name_unnamed_operations_uses_method_and_path() -> None:
    spec = make_spec(
        {
            "/image/styles": {"get": {"responses": {}}},
            "/api_keys/{id}": {"get": {"operationId": "getApiKeyById", "responses": {}}},
        }
    )
    out = t.name_unnamed_operations(spec)
    assert out["paths"]["/image/styles"]["get"]["operationId"] == "getImageStyles"
    assert out["paths"]["/api_keys/{id}"]["get"]["operationId"] == "getApiKeyById"


def test_drop_schema_titles_keeps_properties_named_title() -> None:
    schemas = {
        "Chat": {
            "title": "Not the class name",
            "type": "object",
            "properties": {
                "title": {"type": "string", "title": "text"},
                "format": {"oneOf": [{"title": "text", "type": "object"}, {"title": "json_schema", "type": "object"}]},
            },
        }
    }
    out = t.drop_schema_titles(make_spec(schemas=schemas))["components"]["schemas"]["Chat"]
    assert "title" not in out
    assert "title" in out["properties"], "a property called `title` is data, not a schema title"
    assert out["properties"]["title"] == {"type": "string"}
    assert all("title" not in member for member in out["properties"]["format"]["oneOf"])


def test_fold_nullable_union_members() -> None:
    schemas = {
        "M": {
            "type": "object",
            "properties": {
                "content": {
                    "anyOf": [
                        {"type": "string"},
                        {"type": "array", "items": {"type": "string"}},
                        {"nullable": True, "title": "null"},
                    ]
                },
                "only_null": {"anyOf": [{"nullable": True}]},
                "typed_nullable": {"anyOf": [{"type": "string", "nullable": True}, {"type": "integer"}]},
            },
        }
    }
    props = t.fold_nullable_union_members(make_spec(schemas=schemas))["components"]["schemas"]["M"]["properties"]
    assert props["content"] == {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "nullable": True,
    }
    assert props["only_null"] == {"anyOf": [{"nullable": True}]}, "nothing left to fold into"
    assert props["typed_nullable"] == schemas["M"]["properties"]["typed_nullable"]


def test_nullable_enums_list_null() -> None:
    schemas = {
        "Choice": {
            "type": "object",
            "properties": {
                "stop_reason": {"type": "string", "enum": ["stop", "length"], "nullable": True},
                "already": {"type": "string", "enum": ["a", None], "nullable": True},
                "plain": {"type": "string", "enum": ["x"]},
                "nullable_string": {"type": "string", "nullable": True},
            },
        }
    }
    props = t.nullable_enums_list_null(make_spec(schemas=schemas))["components"]["schemas"]["Choice"]["properties"]
    assert props["stop_reason"] == {"type": "string", "enum": ["stop", "length", None]}
    assert props["already"] == {"type": "string", "enum": ["a", None]}
    assert props["plain"] == {"type": "string", "enum": ["x"]}
    assert props["nullable_string"] == {"type": "string", "nullable": True}


def test_require_request_bodies_only_where_unsaid() -> None:
    spec = make_spec(
        {
            "/a": {"post": {"requestBody": json_body({"type": "object"}), "responses": {}}},
            "/b": {"post": {"requestBody": json_body({"type": "object"}, required=False), "responses": {}}},
            "/c": {"get": {"responses": {}}},
        }
    )
    out = t.require_request_bodies(spec)["paths"]
    assert out["/a"]["post"]["requestBody"]["required"] is True
    assert out["/b"]["post"]["requestBody"]["required"] is False
    assert "requestBody" not in out["/c"]["get"]


def test_parameter_defaults_are_left_to_the_server() -> None:
    size = {"name": "pageSize", "in": "query", "schema": {"type": "integer", "default": 1000}, "description": "Size."}
    spec = make_spec(
        {
            "/a": {
                "get": {
                    "parameters": [size, {"$ref": "#/components/parameters/Sort"}],
                    "responses": {},
                }
            },
            "/b/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "schema": {"default": "x"}}]}},
        }
    )
    spec["components"]["parameters"] = {"Sort": {"name": "sort", "in": "query", "schema": {"default": "asc"}}}
    out = t.leave_parameter_defaults_to_the_server(spec)
    (moved, _ref) = out["paths"]["/a"]["get"]["parameters"]
    assert moved["schema"] == {"type": "integer"}
    assert moved["description"] == "Size. Venice applies `1000` when it is left out."
    assert out["components"]["parameters"]["Sort"] == {
        "name": "sort",
        "in": "query",
        "schema": {},
        "description": "Venice applies `asc` when it is left out.",
    }
    # A path parameter cannot be left out: its default stays.
    assert out["paths"]["/b/{id}"]["get"]["parameters"][0]["schema"] == {"default": "x"}
    assert spec["paths"]["/a"]["get"]["parameters"][0]["schema"]["default"] == 1000, "the input is untouched"


def test_allow_unknown_properties() -> None:
    schemas = {
        "Q": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "inner": {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "string"}}},
                "map": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    }
    out = t.allow_unknown_properties(make_spec(schemas=schemas))["components"]["schemas"]["Q"]
    assert "additionalProperties" not in out
    assert "additionalProperties" not in out["properties"]["inner"]
    assert out["properties"]["map"]["additionalProperties"] == {"type": "string"}


def test_json_content_first() -> None:
    content = {
        "video/mp4": {"schema": {"type": "string", "format": "binary"}},
        "application/json": {"schema": {"type": "object"}},
    }
    spec = make_spec({"/v": {"post": {"responses": {"200": {"description": "x", "content": content}}}}})
    out = t.json_content_first(spec)["paths"]["/v"]["post"]["responses"]["200"]["content"]
    assert list(out) == ["application/json", "video/mp4"]


def test_type_multipart_file_fields_copies_shared_components() -> None:
    ref = {"$ref": "#/components/schemas/UpscaleImageRequest"}
    spec = make_spec(
        {
            "/image/upscale": {
                "post": {
                    "requestBody": {
                        "content": {"application/json": {"schema": ref}, "multipart/form-data": {"schema": ref}}
                    },
                    "responses": {},
                }
            }
        },
        {
            "UpscaleImageRequest": {
                "type": "object",
                "required": ["image"],
                "properties": {"image": {"anyOf": [{}, {"type": "string"}]}, "scale": {"type": "number"}},
            }
        },
    )
    out = t.type_multipart_file_fields(spec)
    content = out["paths"]["/image/upscale"]["post"]["requestBody"]["content"]
    assert content["application/json"]["schema"] == ref
    assert content["multipart/form-data"]["schema"] == {"$ref": "#/components/schemas/UpscaleImageMultipartRequest"}
    schemas = out["components"]["schemas"]
    assert schemas["UpscaleImageRequest"]["properties"]["image"] == {"anyOf": [{}, {"type": "string"}]}
    assert schemas["UpscaleImageMultipartRequest"]["properties"]["image"] == {
        "anyOf": [{"type": "string", "format": "binary"}, {"type": "string"}]
    }


def test_type_multipart_file_fields_through_allof() -> None:
    def body() -> dict[str, Any]:
        return {
            "allOf": [
                {"$ref": "#/components/schemas/EditImageRequest"},
                {"type": "object", "properties": {"modelId": {"type": "string"}}},
            ]
        }

    files_only = {
        "type": "object",
        "properties": {"images": {"type": "array", "items": {"type": "string", "format": "binary"}}},
    }
    spec = make_spec(
        {
            "/image/edit": {
                "post": {
                    "requestBody": {
                        "content": {"application/json": {"schema": body()}, "multipart/form-data": {"schema": body()}}
                    },
                    "responses": {},
                }
            },
            "/image/multi-edit": {
                "post": {
                    "requestBody": {
                        "content": {"multipart/form-data": {"schema": {"$ref": "#/components/schemas/Files"}}}
                    },
                    "responses": {},
                }
            },
        },
        {
            "EditImageRequest": {"type": "object", "properties": {"image": {"anyOf": [{}, {"type": "string"}]}}},
            "Files": files_only,
        },
    )
    out = t.type_multipart_file_fields(spec)
    paths, schemas = out["paths"], out["components"]["schemas"]
    multipart = paths["/image/edit"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert multipart["allOf"][0] == {"$ref": "#/components/schemas/EditImageMultipartRequest"}
    assert paths["/image/edit"]["post"]["requestBody"]["content"]["application/json"]["schema"] == body()
    assert schemas["EditImageMultipartRequest"]["properties"]["image"]["anyOf"][0] == {
        "type": "string",
        "format": "binary",
    }
    assert paths["/image/multi-edit"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"] == {
        "$ref": "#/components/schemas/Files"
    }, "a schema with nothing to change is not copied"


def test_hoist_inline_bodies_names_after_the_operation() -> None:
    queued = {"type": "object", "properties": {"queue_id": {"type": "string"}}}
    error = {"type": "object", "properties": {"error": {"type": "string"}}}
    spec = make_spec(
        {
            "/video/queue": {
                "post": {
                    "operationId": "queueVideo",
                    "requestBody": json_body({"type": "object", "properties": {"prompt": {"type": "string"}}}),
                    "responses": {
                        **ok(queued),
                        "400": {"description": "bad", **json_body(error)},
                        "500": {"description": "ref", **json_body({"$ref": "#/components/schemas/E"})},
                    },
                }
            }
        },
        {"E": error, "QueueVideoResponse": {"type": "string"}},
    )
    out = t.hoist_inline_bodies(spec)
    operation = out["paths"]["/video/queue"]["post"]
    schemas = out["components"]["schemas"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/QueueVideoBody"
    }
    # The name is taken by an unrelated schema, so the hoisted one gets a suffix, not the slot.
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/QueueVideoResponse2"
    }
    assert schemas["QueueVideoResponse2"] == queued
    assert schemas["QueueVideoResponse400"] == error
    assert operation["responses"]["500"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/E"}


def test_hoist_inline_bodies_is_independent_of_operation_order() -> None:
    def spec_with(order: list[str]) -> dict[str, Any]:
        ops = {
            "/a": {"get": {"operationId": "getA", "responses": ok({"type": "object", "properties": {"a": {}}})}},
            "/b": {"get": {"operationId": "getB", "responses": ok({"type": "object", "properties": {"b": {}}})}},
        }
        return make_spec({path: ops[path] for path in order})

    first = t.hoist_inline_bodies(spec_with(["/a", "/b"]))["components"]["schemas"]
    second = t.hoist_inline_bodies(spec_with(["/b", "/a"]))["components"]["schemas"]
    assert first == second


def test_hoist_component_union_members() -> None:
    schemas = {
        "X402": {
            "anyOf": [
                {"type": "object", "properties": {"accepts": {"type": "array", "items": {"type": "object"}}}},
                {"$ref": "#/components/schemas/Standard"},
            ]
        },
        "Rpc": {
            "oneOf": [
                {"type": "object", "properties": {"id": {"type": "string"}}},
                {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}},
            ]
        },
        "Standard": {"type": "object"},
    }
    out = t.hoist_component_union_members(make_spec(schemas=schemas))["components"]["schemas"]
    assert out["X402"]["anyOf"] == [
        {"$ref": "#/components/schemas/X402Type0"},
        {"$ref": "#/components/schemas/Standard"},
    ]
    assert out["X402Type0"] == schemas["X402"]["anyOf"][0]
    assert out["Rpc"]["oneOf"][0] == {"$ref": "#/components/schemas/RpcType0"}
    assert out["Rpc"]["oneOf"][1] == {"type": "array", "items": {"$ref": "#/components/schemas/RpcType1Item"}}


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
    with caplog.at_level("INFO", logger=t.__name__):
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
    with caplog.at_level("INFO", logger=t.__name__):
        out = t.require_always_sent_response_fields(spec, listed)
    schemas = out["components"]["schemas"]
    assert "required" not in schemas["Chat"]["properties"]["choices"]["items"]["properties"]["message"]["anyOf"][0]
    assert schemas["Chat"]["properties"]["choices"]["items"]["required"] == ["index"]
    assert schemas["Model"]["required"] == ["name"]
    assert "an example in the spec omits it: Chat.choices[].message.content" in caplog.text


def test_require_always_sent_response_fields_leaves_request_schemas_alone(caplog: pytest.LogCaptureFixture) -> None:
    spec = _chat_spec()
    spec["paths"]["/chat"]["post"]["requestBody"] = json_body({"$ref": "#/components/schemas/Model"})
    with caplog.at_level("INFO", logger=t.__name__):
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
