"""Contract test: every operation of the generated client against a Stoplight Prism mock.

Prism validates each request against the spec (answering 4xx, or flagging it in an
`sl-violations` header) and answers with the spec's own examples, so a green run
says the client sends what the spec asks for and reads what the spec promises.
The operations and their valid requests come from `tests.support.valid_requests`,
so an operation added to the spec is covered on the next regeneration.
"""

from __future__ import annotations

import copy
import datetime
import inspect
import json
import re
import typing
from types import ModuleType
from typing import Any

import httpx
import pytest

from scripts.transforms import iter_operations
from tests.support.valid_requests import (
    MULTIPART,
    ValidRequests,
    body_media,
    body_only_kwargs,
    body_types,
    endpoint_id,
    endpoint_modules,
    form_properties,
    route_key,
    spec_operation,
    valid_request_kwargs,
)
from venice_api.client import AuthenticatedClient

pytestmark = pytest.mark.prism

TOKEN = "prism-contract-test-token"
JSON = "application/json"
ENDPOINTS = endpoint_modules()


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
    label = endpoint_id(module)
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
    return [pytest.param(module, id=f"{endpoint_id(module)}{suffix}") for module in modules]


def _takes_body(module: ModuleType) -> bool:
    return "body" in inspect.signature(module.sync_detailed).parameters


def _takes_json_and_multipart(module: ModuleType) -> bool:
    kinds = {hasattr(body_type, "to_multipart") for body_type in body_types(module)} if _takes_body(module) else set()
    return kinds == {True, False}


def _answers_raw(module: ModuleType) -> bool:
    """Whether some success response of the operation is not JSON (bytes or text)."""
    return bool({bytes, str} & set(_parsed_types(module)))


@pytest.fixture(scope="module")
def requests(venice_spec: dict[str, Any]) -> ValidRequests:
    # Requests follow the published contract, not Prism's adjusted copy of it: a
    # transform that changed what a valid request is would then show up as a failure.
    return ValidRequests(venice_spec)


def test_every_operation_is_generated(venice_spec: dict[str, Any]) -> None:
    in_spec = sorted(route_key(method, path) for path, method, _operation in iter_operations(venice_spec))
    generated = sorted(route_key(module.METHOD, module.PATH) for module in ENDPOINTS)
    assert generated == in_spec
    assert len(ENDPOINTS) == len(in_spec)


@pytest.mark.parametrize("module", _params(ENDPOINTS))
def test_valid_request_gets_a_typed_answer(module: ModuleType, prism: str, requests: ValidRequests) -> None:
    kwargs = valid_request_kwargs(module, requests)
    with _client(prism, module.SUCCESS_STATUSES) as client:
        response = module.sync_detailed(client=client, **kwargs)
    _check_response(module, spec_operation(requests.document, module), response)


@pytest.mark.parametrize("module", _params([m for m in ENDPOINTS if _takes_json_and_multipart(m)], f" {MULTIPART}"))
def test_multipart_alternative_is_accepted(module: ModuleType, prism: str, requests: ValidRequests) -> None:
    """Operations taking JSON or multipart: the test above sent JSON, this one sends the form."""
    assert MULTIPART in spec_operation(requests.document, module)["requestBody"]["content"]
    kwargs = valid_request_kwargs(module, requests, MULTIPART)
    with _client(prism, module.SUCCESS_STATUSES) as client:
        response = module.sync_detailed(client=client, **kwargs)
    _check_response(module, spec_operation(requests.document, module), response)


@pytest.mark.parametrize("module", _params([m for m in ENDPOINTS if _answers_raw(m)]))
def test_every_success_media_type_is_read(module: ModuleType, prism: str, requests: ValidRequests) -> None:
    """Each media type of the success response, asked for with Accept, comes back as its own kind."""
    operation = spec_operation(requests.document, module)
    status = module.SUCCESS_STATUSES[0]
    responses = operation["responses"]
    media_types = list((responses.get(str(status)) or responses.get(status) or {}).get("content", {}))
    assert media_types
    for media_type in media_types:
        # Rebuilt every time: a file part's payload is consumed by the request that sends it.
        kwargs = valid_request_kwargs(module, requests)
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


def _invalid_form(requests: ValidRequests, schema: dict[str, Any]) -> list[tuple[str, Any]] | None:
    """Form parts the schema rejects: a required field left out, else a value outside an enum or a type."""
    properties = form_properties(requests, schema)
    required = {
        name
        for member in [schema, *map(requests.resolve, schema.get("allOf", []))]
        for name in member.get("required", [])
    }
    if required:
        # Something must be sent for the body to be multipart at all; a name the schema
        # does not know is dropped by Prism before it validates.
        return [("not_a_field_of_this_form", (None, b"1", "text/plain"))]
    for name, field in properties.items():
        field = requests.resolve(field)
        if "enum" in field or field.get("type") in ("integer", "number", "boolean"):
            return [(name, (None, b"not-an-allowed-value", "text/plain"))]
    return None


@pytest.mark.parametrize("module", _params([m for m in ENDPOINTS if _takes_body(m)]))
def test_invalid_request_body_is_reported(module: ModuleType, prism: str, requests: ValidRequests) -> None:
    """Prism validates every request body: a body of the wrong shape gets a 4xx naming the body.

    Prism skips validating a schema it cannot compile, and then waves everything
    through; this is what proves `scripts.prism_transforms` left none of those.
    """
    operation = spec_operation(requests.document, module)
    media_type, media = body_media(operation) or (None, {})
    valid = module.request_kwargs(**body_only_kwargs(module, valid_request_kwargs(module, requests)["body"]))
    request = {key: value for key, value in valid.items() if key not in ("json", "files", "data", "content")}
    request["headers"] = {**valid.get("headers", {}), "Authorization": f"Bearer {TOKEN}"}
    if media_type == MULTIPART:
        parts = _invalid_form(requests, requests.resolve(media.get("schema", {})))
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
        f"{endpoint_id(module)}: no body violation reported ({response.status_code}, {located})"
    )


def test_invalid_chat_completion_is_reported(prism: str, requests: ValidRequests) -> None:
    """Chat completions had a schema Prism could not compile: a bad message must now be caught."""
    from venice_api.api.chat import create_chat_completion as module

    valid = module.request_kwargs(**valid_request_kwargs(module, requests))
    body = copy.deepcopy(valid["json"])
    assert body["messages"], "the valid request has a message to spoil"
    # Deep inside the schema that did not compile: a message's content must be text or parts.
    body["messages"][0]["content"] = 12345
    with _client(prism, ()) as client:
        response = client.get_httpx_client().request(method=valid["method"], url=valid["url"], json=body)
    assert response.status_code in (400, 422), response.content[:500]
    located = _violated_locations(response)
    assert ["body", "messages", "0", "content"] in located, located
