"""Contract test: every operation of the generated client against a Stoplight Prism mock.

Prism validates each request against the spec (answering 4xx, or flagging it in an
`sl-violations` header) and answers with the spec's own examples, so a green run
says the client sends what the spec asks for and reads what the spec promises.
The operations are found by walking `venice_api.api`, so an operation added to the
spec is covered on the next regeneration. Requests are built from the published
spec: its example where it gives a valid one, otherwise a minimal instance of the
required properties, turned into the generated body model with `from_dict`.
"""

from __future__ import annotations

import copy
import datetime
import importlib
import inspect
import json
import math
import pkgutil
import re
import types
import typing
from types import ModuleType
from typing import Any

import httpx
import hypothesis
import hypothesis.strategies as st
import pytest

import venice_api.api
from scripts.prism_transforms import validation_errors
from scripts.transforms import iter_operations
from venice_api.client import AuthenticatedClient
from venice_api.types import File, Unset

pytestmark = pytest.mark.prism

TOKEN = "prism-contract-test-token"
JSON = "application/json"
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


def _endpoint_modules() -> list[ModuleType]:
    modules = []
    for info in pkgutil.walk_packages(venice_api.api.__path__, venice_api.api.__name__ + "."):
        if info.ispkg:
            continue
        module = importlib.import_module(info.name)
        if hasattr(module, "sync_detailed") and hasattr(module, "METHOD") and hasattr(module, "PATH"):
            modules.append(module)
    return sorted(modules, key=lambda module: (module.PATH, module.METHOD))


ENDPOINTS = _endpoint_modules()


def _endpoint_id(module: ModuleType) -> str:
    return f"{module.METHOD} {module.PATH}"


def _route_key(method: str, path: str) -> tuple[str, str]:
    # The generated PATH names parameters after their Python names (`{wallet_address}`
    # for `{walletAddress}`), so routes are compared with the names blanked out.
    return method.upper(), re.sub(r"\{[^}]*\}", "{}", path)


def _operation(document: dict[str, Any], module: ModuleType) -> dict[str, Any]:
    for path, method, operation in iter_operations(document):
        if _route_key(method, path) == _route_key(module.METHOD, module.PATH):
            return operation
    raise AssertionError(f"{_endpoint_id(module)} is generated but not in the spec")


# --- valid instances of a schema -------------------------------------------------------


class Instances:
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
            # Hypothesis' shrinker finds the simplest match deterministically.
            strategy = st.from_regex(schema["pattern"], fullmatch=True)
            if "minLength" in schema or "maxLength" in schema:
                strategy = strategy.filter(
                    lambda text: schema.get("minLength", 0) <= len(text) <= schema.get("maxLength", len(text))
                )
            quiet = hypothesis.settings(database=None, derandomize=True)
            return hypothesis.find(strategy, lambda _text: True, settings=quiet)
        text = SAMPLE_STRINGS.get(schema.get("format", ""), "sample")
        text = text.ljust(schema.get("minLength", 0), "x")
        return text[: schema["maxLength"]] if "maxLength" in schema else text


# --- requests through the generated client ---------------------------------------------


def _python_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _parameter_kwargs(module: ModuleType, operation: dict[str, Any], instances: Instances) -> dict[str, Any]:
    """Values for the operation's required parameters, keyed by the generated argument names."""
    arguments = {_python_name(name): name for name in inspect.signature(module.sync_detailed).parameters}
    kwargs = {}
    for parameter in operation.get("parameters", []):
        parameter = instances.resolve(parameter)
        if not parameter.get("required"):
            continue
        argument = arguments.get(_python_name(parameter["name"]))
        assert argument, f"no argument of {module.__name__}.sync_detailed for parameter {parameter['name']!r}"
        schema = instances.resolve(parameter.get("schema", {}))
        examples = [parameter["example"]] if "example" in parameter else []
        kwargs[argument] = instances.build(schema, tuple(examples))
    return kwargs


def _body_media(operation: dict[str, Any], media_type: str | None = None) -> tuple[str, dict[str, Any]] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None
    chosen = media_type or next(iter(content))
    return chosen, content[chosen]


