"""Named repairs for specs that break OpenAPI, each of a general class of defect.

`venice_spec.load` runs them only when the validator reports a violation, then
validates again; what is still wrong is refused. Each repair is a pure function of
the spec (it never mutates its argument) that returns the fixed copy and one
`Repair` per change, and states a rule that holds for any revision: none knows about
a particular one. The tests in tests/spec/test_repairs.py break the pinned spec in
each way and check the repair, or the refusal.

Duplicated mapping keys are found while the YAML is read (`venice_spec._yaml`);
`keep_last_duplicates` decides whether a duplicate is harmless.
"""

from __future__ import annotations

import copy
import http
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from venice_spec._openapi import HTTP_METHODS, iter_operations, operation_id_for, snake
from venice_spec._yaml import DuplicateKey, json_pointer
from venice_spec.validate import Violation

__all__ = [
    "REPAIRS",
    "Repair",
    "RepairFunction",
    "declare_path_parameters",
    "default_response_descriptions",
    "keep_last_duplicates",
    "unique_operation_ids",
]

Spec = dict[str, Any]


@dataclass(frozen=True)
class Repair:
    name: str  # the repair function's name
    pointer: str
    detail: str

    def __str__(self) -> str:
        return f"{self.name}: {self.pointer}: {self.detail}"


RepairFunction = Callable[[Spec], tuple[Spec, list[Repair]]]


def unique_operation_ids(spec: Spec) -> tuple[Spec, list[Repair]]:
    """Give each operation that shares its operationId one built from method and path.

    The generator names a module after each id, so two operations with one id make one
    module and conflicting types (early 2025 specs gave `/models`, `/models/traits` and
    `/models/compatibility_mapping` the id `list_models`). One of them keeps it: the one
    whose path sorts first, the base of a family like those (`/models`), whatever order
    the document lists them in. The new ids also avoid every id whose module name
    they would take.
    """
    spec = copy.deepcopy(spec)
    sharing: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, method, operation in iter_operations(spec):
        if isinstance(operation.get("operationId"), str):
            sharing.setdefault(operation["operationId"], []).append((path, method, operation))
    taken = {snake(operation_id) for operation_id in sharing}
    repairs: list[Repair] = []
    for operation_id, users in sharing.items():
        users.sort(key=lambda user: (user[0], HTTP_METHODS.index(user[1])))
        for path, method, operation in users[1:]:
            new_id = _unused(operation_id_for(method, path), taken)
            taken.add(snake(new_id))
            operation["operationId"] = new_id
            pointer = json_pointer(["paths", path, method, "operationId"])
            repairs.append(Repair("unique_operation_ids", pointer, f"{operation_id!r} -> {new_id!r}"))
    return spec, repairs


def _unused(wanted: str, taken: set[str]) -> str:
    name, counter = wanted, 2
    while snake(name) in taken:
        name, counter = f"{wanted}{counter}", counter + 1
    return name


def default_response_descriptions(spec: Spec) -> tuple[Spec, list[Repair]]:
    """Give each response without a description its status's reason phrase ("OK", "Not Found").

    OpenAPI 3.0 requires the description, and the generator refuses a whole document
    that lacks one (2025-12 revisions did). It is documentation only.
    """
    spec = copy.deepcopy(spec)
    repairs: list[Repair] = []
    for tokens, code, response in _responses(spec):
        if "$ref" not in response and not isinstance(response.get("description"), str):
            response["description"] = _reason_phrase(code)
            pointer = json_pointer([*tokens, "description"])
            repairs.append(Repair("default_response_descriptions", pointer, f"set to {response['description']!r}"))
    return spec, repairs


def _responses(spec: Spec) -> Iterator[tuple[list[str], str, dict[str, Any]]]:
    for path, method, operation in iter_operations(spec):
        responses = operation.get("responses")
        for code, response in responses.items() if isinstance(responses, dict) else ():
            if isinstance(response, dict):
                yield ["paths", path, method, "responses", str(code)], str(code), response
    components = spec.get("components")
    shared = components.get("responses") if isinstance(components, dict) else None
    for name, response in shared.items() if isinstance(shared, dict) else ():
        if isinstance(response, dict):
            yield ["components", "responses", str(name)], str(name), response


def _reason_phrase(code: str) -> str:
    if code.isdigit() and int(code) in http.HTTPStatus._value2member_map_:
        return http.HTTPStatus(int(code)).phrase
    return "Default response" if code == "default" else f"{code} response"


