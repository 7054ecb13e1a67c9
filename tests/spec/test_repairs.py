"""Repairs and refusals, each on the pinned spec broken in one way (no other spec file is kept).

Each test breaks spec/swagger.yaml the way a published revision did (or the way the
validator knows a spec can be broken), checks what the validator says about it, and
then that `parse_spec` repairs it with the named repair, or refuses it in one line.
"""

from __future__ import annotations

import copy
import functools
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node

from scripts.generate import PACKAGE, run_generator
from venice_spec._yaml import DuplicateKey, load_yaml
from venice_spec.load import LoadedSpec, SpecRefused, check_spec, parse_spec
from venice_spec.repairs import (
    REPAIRS,
    declare_path_parameters,
    default_response_descriptions,
    keep_last_duplicates,
    unique_operation_ids,
)
from venice_spec.validate import Violation, validate

ROOT = Path(__file__).resolve().parents[2]
SPEC_FILE = ROOT / "spec" / "swagger.yaml"
ERROR_FIELD = "/components/schemas/StandardError/properties/error"  # {type: string, description: ...}


@functools.cache
def pinned_text() -> str:
    if not SPEC_FILE.exists():
        pytest.skip(f"{SPEC_FILE.relative_to(ROOT)} is missing: run `make spec`")
    return SPEC_FILE.read_text(encoding="utf-8")


@functools.cache
def _pinned() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(pinned_text()).data
    return document


def pinned() -> dict[str, Any]:
    return copy.deepcopy(_pinned())


def parse(document: dict[str, Any]) -> LoadedSpec:
    # What parse_spec does after reading the YAML, which the document-level breakages do not touch.
    return check_spec(document)


def at(document: Any, pointer: str) -> Any:
    for token in pointer.lstrip("/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


def operation_ids(document: dict[str, Any]) -> list[str]:
    return [op["operationId"] for item in document["paths"].values() for op in item.values() if "operationId" in op]


# --- the pinned spec itself -------------------------------------------------------------


def test_the_pinned_spec_is_valid_and_goes_through_untouched() -> None:
    loaded = parse_spec(pinned_text().encode())
    assert loaded.repairs == ()
    assert loaded.document == _pinned()


@pytest.mark.parametrize("repair", REPAIRS, ids=lambda f: f.__name__)
def test_repairs_never_mutate_their_input_and_leave_a_valid_spec_alone(repair: Callable[..., Any]) -> None:
    spec = pinned()
    del spec["paths"]["/models"]["get"]["responses"]["200"]["description"]
    spec["paths"]["/models/traits"]["get"]["operationId"] = "listModels"
    before = copy.deepcopy(spec)
    repair(spec)
    assert spec == before
    assert repair(_pinned()) == (_pinned(), [])


# --- early 2025: one operationId on three operations -------------------------------------


def test_a_duplicated_operation_id_is_reported_where_it_repeats() -> None:
    spec = pinned()
    spec["paths"]["/models/traits"]["get"]["operationId"] = "listModels"
    assert validate(spec) == [
        Violation(
            "/paths/~1models~1traits/get/operationId", "operationId 'listModels' is used by another operation too"
        )
    ]


def test_unique_operation_ids_keeps_the_id_on_the_path_that_sorts_first() -> None:
    spec = pinned()
    family = ["/models/traits", "/models/compatibility_mapping", "/models"]
    for path in family:
        spec["paths"][path]["get"]["operationId"] = "list_models"
    loaded = parse(spec)
    ids = {path: loaded.document["paths"][path]["get"]["operationId"] for path in family}
    assert ids == {
        "/models": "list_models",
        "/models/compatibility_mapping": "getModelsCompatibilityMapping",
        "/models/traits": "getModelsTraits",
    }
    assert [str(repair) for repair in loaded.repairs] == [
        "unique_operation_ids: /paths/~1models~1compatibility_mapping/get/operationId: "
        "'list_models' -> 'getModelsCompatibilityMapping'",
        "unique_operation_ids: /paths/~1models~1traits/get/operationId: 'list_models' -> 'getModelsTraits'",
    ]
    ids_list = operation_ids(loaded.document)
    assert len(ids_list) == len(set(ids_list))


def test_unique_operation_ids_ignores_document_order_and_avoids_taken_module_names() -> None:
    def spec(paths: list[str]) -> dict[str, Any]:
        operations = {path: {"get": {"operationId": "x", "responses": {}}} for path in paths}
        operations["/other"] = {"get": {"operationId": "get_b", "responses": {}}}
        return {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": operations}

    forward, _ = unique_operation_ids(spec(["/a", "/b"]))
    backward, _ = unique_operation_ids(spec(["/b", "/a"]))
    assert forward["paths"]["/a"]["get"]["operationId"] == backward["paths"]["/a"]["get"]["operationId"] == "x"
    # getB would become the module get_b, which /other already has.
    assert forward["paths"]["/b"]["get"]["operationId"] == backward["paths"]["/b"]["get"]["operationId"] == "getB2"


# --- 2025-12: responses without a description ---------------------------------------------


def test_a_response_without_description_gets_its_reason_phrase() -> None:
    spec = pinned()
    responses = spec["paths"]["/models"]["get"]["responses"]
    for code in responses:
        del responses[code]["description"]
    assert validate(spec)[0] == Violation("/paths/~1models/get/responses/200", "'description' is a required property")
    loaded = parse(spec)
    assert {repair.name for repair in loaded.repairs} == {"default_response_descriptions"}
    assert loaded.document["paths"]["/models"]["get"]["responses"]["200"]["description"] == "OK"
    assert len(loaded.repairs) == len(responses)
    assert validate(loaded.document) == []


def test_default_response_descriptions_covers_shared_responses_and_odd_codes() -> None:
    spec: dict[str, Any] = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"404": {}, "4XX": {}, "default": {}, "200": {"$ref": "#/c"}}}}},
        "components": {"responses": {"Gone": {"content": {}}}},
    }
    fixed, repairs = default_response_descriptions(spec)
    responses = fixed["paths"]["/a"]["get"]["responses"]
    assert [responses[code].get("description") for code in ("404", "4XX", "default", "200")] == [
        "Not Found",
        "4XX response",
        "Default response",
        None,
    ]
    assert fixed["components"]["responses"]["Gone"]["description"] == "Gone response"
    assert len(repairs) == 4