def _body_instance(media: dict[str, Any], instances: Instances, media_type: str) -> Any:
    schema = instances.resolve(media.get("schema", {}))
    candidates = []
    if "example" in media:
        candidates.append(media["example"])
    candidates.extend(example["value"] for example in media.get("examples", {}).values() if "value" in example)
    instance = instances.build(schema, tuple(candidates))
    problems = instances.errors(schema, instance)
    assert not problems, f"the request built for the test is not valid against the spec: {problems}"
    if media_type == MULTIPART:
        # A form is there to upload something: its file fields go along even where optional.
        files = {name: "" for name, field in _form_properties(instances, schema).items() if _is_file(instances, field)}
        # Examples stand in a placeholder ("[audio file]") for what the form sends as a file.
        return {name: _form_value(instances, schema, name, value) for name, value in {**files, **instance}.items()}
    return instance


def _form_properties(instances: Instances, schema: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for member in [schema, *(instances.resolve(part) for part in schema.get("allOf", []))]:
        properties.update(member.get("properties", {}))
    return properties


def _alternatives(instances: Instances, schema: Any) -> list[dict[str, Any]]:
    schema = instances.resolve(schema)
    members = [instances.resolve(member) for member in schema.get("anyOf", []) + schema.get("oneOf", [])]
    return [schema, *members]


def _is_file(instances: Instances, schema: Any) -> bool:
    return any(option.get("format") == "binary" or option == {} for option in _alternatives(instances, schema))


def _form_value(instances: Instances, schema: dict[str, Any], name: str, value: Any) -> Any:
    """`value` with file content in place of what the form sends as file parts."""
    field = _form_properties(instances, schema).get(name, {})
    if isinstance(value, list):
        arrays = [option for option in _alternatives(instances, field) if option.get("type") == "array"]
        if any(_is_file(instances, option.get("items", {})) for option in arrays):
            return [SAMPLE_BYTES for _item in value]
        return value
    return SAMPLE_BYTES if _is_file(instances, field) else value


def _body_types(module: ModuleType) -> list[Any]:
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
    module: ModuleType, operation: dict[str, Any], instances: Instances, media_type: str | None = None
) -> dict[str, Any]:
    """`body=` for the operation: the generated model the chosen media type is sent as."""
    found = _body_media(operation, media_type)
    if found is None or "body" not in inspect.signature(module.sync_detailed).parameters:
        return {}
    chosen, media = found
    instance = _body_instance(media, instances, chosen)
    transport = "files" if chosen == MULTIPART else "json"
    failures = []
    for body_type in _body_types(module):
        try:
            body = _as_model(body_type, instance)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            failures.append(f"{body_type}: {exc}")
            continue
        body = [_name_files(item) for item in body] if isinstance(body, list) else _name_files(body)
        # Several models may parse the same dict; the right one is the one sent the chosen way.
        if transport in module.request_kwargs(**_required_only(module, body)):
            return {"body": body}
        failures.append(f"{body_type}: not sent as {chosen}")
    raise AssertionError(f"no body type of {module.__name__} takes a {chosen} request: {failures}")


def _required_only(module: ModuleType, body: Any) -> dict[str, Any]:
    placeholders: dict[str, Any] = {}
    for name, parameter in inspect.signature(module.request_kwargs).parameters.items():
        if name == "body":
            placeholders[name] = body
        elif parameter.default is inspect.Parameter.empty:
            placeholders[name] = "x"
    return placeholders


def _client(prism: str, success_statuses: tuple[int, ...], accept: str | None = None) -> AuthenticatedClient:
    headers = {}
    if success_statuses:
        # Otherwise Prism may pick any response it has an example for.
        headers["Prefer"] = f"code={success_statuses[0]}"
    if accept:
        headers["Accept"] = accept
    return AuthenticatedClient(base_url=prism, token=TOKEN, headers=headers, timeout=httpx.Timeout(30.0))


def _expected_statuses(module: ModuleType, operation: dict[str, Any]) -> set[int]:
    if module.SUCCESS_STATUSES:
        return set(module.SUCCESS_STATUSES)
    # An operation with no 2xx at all (a sunset endpoint answering 410) can only be
    # held to what it does declare.
    return {int(code) for code in operation.get("responses", {}) if str(code).isdigit()}


def _media_type(response: Any) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _parsed_types(module: ModuleType) -> tuple[type, ...]:
    annotation = typing.get_type_hints(module.parse_response)["return"]
    found: list[type] = []
    for member in typing.get_args(annotation) or (annotation,):
        origin = typing.get_origin(member) or member
        if isinstance(origin, type) and origin is not type(None):
            found.append(origin)
    return tuple(found)


