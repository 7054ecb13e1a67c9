"""One test per spec transform, on small hand-made documents.

(test_transforms_schemas.py: the always-sent response fields, the transform list, and
what the transforms take for a schema and what for data.)"""

from __future__ import annotations

import copy
from typing import Any

import pytest

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