# --- 2026-04: a property listed twice -------------------------------------------------------


def duplicate_key(text: str, pointer: str, edit: Callable[[str], str] = lambda block: block) -> tuple[str, int, int]:
    """`text` with the key at `pointer` written a second time right after the first (through `edit`).

    Returns the new text and the 1-based lines of both occurrences.
    """
    node: Node = YAML(typ="safe", pure=True).compose(text)
    *parents, last = (token.replace("~1", "/").replace("~0", "~") for token in pointer.lstrip("/").split("/"))
    for token in parents:
        assert isinstance(node, MappingNode)
        node = next(value for key, value in node.value if key.value == token)
    assert isinstance(node, MappingNode)
    key_node, value_node = next((key, value) for key, value in node.value if key.value == last)
    lines = text.splitlines(keepends=True)
    start, end = key_node.start_mark.line, value_node.end_mark.line
    block = "".join(lines[start:end])
    return "".join([*lines[:end], edit(block), *lines[end:]]), start + 1, end + 1


def test_a_duplicated_key_with_the_same_definition_warns_naming_the_lines_and_keeps_the_last() -> None:
    text, first, second = duplicate_key(pinned_text(), ERROR_FIELD)
    loaded = parse_spec(text.encode())
    assert loaded.document == _pinned()
    assert [str(repair) for repair in loaded.repairs] == [
        f"keep_last_duplicates: {ERROR_FIELD}: line {second}: key 'error' repeats line {first} (identical); "
        "the last one is kept"
    ]


def test_a_duplicated_key_differing_only_in_documentation_keeps_the_last() -> None:
    reworded = duplicate_key(
        pinned_text(), ERROR_FIELD, lambda block: block.replace("description: A", "description: The")
    )
    text = reworded[0]
    loaded = parse_spec(text.encode())
    assert at(loaded.document, ERROR_FIELD)["description"].startswith("The ")
    assert "(differing only in documentation)" in str(loaded.repairs[0])


def test_a_duplicated_key_that_changes_the_api_is_refused() -> None:
    text, first, second = duplicate_key(pinned_text(), ERROR_FIELD, lambda block: block.replace("string", "integer"))
    with pytest.raises(SpecRefused) as refused:
        parse_spec(text.encode())
    assert str(refused.value) == (
        f"{ERROR_FIELD}: key 'error' is defined 2 times (lines {first}, {second}) and the definitions differ "
        "in more than their documentation"
    )


def test_names_that_look_like_documentation_still_count() -> None:
    # A property called `description` is part of the API, not text about it.
    schema = {"properties": {"description": {"type": "string"}}}
    changed = {"properties": {"description": {"type": "integer"}}}
    docs_only = {"properties": {"description": {"type": "string", "description": "reworded"}}}
    assert keep_last_duplicates((DuplicateKey("/x", "x", (1, 5), (schema, changed)),))[1]
    assert not keep_last_duplicates((DuplicateKey("/x", "x", (1, 5), (schema, docs_only)),))[1]


# --- what the validator knows besides ------------------------------------------------------


