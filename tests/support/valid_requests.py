"""Valid requests for every operation of the generated client, built from the published spec.

The operations are found by walking `venice_api.api`, so an operation added to the
spec is covered on the next regeneration. A request is built from the spec: its
example where it gives a valid one, otherwise a minimal instance of the required
properties, turned into the generated body model with `from_dict`.

    requests = ValidRequests(load_spec_file(Path("spec/swagger.yaml")))
    for module in endpoint_modules():
        kwargs = valid_request_kwargs(module, requests)
        module.sync_detailed(client=client, **kwargs)

Build the keyword arguments afresh for every request: a file part's payload is
consumed by the request that sends it.
"""

from __future__ import annotations

import copy
import functools
import importlib
import inspect
import math
import pkgutil
import re
import types
import typing
from types import ModuleType
from typing import Any

import hypothesis
import hypothesis.strategies as st

import venice_api.api
from scripts.prism_transforms import validation_errors
from scripts.transforms import iter_operations
from venice_api.types import File, Unset

__all__ = [
    "MULTIPART",
    "ValidRequests",
    "body_media",
    "body_only_kwargs",
    "body_types",
    "endpoint_id",
    "endpoint_modules",
    "form_properties",
    "route_key",
    "spec_operation",
    "valid_request_kwargs",
]

MULTIPART = "multipart/form-data"
SAMPLE_BYTES = b"\x00venice contract test payload\xff"
SAMPLE_STRINGS = {
    "date-time": "2025-01-01T00:00:00.000Z",
    "date": "2025-01-01",
    "uri": "https://example.com/sample.png",
    "url": "https://example.com/sample.png",
    "email": "someone@example.com",
    "uuid": "123e4567-e89b-42d3-a456-426614174000",
}


# --- the generated operations ----------------------------------------------------------


def endpoint_modules() -> list[ModuleType]:
    """Every endpoint module of `venice_api.api`, sorted by path and method."""
    modules = []
    for info in pkgutil.walk_packages(venice_api.api.__path__, venice_api.api.__name__ + "."):
        if info.ispkg:
            continue
        module = importlib.import_module(info.name)
        if hasattr(module, "sync_detailed") and hasattr(module, "METHOD") and hasattr(module, "PATH"):
            modules.append(module)
    return sorted(modules, key=lambda module: (module.PATH, module.METHOD))


def endpoint_id(module: ModuleType) -> str:
    return f"{module.METHOD} {module.PATH}"


def route_key(method: str, path: str) -> tuple[str, str]:
    # The generated PATH names parameters after their Python names (`{wallet_address}`
    # for `{walletAddress}`), so routes are compared with the names blanked out.
    return method.upper(), re.sub(r"\{[^}]*\}", "{}", path)


def spec_operation(document: dict[str, Any], module: ModuleType) -> dict[str, Any]:
    """The spec's operation object for a generated endpoint module."""
    for path, method, operation in iter_operations(document):
        if route_key(method, path) == route_key(module.METHOD, module.PATH):
            return operation
    raise AssertionError(f"{endpoint_id(module)} is generated but not in the spec")


# --- valid instances of a schema -------------------------------------------------------