def declare_path_parameters(spec: Spec) -> tuple[Spec, list[Repair]]:
    """Declare each `{name}` of a path template that no parameter declares, as a required string.

    OpenAPI requires every template variable to be declared; the generator would build
    a URL with `{name}` left in it. A string is the one type that says nothing the
    template does not: any value the server takes there is text in a URL.
    """
    spec = copy.deepcopy(spec)
    repairs: list[Repair] = []
    for path, method, operation in iter_operations(spec):
        item = spec["paths"][path]
        declared = {
            parameter.get("name")
            for parameter in [*_parameters(spec, item), *_parameters(spec, operation)]
            if parameter.get("in") == "path"
        }
        for name in _template_names(path):
            if name in declared:
                continue
            parameters = operation.setdefault("parameters", [])
            if not isinstance(parameters, list):
                continue
            parameters.append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
            pointer = json_pointer(["paths", path, method, "parameters", str(len(parameters) - 1)])
            repairs.append(Repair("declare_path_parameters", pointer, f"declared {{{name}}} as a required string"))
    return spec, repairs


def _parameters(spec: Spec, holder: dict[str, Any]) -> Iterator[dict[str, Any]]:
    parameters = holder.get("parameters")
    for parameter in parameters if isinstance(parameters, list) else ():
        reference = parameter.get("$ref") if isinstance(parameter, dict) else None
        if isinstance(reference, str) and reference.startswith("#/"):
            parameter = spec
            for token in reference[2:].split("/"):
                token = token.replace("~1", "/").replace("~0", "~")
                parameter = parameter.get(token) if isinstance(parameter, dict) else None
        if isinstance(parameter, dict):
            yield parameter


def _template_names(path: str) -> list[str]:
    names: list[str] = []
    for piece in path.split("{")[1:]:
        name = piece.split("}", 1)[0]
        if name and name not in names:
            names.append(name)
    return names


REPAIRS: tuple[RepairFunction, ...] = (
    unique_operation_ids,
    default_response_descriptions,
    declare_path_parameters,
)


# --- duplicated mapping keys ----------------------------------------------------------

# Text for people; two definitions that differ only here describe the same API.
_DOCUMENTATION_KEYS = frozenset({"description", "summary", "title", "example", "examples", "externalDocs"})
# Maps keyed by names the spec chooses: a property may well be called `description`.
_NAMED_MAPS = frozenset(
    {"properties", "paths", "schemas", "responses", "parameters", "headers", "content", "encoding", "links"}
    | {"callbacks", "securitySchemes", "requestBodies", "variables", "mapping"}
)


def keep_last_duplicates(duplicates: tuple[DuplicateKey, ...]) -> tuple[list[Repair], list[Violation]]:
    """The rule for a key a mapping lists twice: the last one wins, as in most YAML and JSON readers.

    That is a guess about what the author meant, so it is taken only when it cannot
    change the API: when the definitions are identical, or differ only in
    documentation (description, summary, title, examples). Any other difference (a
    type, a required list, an enum) is refused: which one the server follows cannot be
    read from the document. Returns the warnings (as repairs) and the refusals.
    """
    repairs: list[Repair] = []
    refusals: list[Violation] = []
    for duplicate in duplicates:
        lines = ", ".join(str(line) for line in duplicate.lines)
        shapes = [_api_shape(value) for value in duplicate.values]
        if any(shape != shapes[-1] for shape in shapes):
            refusals.append(
                Violation(
                    duplicate.pointer,
                    f"key {duplicate.key!r} is defined {len(shapes)} times (lines {lines}) and the definitions "
                    "differ in more than their documentation",
                )
            )
            continue
        same = all(value == duplicate.values[-1] for value in duplicate.values)
        how = "identical" if same else "differing only in documentation"
        first, last = duplicate.lines[0], duplicate.lines[-1]
        detail = f"line {last}: key {duplicate.key!r} repeats line {first} ({how}); the last one is kept"
        repairs.append(Repair("keep_last_duplicates", duplicate.pointer, detail))
    return repairs, refusals


def _api_shape(value: Any, named: bool = False) -> Any:
    if isinstance(value, dict):
        return {
            key: _api_shape(item, named=not named and key in _NAMED_MAPS)
            for key, item in value.items()
            if named or key not in _DOCUMENTATION_KEYS
        }
    if isinstance(value, list):
        return [_api_shape(item) for item in value]
    return value