def test_an_undeclared_path_parameter_is_declared_as_a_string() -> None:
    spec = pinned()
    operation = spec["paths"]["/characters/{slug}"]["get"]
    operation["parameters"] = [parameter for parameter in operation["parameters"] if parameter["in"] != "path"]
    assert validate(spec) == [
        Violation("/paths/~1characters~1{slug}/get", "path parameter 'slug' of /characters/{slug} is not declared")
    ]
    loaded = parse(spec)
    assert [repair.name for repair in loaded.repairs] == ["declare_path_parameters"]
    added = loaded.document["paths"]["/characters/{slug}"]["get"]["parameters"][-1]
    assert added == {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}


def test_declare_path_parameters_counts_path_level_and_referenced_parameters() -> None:
    spec: dict[str, Any] = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/a/{id}/b/{key}": {
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "get": {"responses": {}},
            }
        },
        "components": {"parameters": {"Id": {"name": "id", "in": "path", "required": True, "schema": {}}}},
    }
    fixed, repairs = declare_path_parameters(spec)
    assert [parameter["name"] for parameter in fixed["paths"]["/a/{id}/b/{key}"]["get"]["parameters"]] == ["key"]
    assert len(repairs) == 1


REFUSED = [
    pytest.param(
        lambda spec: spec["paths"]["/models"]["get"]["responses"]["200"]["content"]["application/json"].update(
            schema={"$ref": "#/components/schemas/Nowhere"}
        ),
        "/paths/~1models/get/responses/200/content/application~1json/schema/$ref: "
        "$ref '#/components/schemas/Nowhere' points to nothing",
        id="dangling-ref",
    ),
    pytest.param(
        lambda spec: at(spec, ERROR_FIELD).update(type="strin"),
        f"{ERROR_FIELD}/type: 'strin' is not one of ['array', 'boolean', 'integer', 'number', 'object', 'string']",
        id="unknown-type",
    ),
    pytest.param(
        lambda spec: (
            spec["paths"]["/models"]["get"]
            .setdefault("parameters", [])
            .append({"name": "id", "in": "path", "required": True, "schema": {"type": "string"}})
        ),
        "/paths/~1models/get: path parameter 'id' is declared but not in the path /models",
        id="path-parameter-not-in-template",
    ),
]


@pytest.mark.parametrize(("breaking", "line"), REFUSED)
def test_what_no_repair_fixes_is_refused_in_one_line(breaking: Callable[[dict[str, Any]], None], line: str) -> None:
    spec = pinned()
    breaking(spec)
    with pytest.raises(SpecRefused) as refused:
        parse(spec)
    assert str(refused.value) == line


# --- end to end ----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_repaired_spec_generates_without_a_warning(tmp_path: Path) -> None:
    # The defects of the revisions that used to fail, all at once.
    text, _, _ = duplicate_key(pinned_text(), ERROR_FIELD)
    loaded = parse_spec(text.encode())
    assert [repair.name for repair in loaded.repairs] == ["keep_last_duplicates"]
    document = copy.deepcopy(loaded.document)
    for path in ("/models/traits", "/models/compatibility_mapping", "/models"):
        document["paths"][path]["get"]["operationId"] = "list_models"
    for response in document["paths"]["/models"]["get"]["responses"].values():
        del response["description"]
    repaired = parse(document)
    assert {repair.name for repair in repaired.repairs} == {"unique_operation_ids", "default_response_descriptions"}
    result = run_generator(repaired.document, tmp_path / PACKAGE)  # strict: any warning fails
    assert result.warnings == []
    assert {"list_models.py", "get_models_traits.py", "get_models_compatibility_mapping.py"} <= {
        path.name for path in (tmp_path / PACKAGE / "api").rglob("*.py")
    }


def test_make_generate_refuses_in_one_line_and_keeps_the_previous_package(tmp_path: Path) -> None:
    spec = tmp_path / "swagger.yaml"
    spec.write_text(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
        "paths: {/a: {get: {responses: {'200': {description: OK, content: {application/json: "
        "{schema: {$ref: '#/components/schemas/Gone'}}}}}}}}\n"
    )
    output = tmp_path / "out" / PACKAGE
    output.mkdir(parents=True)
    (output / "__init__.py").write_text("PREVIOUS = True\n")
    process = subprocess.run(
        [sys.executable, "-m", "scripts.generate", "--spec", str(spec), "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert process.returncode == 1
    assert process.stderr.splitlines() == [
        "error: make generate: swagger.yaml: /paths/~1a/get/responses/200/content/application~1json/schema/$ref: "
        "$ref '#/components/schemas/Gone' points to nothing"
    ]
    assert (output / "__init__.py").read_text() == "PREVIOUS = True\n"