class ValidRequests:
    """Builds values that a schema of the spec accepts, checked as OpenAPI 3.0 reads it."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: Any) -> dict[str, Any]:
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            target: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            schema = target
        return schema if isinstance(schema, dict) else {}

    def errors(self, schema: dict[str, Any], value: Any) -> list[str]:
        return validation_errors(self.document.get("components", {}), schema, value)

    def accepts(self, schema: dict[str, Any], value: Any) -> bool:
        return not self.errors(schema, value)

    def build(self, schema: Any, candidates: tuple[Any, ...] = ()) -> Any:
        """The first candidate the schema accepts, else its example, else a minimal instance."""
        schema = self.resolve(schema)
        for candidate in (*candidates, *([schema["example"]] if "example" in schema else [])):
            if self.accepts(schema, candidate):
                return copy.deepcopy(candidate)
        return self.minimal(schema)

    def minimal(self, schema: dict[str, Any]) -> Any:
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for member in schema["allOf"]:
                part = self.build(member)
                if isinstance(part, dict):
                    merged.update(part)
            rest = {key: value for key, value in schema.items() if key != "allOf"}
            own = self.minimal(rest) if {"properties", "required"} & rest.keys() else {}
            return {**merged, **own} if isinstance(own, dict) else merged
        for keyword in ("oneOf", "anyOf"):
            if keyword in schema:
                members = [self.resolve(member) for member in schema[keyword]]
                values = [self.build(member) for member in members if member.get("type") != "null"]
                return next((value for value in values if self.accepts(schema, value)), values[0] if values else None)
        if "default" in schema and self.accepts(schema, schema["default"]):
            return copy.deepcopy(schema["default"])
        if "enum" in schema:
            return next((value for value in schema["enum"] if value is not None), None)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((item for item in kind if item != "null"), None)
        if kind == "object" or "properties" in schema:
            properties = schema.get("properties", {})
            return {name: self.build(properties.get(name, {})) for name in schema.get("required", [])}
        if kind == "array":
            return [self.build(schema.get("items", {})) for _ in range(max(1, schema.get("minItems", 1)))]
        if kind in ("integer", "number"):
            return self._number(schema, kind == "integer")
        if kind == "boolean":
            return False
        if kind == "string":
            return self._string(schema)
        return "sample"

    @staticmethod
    def _number(schema: dict[str, Any], integer: bool) -> int | float:
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            value: float = (low + high) / 2
        elif low is not None:
            value = low + 1 if schema.get("exclusiveMinimum") else low
        elif high is not None:
            value = high - 1 if schema.get("exclusiveMaximum") else high
        else:
            value = 1
        if integer:
            return math.ceil(value) if low is not None else math.floor(value)
        return value

    @staticmethod
    def _string(schema: dict[str, Any]) -> str:
        if "pattern" in schema:
            return _simplest_match(schema["pattern"], schema.get("minLength"), schema.get("maxLength"))
        text = SAMPLE_STRINGS.get(schema.get("format", ""), "sample")
        text = text.ljust(schema.get("minLength", 0), "x")
        return text[: schema["maxLength"]] if "maxLength" in schema else text


@functools.cache
def _simplest_match(pattern: str, min_length: int | None, max_length: int | None) -> str:
    # Hypothesis' shrinker finds the simplest match deterministically, but takes a
    # second or so: the answer is kept for the next request with the same pattern.
    strategy = st.from_regex(pattern, fullmatch=True)
    if min_length is not None or max_length is not None:
        low, high = min_length or 0, max_length
        strategy = strategy.filter(lambda text: low <= len(text) <= (len(text) if high is None else high))
    quiet = hypothesis.settings(database=None, derandomize=True)
    return hypothesis.find(strategy, lambda _text: True, settings=quiet)


# --- requests through the generated client ---------------------------------------------


def valid_request_kwargs(module: ModuleType, requests: ValidRequests, media_type: str | None = None) -> dict[str, Any]:
    """Keyword arguments for `module.sync_detailed(client=..., **kwargs)` (or `module.request_kwargs`).

    Required parameters only, and `body=` sent as `media_type` (by default the first
    media type the spec lists for the request body).
    """
    operation = spec_operation(requests.document, module)
    return {**_parameter_kwargs(module, operation, requests), **_body_kwargs(module, operation, requests, media_type)}


def _python_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _parameter_kwargs(module: ModuleType, operation: dict[str, Any], requests: ValidRequests) -> dict[str, Any]:
    """Values for the operation's required parameters, keyed by the generated argument names."""
    arguments = {_python_name(name): name for name in inspect.signature(module.sync_detailed).parameters}
    kwargs = {}
    for parameter in operation.get("parameters", []):
        parameter = requests.resolve(parameter)
        if not parameter.get("required"):
            continue
        argument = arguments.get(_python_name(parameter["name"]))
        assert argument, f"no argument of {module.__name__}.sync_detailed for parameter {parameter['name']!r}"
        schema = requests.resolve(parameter.get("schema", {}))
        examples = [parameter["example"]] if "example" in parameter else []
        kwargs[argument] = requests.build(schema, tuple(examples))
    return kwargs


def body_media(operation: dict[str, Any], media_type: str | None = None) -> tuple[str, dict[str, Any]] | None:
    """The request body's media type and media object: `media_type`, else the spec's first."""
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None
    chosen = media_type or next(iter(content))
    return chosen, content[chosen]


