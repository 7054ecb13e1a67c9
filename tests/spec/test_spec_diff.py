"""`make spec-diff`: the rules on small hand-made specs.

The rules table, the reports, the command line and the published history pairs are in
test_spec_diff_reports.py, on the spec builders here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from scripts.spec_io import load_spec_file
from venice_spec.diff import Change, diff_specs, render_json, render_text

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT.parent / "shared" / "venice-spec" / "history"

# -- building small specs by hand ------------------------------------------------------------


def spec(paths: dict[str, Any], schemas: dict[str, Any] | None = None, version: str = "1") -> dict[str, Any]:
    document: dict[str, Any] = {"openapi": "3.0.0", "info": {"title": "t", "version": version}, "paths": paths}
    if schemas is not None:
        document["components"] = {"schemas": schemas}
    return document


def obj(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def post(request: Any = None, response: Any = None, parameters: list[Any] | None = None) -> dict[str, Any]:
    """One `POST /things` with a JSON body and a JSON 200 answer."""
    operation: dict[str, Any] = {
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": response or {}}}}}
    }
    if request is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": request}}}
    if parameters is not None:
        operation["parameters"] = parameters
    return {"/things": {"post": operation}}


def query(name: str, required: bool = False, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema or {"type": "string"}}


def found(changes: list[Change]) -> set[tuple[str, str, str]]:
    """(kind, location, verdict) of every change: what most tests compare."""
    return {(change.kind, change.location, change.verdict) for change in changes}


BODY = "request body application/json"
OK = "response 200 application/json"

# -- operations ---------------------------------------------------------------------------------


def test_identical_specs_have_no_changes() -> None:
    document = spec(post(obj({"a": {"type": "string"}}), obj({"b": {"type": "integer"}})))
    assert diff_specs(document, copy.deepcopy(document)) == []


def test_an_operation_added_is_compatible_and_one_removed_is_breaking() -> None:
    old = spec({"/a": {"get": {"responses": {}}}})
    new = spec({"/b": {"post": {"operationId": "makeB", "responses": {}}}})
    changes = diff_specs(old, new)
    assert found(changes) == {("operation-removed", "", "breaking"), ("operation-added", "", "compatible")}
    assert {change.operation for change in changes} == {"GET /a", "POST /b"}
    assert next(change for change in changes if change.kind == "operation-added").detail == "operation added: makeB"


def test_renaming_a_path_parameter_keeps_the_operation() -> None:
    old = spec({"/keys/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}]}}})
    new = spec(
        {"/keys/{keyId}": {"get": {"parameters": [{"name": "keyId", "in": "path", "schema": {"type": "string"}}]}}}
    )
    changes = diff_specs(old, new)
    assert found(changes) == {("parameter-renamed", "path parameter: keyId", "breaking")}
    assert changes[0].operation == "GET /keys/{keyId}"
    assert changes[0].detail == "renamed from 'id' (same schema)"


def test_a_deprecated_operation_is_notable() -> None:
    old = spec({"/a": {"get": {"responses": {}}}})
    new = spec({"/a": {"get": {"deprecated": True, "responses": {}}}})
    assert found(diff_specs(old, new)) == {("deprecated", "", "notable")}


# -- fields and required-ness -----------------------------------------------------------------


def test_request_fields_added_and_removed() -> None:
    old = spec(post(obj({"keep": {"type": "string"}, "gone": {"type": "string"}})))
    new = spec(
        post(obj({"keep": {"type": "string"}, "extra": {"type": "integer"}, "must": {"type": "boolean"}}, ("must",)))
    )
    assert found(diff_specs(old, new)) == {
        ("field-removed", f"{BODY}: gone", "breaking"),
        ("field-added", f"{BODY}: extra", "compatible"),
        ("required-field-added", f"{BODY}: must", "breaking"),
    }


def test_response_fields_added_and_removed() -> None:
    old = spec(post(response=obj({"keep": {"type": "string"}, "gone": {"type": "string"}})))
    new = spec(post(response=obj({"keep": {"type": "string"}, "extra": {"type": "integer"}}, ("extra",))))
    assert found(diff_specs(old, new)) == {
        ("field-removed", f"{OK}: gone", "breaking"),
        ("required-field-added", f"{OK}: extra", "compatible"),
    }


@pytest.mark.parametrize(
    ("before", "after", "request_verdict", "response_verdict", "kind"),
    [
        ((), ("a",), "breaking", "compatible", "became-required"),
        (("a",), (), "compatible", "breaking", "became-optional"),
    ],
)
def test_required_ness_changes_cut_both_ways(
    before: tuple[str, ...], after: tuple[str, ...], request_verdict: str, response_verdict: str, kind: str
) -> None:
    field = {"a": {"type": "string"}}
    old = spec(post(obj(field, before), obj(field, before)))
    new = spec(post(obj(field, after), obj(field, after)))
    assert found(diff_specs(old, new)) == {(kind, f"{BODY}: a", request_verdict), (kind, f"{OK}: a", response_verdict)}


def test_nested_locations_name_items_and_map_values() -> None:
    def answer(extra: dict[str, Any]) -> dict[str, Any]:
        message = obj({"content": {"type": "string"}, **extra})
        choices = {"type": "array", "items": obj({"message": message})}
        return obj({"choices": choices, "prices": {"type": "object", "additionalProperties": obj(extra)}})

    old = spec(post(response=answer({"tool_calls": {"type": "array", "items": {"type": "string"}}})))
    new = spec(post(response=answer({})))
    assert found(diff_specs(old, new)) == {
        ("field-removed", f"{OK}: choices[].message.tool_calls", "breaking"),
        ("field-removed", f"{OK}: prices{{*}}.tool_calls", "breaking"),
    }


# -- types, nullability, enums ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "kind", "request_verdict", "response_verdict"),
    [
        ({"type": "string"}, {"type": "integer"}, "type-changed", "breaking", "breaking"),
        ({"type": "integer"}, {"type": "number"}, "type-widened", "compatible", "breaking"),
        ({"type": "number"}, {"type": "integer"}, "type-narrowed", "breaking", "compatible"),
        ({"description": "anything"}, {"type": "string"}, "type-narrowed", "breaking", "compatible"),
        ({"type": "string", "format": "date-time"}, {"type": "string"}, "type-changed", "breaking", "breaking"),
        ({"type": "string"}, {"type": "string", "format": "uri"}, "format-changed", "compatible", "compatible"),
        ({"type": "string"}, {"type": "string", "nullable": True}, "became-nullable", "compatible", "breaking"),
        ({"type": "string", "nullable": True}, {"type": "string"}, "became-non-nullable", "breaking", "compatible"),
        ({"enum": ["a", "b"]}, {"enum": ["a"]}, "enum-value-removed", "breaking", "compatible"),
        ({"enum": ["a"]}, {"enum": ["a", "b"]}, "enum-value-added", "compatible", "notable"),
        ({"type": "string"}, {"type": "string", "enum": ["a"]}, "enum-constraint-added", "breaking", "compatible"),
        ({"type": "string", "enum": ["a"]}, {"type": "string"}, "enum-constraint-removed", "compatible", "notable"),
    ],
)
def test_a_field_change_is_judged_by_side(
    before: dict[str, Any], after: dict[str, Any], kind: str, request_verdict: str, response_verdict: str
) -> None:
    old = spec(post(obj({"f": before}), obj({"f": before})))
    new = spec(post(obj({"f": after}), obj({"f": after})))
    assert found(diff_specs(old, new)) == {(kind, f"{BODY}: f", request_verdict), (kind, f"{OK}: f", response_verdict)}


@pytest.mark.parametrize(
    "spelling",
    [
        {"type": "string", "nullable": True},
        {"anyOf": [{"type": "string"}, {"nullable": True, "title": "null"}]},
        {"oneOf": [{"type": "string"}, {"type": "null"}]},
        {"type": ["string", "null"]},
        {"allOf": [{"type": "string"}], "nullable": True},
    ],
)
def test_every_spelling_of_nullable_is_the_same_schema(spelling: dict[str, Any]) -> None:
    reference = spec(post(response=obj({"f": {"type": "string", "nullable": True}})))
    assert diff_specs(reference, spec(post(response=obj({"f": spelling})))) == []


def test_enum_values_are_read_with_yaml_1_2_rules(tmp_path: Path) -> None:
    # YAML 1.1 would turn `on`/`off` into booleans and report nonsense.
    template = """openapi: 3.0.0
