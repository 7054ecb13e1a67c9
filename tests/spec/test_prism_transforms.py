"""One test per Prism transform, on small hand-made specs (no Prism, no network)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scripts.prism_transforms import (
    PRISM_TRANSFORMS,
    accept_one_part_for_form_arrays,
    drop_content_encoding_headers,
    drop_invalid_examples,
    open_anonymous_operations,
    prism_spec,
    type_untyped_nullables,
    validation_errors,
)

JSON = "application/json"
MULTIPART = "multipart/form-data"


def _spec(paths: dict[str, Any] | None = None, schemas: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": paths or {},
        "components": {"schemas": schemas or {}},
        **extra,
    }


def _post(request: dict[str, Any] | None = None, **operation: Any) -> dict[str, Any]:
    body = {"requestBody": {"content": request}} if request else {}
    return {"post": {"responses": {"200": {"description": "OK"}}, **body, **operation}}


def _everything() -> dict[str, Any]:
    """A spec that gives every transform something to change."""
    return _spec(
        paths={
            "/chat": {
                "post": {
                    "security": [{}],
                    "requestBody": {
                        "content": {
                            JSON: {"schema": {"$ref": "#/components/schemas/Chat"}},
                            MULTIPART: {"schema": {"$ref": "#/components/schemas/Form"}},
                        }
                    },
                    "responses": {
                        "200": {
                            "description": "OK",
                            "headers": {"Content-Encoding": {"schema": {"type": "string", "enum": ["gzip"]}}},
                            "content": {JSON: {"schema": {"type": "integer"}, "example": "not a number"}},
                        }
                    },
                }
            }
        },
        schemas={
            "Chat": {
                "type": "object",
                "properties": {"stop": {"anyOf": [{"type": "string"}, {"nullable": True, "title": "null"}]}},
            },
            "Form": {"type": "object", "properties": {"files": {"type": "array", "items": {"format": "binary"}}}},
        },
    )


def test_drop_content_encoding_headers() -> None:
    response = {
        "description": "OK",
        "headers": {
            "content-encoding": {"schema": {"type": "string", "enum": ["gzip", "br"]}},
            "X-Balance-Remaining": {"schema": {"type": "string"}},
        },
    }
    spec = _spec(paths={"/chat": {"post": {"responses": {"200": response}}}})
    shared = {"description": "s", "headers": {"Content-Encoding": {"schema": {"type": "string"}}}}
    spec["components"]["responses"] = {"Shared": shared}

    fixed = drop_content_encoding_headers(spec)

    assert fixed["paths"]["/chat"]["post"]["responses"]["200"]["headers"] == {
        "X-Balance-Remaining": {"schema": {"type": "string"}}
    }
    assert fixed["components"]["responses"]["Shared"]["headers"] == {}


def test_type_untyped_nullables() -> None:
    spec = _spec(
        schemas={
            "Message": {
                "type": "object",
                "properties": {
                    # "or null", written as a member that is nothing but nullable
                    "content": {"anyOf": [{"type": "string"}, {"nullable": True, "title": "null"}]},
                    "stop": {"oneOf": [{"type": "string"}, {"nullable": True}]},
                    # nullable qualifying no type: means nothing in OpenAPI 3.0
                    "inpaint": {"nullable": True, "description": "deprecated"},
                    "ref": {"$ref": "#/components/schemas/Other", "nullable": True},
                    "items": {"type": "array", "items": {"nullable": True}},
                    # typed nullables are fine for ajv and stay
                    "name": {"type": "string", "nullable": True},
                    # a property that happens to be called `nullable`
                    "nullable": {"type": "boolean"},
                },
                "example": {"content": None, "nullable": True},
            },
            "Other": {"type": "string"},
        }
    )

    properties = type_untyped_nullables(spec)["components"]["schemas"]["Message"]["properties"]

    assert properties["content"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert properties["stop"] == {"oneOf": [{"type": "string"}, {"type": "null"}]}
    assert properties["inpaint"] == {"description": "deprecated"}
    assert properties["ref"] == {"$ref": "#/components/schemas/Other"}
    assert properties["items"] == {"type": "array", "items": {}}
    assert properties["name"] == {"type": "string", "nullable": True}
    assert properties["nullable"] == {"type": "boolean"}
    # Example data is not a schema: its `nullable` field is left alone.
    example = type_untyped_nullables(spec)["components"]["schemas"]["Message"]["example"]
    assert example == {"content": None, "nullable": True}


def test_open_anonymous_operations() -> None:
    spec = _spec(
        paths={
            "/networks": {"get": {"security": [{}], "responses": {}}},
            "/styles": {"get": {"security": [{}, {"BearerAuth": []}], "responses": {}}},
            "/chat": {"post": {"security": [{"BearerAuth": []}, {"siwx": []}], "responses": {}}},
            "/inherits": {"get": {"responses": {}}},
        },
        security=[{"BearerAuth": []}],
    )

    fixed = open_anonymous_operations(spec)

    assert fixed["paths"]["/networks"]["get"]["security"] == []
    assert fixed["paths"]["/styles"]["get"]["security"] == []
    assert fixed["paths"]["/chat"]["post"]["security"] == [{"BearerAuth": []}, {"siwx": []}]
    assert "security" not in fixed["paths"]["/inherits"]["get"]
    assert fixed["security"] == [{"BearerAuth": []}]
    assert open_anonymous_operations(_spec(security=[{}]))["security"] == []


def test_accept_one_part_for_form_arrays() -> None:
    images = {"type": "array", "minItems": 1, "items": {"type": "string", "format": "binary"}}
    spec = _spec(
        paths={
            "/edit": _post(
                {
                    JSON: {"schema": {"$ref": "#/components/schemas/Edit"}},
                    MULTIPART: {
                        "schema": {
                            "allOf": [
                                {"$ref": "#/components/schemas/Edit"},
                                {"type": "object", "properties": {"modelId": {"type": "string"}}},
                            ]
                        }
                    },
                }
            ),
            "/voice": _post({MULTIPART: {"schema": {"$ref": "#/components/schemas/Voice"}}}),
        },
        schemas={
            "Edit": {"type": "object", "required": ["images"], "properties": {"images": images}},
            "Voice": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        },
    )

    fixed = accept_one_part_for_form_arrays(spec)

    content = fixed["paths"]["/edit"]["post"]["requestBody"]["content"]
    inlined = content[MULTIPART]["schema"]["allOf"][0]
    assert inlined["properties"]["images"] == {"anyOf": [images, images["items"]]}
    assert inlined["required"] == ["images"]
    assert content[MULTIPART]["schema"]["allOf"][1] == {"type": "object", "properties": {"modelId": {"type": "string"}}}
    # The JSON body shares the component, whose array stays an array.
    assert content[JSON]["schema"] == {"$ref": "#/components/schemas/Edit"}
    assert fixed["components"]["schemas"]["Edit"]["properties"]["images"] == images
    # A form without arrays keeps its reference.
    voice = fixed["paths"]["/voice"]["post"]["requestBody"]["content"][MULTIPART]
    assert voice == {"schema": {"$ref": "#/components/schemas/Voice"}}


def test_drop_invalid_examples() -> None:
    key = {
        "type": "object",
        "properties": {"createdAt": {"type": "string", "nullable": True}, "size": {"type": "integer"}},
    }
    spec = _spec(
        paths={
            "/keys/{wallet}": {
                "get": {
                    "parameters": [
                        {
                            "name": "wallet",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^0x[0-9a-f]{4}$"},
                            "example": "0xYOUR_WALLET",
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                JSON: {
                                    "schema": {"$ref": "#/components/schemas/Key"},
                                    "examples": {
                                        "good": {"value": {"createdAt": None, "size": 3}},
                                        "bad": {"value": {"createdAt": {}}},
                                    },
                                }
                            },
                        },
                        "201": {
                            "description": "OK",
                            "content": {JSON: {"schema": {"type": "integer"}, "examples": {"bad": {"value": "x"}}}},
                        },
                    },
                }
            }
        },
        schemas={
            "Key": {**key, "example": {"createdAt": {}}},
            "Size": {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "example": 0},
            "Fine": {**key, "example": {"createdAt": "2023-10-01T12:00:00Z", "size": 1}},
        },
    )

    fixed = drop_invalid_examples(spec)

    operation = fixed["paths"]["/keys/{wallet}"]["get"]
    assert "example" not in operation["parameters"][0]
    assert operation["responses"]["200"]["content"][JSON]["examples"] == {
        "good": {"value": {"createdAt": None, "size": 3}}
    }
    assert "examples" not in operation["responses"]["201"]["content"][JSON]
    schemas = fixed["components"]["schemas"]
    assert "example" not in schemas["Key"]
    assert "example" not in schemas["Size"]
    assert schemas["Fine"]["example"] == {"createdAt": "2023-10-01T12:00:00Z", "size": 1}


def test_drop_invalid_examples_keeps_what_it_cannot_judge() -> None:
    spec = _spec(schemas={"Odd": {"$ref": "#/paths/~1nowhere/x", "example": 1}})

    assert drop_invalid_examples(spec)["components"]["schemas"]["Odd"]["example"] == 1


def test_validation_errors_reads_schemas_as_openapi_3_0() -> None:
    components = {"schemas": {"Name": {"type": "string", "nullable": True, "enum": ["a", "b"]}}}
    reference = {"$ref": "#/components/schemas/Name"}

    assert validation_errors(components, reference, None) == []
    assert validation_errors(components, reference, "a") == []
    assert validation_errors(components, reference, "c")
    assert validation_errors(components, {"type": "string"}, None)
    # Draft 4's boolean exclusiveMinimum, as OpenAPI 3.0 writes it
    assert validation_errors(components, {"type": "number", "minimum": 0, "exclusiveMinimum": True}, 0)


@pytest.mark.parametrize("transform", PRISM_TRANSFORMS, ids=lambda transform: transform.__name__)
def test_transform_leaves_its_input_alone(transform: Any) -> None:
    spec = _everything()
    before = copy.deepcopy(spec)

    fixed = transform(spec)

    assert spec == before
    assert fixed != before, f"{transform.__name__} found nothing to change in the sample spec"


def test_prism_spec_applies_every_transform() -> None:
    spec = _everything()
    before = copy.deepcopy(spec)

    fixed = prism_spec(spec)

    assert spec == before
    operation = fixed["paths"]["/chat"]["post"]
    assert operation["security"] == []
    assert operation["responses"]["200"]["headers"] == {}
    assert "example" not in operation["responses"]["200"]["content"][JSON]
    stop = fixed["components"]["schemas"]["Chat"]["properties"]["stop"]
    assert stop == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    form = operation["requestBody"]["content"][MULTIPART]["schema"]
    assert form["properties"]["files"]["anyOf"][1] == {"format": "binary"}
    # Examples are judged against the schemas Prism will see, "or null" members included.
    assert PRISM_TRANSFORMS.index(type_untyped_nullables) < PRISM_TRANSFORMS.index(drop_invalid_examples)