def _body_instance(media: dict[str, Any], requests: ValidRequests, media_type: str) -> Any:
    schema = requests.resolve(media.get("schema", {}))
    candidates = []
    if "example" in media:
        candidates.append(media["example"])
    candidates.extend(example["value"] for example in media.get("examples", {}).values() if "value" in example)
    instance = requests.build(schema, tuple(candidates))
    problems = requests.errors(schema, instance)
    assert not problems, f"the request built for the test is not valid against the spec: {problems}"
    if media_type == MULTIPART:
        # A form is there to upload something: its file fields go along even where optional.
        files = {name: "" for name, field in form_properties(requests, schema).items() if _is_file(requests, field)}
        # Examples stand in a placeholder ("[audio file]") for what the form sends as a file.
        return {name: _form_value(requests, schema, name, value) for name, value in {**files, **instance}.items()}
    return instance


def form_properties(requests: ValidRequests, schema: dict[str, Any]) -> dict[str, Any]:
    """The fields of a form schema, its `allOf` members' included."""
    properties: dict[str, Any] = {}
    for member in [schema, *(requests.resolve(part) for part in schema.get("allOf", []))]:
        properties.update(member.get("properties", {}))
    return properties


def _alternatives(requests: ValidRequests, schema: Any) -> list[dict[str, Any]]:
    schema = requests.resolve(schema)
    members = [requests.resolve(member) for member in schema.get("anyOf", []) + schema.get("oneOf", [])]
    return [schema, *members]


def _is_file(requests: ValidRequests, schema: Any) -> bool:
    return any(option.get("format") == "binary" or option == {} for option in _alternatives(requests, schema))


def _form_value(requests: ValidRequests, schema: dict[str, Any], name: str, value: Any) -> Any:
    """`value` with file content in place of what the form sends as file parts."""
    field = form_properties(requests, schema).get(name, {})
    if isinstance(value, list):
        arrays = [option for option in _alternatives(requests, field) if option.get("type") == "array"]
        if any(_is_file(requests, option.get("items", {})) for option in arrays):
            return [SAMPLE_BYTES for _item in value]
        return value
    return SAMPLE_BYTES if _is_file(requests, field) else value


def body_types(module: ModuleType) -> list[Any]:
    """The types `body=` of the operation may take (a model class, or `list[...]` of one)."""
    annotation = typing.get_type_hints(module.sync_detailed)["body"]
    members = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    return [member for member in members if member not in (Unset, type(None))]


def _as_model(body_type: Any, instance: Any) -> Any:
    if typing.get_origin(body_type) is list:
        (item_type,) = typing.get_args(body_type)
        if not isinstance(instance, list):
            raise TypeError("not a list")
        return [_as_model(item_type, item) for item in instance]
    if isinstance(instance, list):
        raise TypeError("a list")
    return body_type.from_dict(instance)


def _named(value: Any) -> Any:
    if isinstance(value, File):
        return File(payload=value.payload, file_name="sample.bin", mime_type="application/octet-stream")
    if isinstance(value, list):
        return [_named(item) for item in value]
    return value


def _name_files(model: Any) -> Any:
    """Give file fields a file name and type, as a caller uploading a file would."""
    for attribute in getattr(type(model), "__attrs_attrs__", ()):
        setattr(model, attribute.name, _named(getattr(model, attribute.name)))
    return model


def _body_kwargs(
    module: ModuleType, operation: dict[str, Any], requests: ValidRequests, media_type: str | None = None
) -> dict[str, Any]:
    """`body=` for the operation: the generated model the chosen media type is sent as."""
    found = body_media(operation, media_type)
    if found is None or "body" not in inspect.signature(module.sync_detailed).parameters:
        return {}
    chosen, media = found
    instance = _body_instance(media, requests, chosen)
    transport = "files" if chosen == MULTIPART else "json"
    failures = []
    for body_type in body_types(module):
        try:
            body = _as_model(body_type, instance)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            failures.append(f"{body_type}: {exc}")
            continue
        body = [_name_files(item) for item in body] if isinstance(body, list) else _name_files(body)
        # Several models may parse the same dict; the right one is the one sent the chosen way.
        if transport in module.request_kwargs(**body_only_kwargs(module, body)):
            return {"body": body}
        failures.append(f"{body_type}: not sent as {chosen}")
    raise AssertionError(f"no body type of {module.__name__} takes a {chosen} request: {failures}")


def body_only_kwargs(module: ModuleType, body: Any) -> dict[str, Any]:
    """Arguments for `module.request_kwargs`: `body`, and a placeholder for every other required one."""
    placeholders: dict[str, Any] = {}
    for name, parameter in inspect.signature(module.request_kwargs).parameters.items():
        if name == "body":
            placeholders[name] = body
        elif parameter.default is inspect.Parameter.empty:
            placeholders[name] = "x"
    return placeholders