def _plain(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _comparable(value: Any) -> Any:
    """JSON with date-times as instants: a model writes `+00:00` where the mock wrote `Z`."""
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if isinstance(value, str) and _DATE_TIME.match(value):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _check_response(module: ModuleType, operation: dict[str, Any], response: Any) -> None:
    label = _endpoint_id(module)
    assert "sl-violations" not in response.headers, f"{label}: Prism flagged {response.headers['sl-violations']}"
    assert response.status_code in _expected_statuses(module, operation), (
        f"{label}: status {response.status_code}: {response.content[:500]!r}"
    )
    media_type = _media_type(response)
    if media_type == JSON or media_type.endswith("+json"):
        assert response.parsed is not None, f"{label}: JSON body did not parse: {response.content[:500]!r}"
        assert not isinstance(response.parsed, (bytes, str)), f"{label}: JSON body returned raw"
        assert isinstance(response.parsed, _parsed_types(module)), f"{label}: parsed as {type(response.parsed)}"
        # Nothing the mock sent may be lost or altered on the way into the model.
        assert _comparable(_plain(response.parsed)) == _comparable(json.loads(response.content)), (
            f"{label}: the parsed model does not give back the body it was parsed from"
        )
    elif media_type.startswith("text/"):
        assert response.parsed == response.content.decode(), f"{label}: text body not returned as str"
    else:
        assert isinstance(response.parsed, bytes), f"{label}: {media_type} body parsed as {type(response.parsed)}"
        assert response.parsed == response.content


# --- the tests -------------------------------------------------------------------------


def _params(modules: list[ModuleType], suffix: str = "") -> list[Any]:
    return [pytest.param(module, id=f"{_endpoint_id(module)}{suffix}") for module in modules]


def _takes_body(module: ModuleType) -> bool:
    return "body" in inspect.signature(module.sync_detailed).parameters


def _takes_json_and_multipart(module: ModuleType) -> bool:
    kinds = {hasattr(body_type, "to_multipart") for body_type in _body_types(module)} if _takes_body(module) else set()
    return kinds == {True, False}


def _answers_raw(module: ModuleType) -> bool:
    """Whether some success response of the operation is not JSON (bytes or text)."""
    return bool({bytes, str} & set(_parsed_types(module)))


def _request_kwargs(module: ModuleType, instances: Instances, media_type: str | None = None) -> dict[str, Any]:
    operation = _operation(instances.document, module)
    return {**_parameter_kwargs(module, operation, instances), **_body_kwargs(module, operation, instances, media_type)}


@pytest.fixture(scope="module")
def instances(venice_spec: dict[str, Any]) -> Instances:
    # Requests follow the published contract, not Prism's adjusted copy of it: a
    # transform that changed what a valid request is would then show up as a failure.
    return Instances(venice_spec)


def test_every_operation_is_generated(venice_spec: dict[str, Any]) -> None:
    in_spec = sorted(_route_key(method, path) for path, method, _operation in iter_operations(venice_spec))
    generated = sorted(_route_key(module.METHOD, module.PATH) for module in ENDPOINTS)
    assert generated == in_spec
    assert len(ENDPOINTS) == len(in_spec)


@pytest.mark.parametrize("module", _params(ENDPOINTS))
def test_valid_request_gets_a_typed_answer(module: ModuleType, prism: str, instances: Instances) -> None:
    kwargs = _request_kwargs(module, instances)
    with _client(prism, module.SUCCESS_STATUSES) as client:
        response = module.sync_detailed(client=client, **kwargs)
    _check_response(module, _operation(instances.document, module), response)


@pytest.mark.parametrize("module", _params([m for m in ENDPOINTS if _takes_json_and_multipart(m)], f" {MULTIPART}"))
def test_multipart_alternative_is_accepted(module: ModuleType, prism: str, instances: Instances) -> None:
    """Operations taking JSON or multipart: the test above sent JSON, this one sends the form."""
    assert MULTIPART in _operation(instances.document, module)["requestBody"]["content"]
    kwargs = _request_kwargs(module, instances, MULTIPART)
    with _client(prism, module.SUCCESS_STATUSES) as client:
        response = module.sync_detailed(client=client, **kwargs)
    _check_response(module, _operation(instances.document, module), response)


@pytest.mark.parametrize("module", _params([m for m in ENDPOINTS if _answers_raw(m)]))
def test_every_success_media_type_is_read(module: ModuleType, prism: str, instances: Instances) -> None:
    """Each media type of the success response, asked for with Accept, comes back as its own kind."""
    operation = _operation(instances.document, module)
    status = module.SUCCESS_STATUSES[0]
    responses = operation["responses"]
    media_types = list((responses.get(str(status)) or responses.get(status) or {}).get("content", {}))
    assert media_types
    for media_type in media_types:
        # Rebuilt every time: a file part's payload is consumed by the request that sends it.
        kwargs = _request_kwargs(module, instances)
        with _client(prism, module.SUCCESS_STATUSES, accept=media_type) as client:
            response = module.sync_detailed(client=client, **kwargs)
        assert _media_type(response) == media_type, f"asked for {media_type}, got {_media_type(response)}"
        _check_response(module, operation, response)


def _violated_locations(response: httpx.Response) -> list[list[str]]:
    """Where Prism found a request wrong, as `["body", ...]` paths.

    It says so in `sl-violations` when it answers with the spec's own 400 or 422,
    and in its own 422 body (paths without the leading "request") otherwise.
    """
    if "sl-violations" in response.headers:
        violations = json.loads(response.headers["sl-violations"])
    elif response.status_code == 422 and "json" in _media_type(response):
        violations = response.json().get("validation", [])
    else:
        violations = []
    locations = [[str(part) for part in violation.get("location", [])] for violation in violations]
    return [location[1:] if location[:1] == ["request"] else location for location in locations]


def _invalid_form(instances: Instances, schema: dict[str, Any]) -> list[tuple[str, Any]] | None:
    """Form parts the schema rejects: a required field left out, else a value outside an enum or a type."""
    properties = _form_properties(instances, schema)
    required = {
        name
        for member in [schema, *map(instances.resolve, schema.get("allOf", []))]
        for name in member.get("required", [])
    }
    if required:
        # Something must be sent for the body to be multipart at all; a name the schema
        # does not know is dropped by Prism before it validates.
        return [("not_a_field_of_this_form", (None, b"1", "text/plain"))]
    for name, field in properties.items():
        field = instances.resolve(field)
        if "enum" in field or field.get("type") in ("integer", "number", "boolean"):
            return [(name, (None, b"not-an-allowed-value", "text/plain"))]
    return None


@pytest.mark.parametrize("module", _params([m for m in ENDPOINTS if _takes_body(m)]))
def test_invalid_request_body_is_reported(module: ModuleType, prism: str, instances: Instances) -> None:
    """Prism validates every request body: a body of the wrong shape gets a 4xx naming the body.

    Prism skips validating a schema it cannot compile, and then waves everything
    through; this is what proves `scripts.prism_transforms` left none of those.
    """
    operation = _operation(instances.document, module)
    media_type, media = _body_media(operation) or (None, {})
    valid = module.request_kwargs(**_required_only(module, _body_kwargs(module, operation, instances)["body"]))
    request = {key: value for key, value in valid.items() if key not in ("json", "files", "data", "content")}
    request["headers"] = {**valid.get("headers", {}), "Authorization": f"Bearer {TOKEN}"}
    if media_type == MULTIPART:
        parts = _invalid_form(instances, instances.resolve(media.get("schema", {})))
        if parts is None:
            pytest.skip("no field of this form can be given a value its schema rejects")
        request["files"] = parts
    else:
        # Every JSON body is an object or an array of them; a bare string fits none.
        request["content"] = json.dumps("not a request body").encode()
    response = httpx.request(**{**request, "url": prism + request["url"]}, timeout=30.0)
    assert 400 <= response.status_code < 500 and response.status_code != 401, response.content[:500]
    located = _violated_locations(response)
    assert any(location[:1] == ["body"] for location in located), (
        f"{_endpoint_id(module)}: no body violation reported ({response.status_code}, {located})"
    )


def test_invalid_chat_completion_is_reported(prism: str, instances: Instances) -> None:
    """Chat completions had a schema Prism could not compile: a bad message must now be caught."""
    from venice_api.api.chat import create_chat_completion as module

    operation = _operation(instances.document, module)
    valid = module.request_kwargs(**_body_kwargs(module, operation, instances))
    body = copy.deepcopy(valid["json"])
    assert body["messages"], "the valid request has a message to spoil"
    # Deep inside the schema that did not compile: a message's content must be text or parts.
    body["messages"][0]["content"] = 12345
    with _client(prism, ()) as client:
        response = client.get_httpx_client().request(method=valid["method"], url=valid["url"], json=body)
    assert response.status_code in (400, 422), response.content[:500]
    located = _violated_locations(response)
    assert ["body", "messages", "0", "content"] in located, located