info: {title: t, version: "%s"}
paths:
  /voices:
    get:
      parameters:
        - {name: mode, in: query, schema: {type: string, enum: [%s]}}
      responses: {"200": {description: OK}}
"""
    (tmp_path / "old.yaml").write_text(template % ("1", "on, off"))
    (tmp_path / "new.yaml").write_text(template % ("2", "on, off, auto"))
    changes = diff_specs(load_spec_file(tmp_path / "old.yaml"), load_spec_file(tmp_path / "new.yaml"))
    assert [(change.kind, change.location, change.detail) for change in changes] == [
        ("enum-value-added", "query parameter: mode", 'enum value "auto" added')
    ]


# -- parameters, bodies, media types, statuses --------------------------------------------------


def test_parameters_added_removed_and_required() -> None:
    old = spec(post(parameters=[query("limit"), query("gone"), query("page")]))
    new = spec(post(parameters=[query("limit"), query("page", required=True), query("q"), query("must", True)]))
    assert found(diff_specs(old, new)) == {
        ("parameter-removed", "query parameter: gone", "breaking"),
        ("became-required", "query parameter: page", "breaking"),
        ("parameter-added", "query parameter: q", "compatible"),
        ("required-parameter-added", "query parameter: must", "breaking"),
    }


def test_header_parameters_match_whatever_their_case() -> None:
    header = {"name": "Accept-Encoding", "in": "header", "schema": {"type": "string"}}
    old = spec(post(parameters=[header]))
    new = spec(post(parameters=[{**header, "name": "accept-encoding"}]))
    assert diff_specs(old, new) == []


def test_path_level_parameters_count_for_each_operation() -> None:
    old = spec({"/a": {"parameters": [query("x")], "get": {"responses": {}}}})
    new = spec({"/a": {"parameters": [query("x", enum=["1"])], "get": {"responses": {}}}})
    assert found(diff_specs(old, new)) == {("enum-constraint-added", "query parameter: x", "breaking")}


def test_request_bodies_and_media_types() -> None:
    old = spec(post(obj({})))
    body = old["paths"]["/things"]["post"]["requestBody"]
    new = copy.deepcopy(old)
    new_body = new["paths"]["/things"]["post"]["requestBody"]
    new_body["content"] = {"multipart/form-data": body["content"]["application/json"]}
    new_body["required"] = False
    assert found(diff_specs(old, new)) == {
        ("content-type-removed", "request body", "breaking"),
        ("content-type-added", "request body", "compatible"),
        ("became-optional", "request body", "compatible"),
    }
    del new["paths"]["/things"]["post"]["requestBody"]
    assert found(diff_specs(old, new)) == {("request-body-removed", "request body", "breaking")}
    assert found(diff_specs(new, old)) == {("required-request-body-added", "request body", "breaking")}


def test_response_statuses_and_media_types() -> None:
    old = spec(post(response=obj({})))
    new = copy.deepcopy(old)
    responses = new["paths"]["/things"]["post"]["responses"]
    responses["200"]["content"]["image/png"] = {"schema": {"type": "string", "format": "binary"}}
    responses["429"] = {"description": "slow down"}
    assert found(diff_specs(old, new)) == {
        ("content-type-added", "response 200", "notable"),
        ("response-added", "response 429", "compatible"),
    }
    responses["201"] = responses.pop("200")
    assert found(diff_specs(old, new)) == {
        ("success-response-removed", "response 200", "breaking"),
        ("success-response-added", "response 201", "notable"),
        ("response-added", "response 429", "compatible"),
    }


# -- $ref, allOf, alternatives, cycles ------------------------------------------------------------


def test_a_change_behind_a_ref_is_reported_at_every_operation_using_it() -> None:
    def document(usage: dict[str, Any]) -> dict[str, Any]:
        paths = {
            "/a": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/U"}}}}
                }
            },
            "/b": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {"application/json": {"schema": obj({"u": {"$ref": "#/components/schemas/U"}})}}
                        }
                    }
                }
            },
        }
        return spec(paths, {"U": obj(usage)})

    old = document({"tokens": {"type": "integer"}, "cost": {"type": "number"}})
    new = document({"tokens": {"type": "integer"}})
    changes = diff_specs(old, new)
    assert {(change.operation, change.location, change.verdict) for change in changes} == {
        ("POST /a", f"{BODY}: cost", "breaking"),
        ("GET /b", f"{OK}: u.cost", "breaking"),
    }


def test_a_ref_and_the_same_schema_inline_are_no_change() -> None:
    shared = obj({"a": {"type": "string"}}, ("a",))
    old = spec(post(response={"$ref": "#/components/schemas/S"}), {"S": shared})
    new = spec(post(response=copy.deepcopy(shared)))
    assert diff_specs(old, new) == []


def test_all_of_members_are_merged() -> None:
    base = obj({"id": {"type": "string"}, "model": {"type": "string", "enum": ["a", "b", "c"]}}, ("id",))
    merged = obj(
        {"id": {"type": "string"}, "model": {"type": "string", "enum": ["a", "b"]}, "n": {"type": "integer"}},
        ("id", "n"),
    )
    as_all_of = {
        "allOf": [
            {"$ref": "#/components/schemas/Base"},
            obj({"model": {"enum": ["a", "b"]}, "n": {"type": "integer"}}, ("n",)),
        ]
    }
    assert diff_specs(spec(post(as_all_of), {"Base": base}), spec(post(merged))) == []
    narrower = copy.deepcopy(as_all_of)
    narrower["allOf"][1]["properties"]["model"]["enum"] = ["a"]
    assert found(diff_specs(spec(post(as_all_of), {"Base": base}), spec(post(narrower), {"Base": base}))) == {
        ("enum-value-removed", f"{BODY}: model", "breaking")
    }


def parts(*members: dict[str, Any]) -> dict[str, Any]:
    return obj({"content": {"type": "array", "items": {"anyOf": list(members)}}})


def part(kind: str, **extra: Any) -> dict[str, Any]:
    return obj({"type": {"type": "string", "enum": [kind]}, **extra}, ("type",))


def test_reordered_alternatives_are_no_change() -> None:
    text, image, audio = part("text", text={"type": "string"}), part("image_url"), part("input_audio")
    old = spec(post(parts(text, image, audio)))
    assert diff_specs(old, spec(post(parts(audio, text, image)))) == []
    as_one_of = parts(image, audio, text)
    as_one_of["properties"]["content"]["items"] = {"oneOf": as_one_of["properties"]["content"]["items"]["anyOf"]}
    assert diff_specs(old, spec(post(as_one_of))) == []


def test_alternatives_added_removed_and_changed_inside() -> None:
    old = spec(post(parts(part("text", text={"type": "string"}), part("image_url"))))
    new = spec(post(parts(part("input_audio"), part("text", text={"type": "string"}, cache={"type": "object"}))))
    changes = diff_specs(old, new)
    assert found(changes) == {
        ("variant-removed", f"{BODY}: content[]", "breaking"),
        ("variant-added", f"{BODY}: content[]", "compatible"),
        ("field-added", f"{BODY}: content[]<type=text>.cache", "compatible"),
    }
    assert {change.detail for change in changes if change.kind.startswith("variant")} == {
        "alternative <type=image_url> (object) removed",
        "alternative <type=input_audio> (object) added",
    }


def test_a_plain_schema_that_becomes_alternatives_reports_the_new_member() -> None:
    old = spec(post(response=obj({"input": {"type": "string"}})))
    new = spec(
        post(response=obj({"input": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}}))
    )
    changes = diff_specs(old, new)
    assert found(changes) == {("variant-added", f"{OK}: input", "notable")}
    assert changes[0].detail == "alternative <array of string> added"


def test_alternatives_that_are_all_enums_compare_as_one_enum() -> None:
    old = spec(
        post(
            parameters=[
                query(
                    "type", anyOf=[{"type": "string", "enum": ["text", "image"]}, {"type": "string", "enum": ["all"]}]
                )
            ]
        )
    )
    new = spec(post(parameters=[query("type", type="string", enum=["text", "all", "image", "code"])]))
    assert found(diff_specs(old, new)) == {("enum-value-added", "query parameter: type", "compatible")}


def test_recursive_schemas_terminate_and_report_once() -> None:
    def tree(extra: dict[str, Any]) -> dict[str, Any]:
        node = obj(
            {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                **extra,
            }
        )
        return spec(
            post(response={"$ref": "#/components/schemas/Node"}),
            {"Node": node, "Loop": {"$ref": "#/components/schemas/Loop"}},
        )

    old, new = tree({"size": {"type": "integer"}}), tree({})
    assert found(diff_specs(old, new)) == {("field-removed", f"{OK}: size", "breaking")}
    looping = spec(
        post(response={"$ref": "#/components/schemas/Loop"}), {"Loop": {"$ref": "#/components/schemas/Loop"}}
    )
    assert diff_specs(looping, looping) == []
    assert diff_specs(old, looping) != []  # a ref loop is an empty schema, not a hang


def body(schema: Any) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}}
    return {"/a": {"post": {"requestBody": {"content": content}, "responses": {"200": {"content": content}}}}}


MALFORMED = [
    spec({"/a": None}),
    spec({"/a": {"get": {"parameters": [None, {"in": "query"}, {"name": 3}], "responses": []}}}),
    spec({"/a": {"post": {"requestBody": {"content": None}, "responses": {200: {"content": {"text/plain": None}}}}}}),
    spec(body(True)),
    spec(body({"required": True, "properties": None, "items": [1], "enum": "x", "anyOf": "no", "allOf": [None]})),
    spec(body({"$ref": "#/components/schemas/Missing"})),
    spec(body({"$ref": "other.yaml#/X"})),
    spec(body({"type": ["string", "integer", "null"]})),
    spec(body({"$ref": "#/components/schemas/A"}), {"A": {"allOf": [{"$ref": "#/components/schemas/A"}]}}),
    spec(body({"anyOf": [{"$ref": "#/components/schemas/B"}]}), {"B": {"oneOf": [{"$ref": "#/components/schemas/B"}]}}),
    spec(body({"enum": [{"a": 1}, [1, 2], None, 1.5]})),
]


@pytest.mark.parametrize("old", MALFORMED, ids=[f"old{i}" for i in range(len(MALFORMED))])
def test_malformed_specs_never_crash_the_report(old: dict[str, Any]) -> None:
    # Specs are third-party input: odd shapes are compared as far as they make sense.
    for new in MALFORMED:
        changes = diff_specs(old, new)
        json.loads(render_json(changes, "1", "2"))
        assert render_text(changes, "1", "2").endswith(".\n")


# -- renames ----------------------------------------------------------------------------------------


def test_a_field_renamed_with_the_same_schema_is_one_change() -> None:
    old = spec(post(response=obj({"user_id": {"type": "string", "description": "old words"}}, ("user_id",))))
    new = spec(post(response=obj({"userId": {"type": "string", "description": "new words"}}, ("userId",))))
    changes = diff_specs(old, new)
    assert found(changes) == {("field-renamed", f"{OK}: userId", "breaking")}
    assert changes[0].detail == "renamed from 'user_id' (same schema)"


def test_a_distinctive_schema_is_a_rename_whatever_the_names() -> None:
    usage = obj({"input": {"type": "integer"}, "output": {"type": "integer"}})
    old = spec(post(response=obj({"usage": usage})))
    new = spec(post(response=obj({"tokens": copy.deepcopy(usage)})))
    assert found(diff_specs(old, new)) == {("field-renamed", f"{OK}: tokens", "breaking")}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"version": {"type": "number"}}, {"maxTimeoutSeconds": {"type": "number"}}),  # unrelated names
        ({"a1": {"type": "string"}, "a2": {"type": "string"}}, {"a3": {"type": "string"}}),  # ambiguous
        ({"count": {"type": "string"}}, {"counter": {"type": "integer"}}),  # another schema
    ],
)
def test_what_is_not_a_rename(before: dict[str, Any], after: dict[str, Any]) -> None:
    kinds = {change.kind for change in diff_specs(spec(post(response=obj(before))), spec(post(response=obj(after))))}
    assert kinds == {"field-removed", "field-added"}
