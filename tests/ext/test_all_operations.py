"""Every generated operation through `Venice` and `AsyncVenice`, against the fake Venice.

The requests are the valid ones built from the published spec, so a green walk says the
ergonomic layer sends each operation where the spec puts it, with the client's key and
user agent and the body the caller gave, and hands back the operation's own success type.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import re
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest

from scripts.spec_io import load_spec_file
from scripts.transforms import iter_operations
from tests.support.valid_requests import (
    ValidRequests,
    body_media,
    endpoint_id,
    endpoint_modules,
    route_key,
    spec_operation,
    valid_request_kwargs,
)
from venice_ext import AsyncVenice, Venice
from venice_ext.errors import GoneError
from venice_ext.testing import FakeVenice

SPEC_FILE = Path(__file__).resolve().parents[2] / "spec" / "swagger.yaml"
API_KEY = "test-key"
JSON = "application/json"
ENDPOINTS = endpoint_modules()
# What the generated parsers return for a success body that is not JSON.
RAW_BODIES = {"content": bytes, "text": str}


@pytest.fixture(scope="module")
def requests() -> ValidRequests:
    if not SPEC_FILE.exists():
        pytest.skip("spec/swagger.yaml is missing: run `make install` (or `make spec`)")
    return ValidRequests(load_spec_file(SPEC_FILE))


@pytest.fixture(scope="module")
def shared_fake() -> Iterator[FakeVenice]:
    # One server for the whole walk: starting one per operation would dominate the run.
    with FakeVenice(api_key=API_KEY) as server:
        # The spec's own example for /video/retrieve and /video/complete, which the
        # requests built from it send; Venice lists no such model, so the fake is told.
        server.add_model("video-model-123", "video")
        yield server


@pytest.fixture
def fake(shared_fake: FakeVenice) -> FakeVenice:
    shared_fake.reset()
    return shared_fake


# One client of each kind for the walk too: building one costs some 70 ms (httpx loads
# the TLS trust store even for plain http), more than the request it would send.
@pytest.fixture(scope="module")
def venice(shared_fake: FakeVenice) -> Iterator[Venice]:
    with Venice(api_key=API_KEY, base_url=shared_fake.base_url) as client:
        yield client


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.Runner]:
    # The async client's pooled connections belong to the loop that opened them.
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture(scope="module")
def async_venice(shared_fake: FakeVenice, loop: asyncio.Runner) -> Iterator[AsyncVenice]:
    client = AsyncVenice(api_key=API_KEY, base_url=shared_fake.base_url)
    yield client
    loop.run(client.aclose())


def _success_types(module: ModuleType) -> tuple[type, ...]:
    """What `parse_success` returns: model classes, bytes or str.

    The return annotation names type aliases and unions, so the success branches of
    the parser itself are read instead, and the module's union parsers they call.
    """
    tree = ast.parse(textwrap.dedent(inspect.getsource(module.parse_success)))
    found: set[type] = set()

    def collect(branch: ast.AST) -> None:
        for node in ast.walk(branch):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("_parse_"):
                collect(ast.parse(textwrap.dedent(inspect.getsource(getattr(module, node.func.id)))))
            if not isinstance(node, ast.Attribute) or not isinstance(node.value, ast.Name):
                continue
            if node.attr == "from_dict":
                found.add(getattr(module, node.value.id))
            elif node.value.id == "response" and node.attr in RAW_BODIES:
                found.add(RAW_BODIES[node.attr])

    for branch in ast.walk(tree):
        if not isinstance(branch, ast.If) or not isinstance(branch.test, ast.Compare):
            continue
        statuses = {node.value for node in branch.test.comparators if isinstance(node, ast.Constant)}
        if statuses & set(module.SUCCESS_STATUSES):
            collect(branch)
    assert found, f"{endpoint_id(module)}: no success type found in its parser"
    return tuple(found)


def _check_result(module: ModuleType, result: Any) -> None:
    expected = _success_types(module)
    # A JSON array answer (a batch of RPC results) parses to a list of item models.
    items = result if isinstance(result, list) else [result]
    assert items, f"{endpoint_id(module)}: empty list answer"
    assert all(isinstance(item, expected) for item in items), (
        f"{endpoint_id(module)}: got {type(result).__name__}, expected one of {[t.__name__ for t in expected]}"
    )


def _expected_path(module: ModuleType, kwargs: dict[str, Any]) -> str:
    # Path templates keep the spec's names (`{walletAddress}`); the arguments are snake_case.
    arguments = {re.sub(r"[^a-z0-9]", "", name.lower()): value for name, value in kwargs.items()}
    return re.sub(
        r"\{([^}]+)\}",
        lambda match: quote(str(arguments[re.sub(r"[^a-z0-9]", "", match[1].lower())]), safe=""),
        module.PATH,
    )


def _plain(value: Any) -> Any:
    return [_plain(item) for item in value] if isinstance(value, list) else value.to_dict()


def _check_request(fake: FakeVenice, module: ModuleType, requests: ValidRequests, kwargs: dict[str, Any]) -> None:
    label = endpoint_id(module)
    recorded = fake.requests_to(module.METHOD, module.PATH)
    # Against all requests too: a retry or a stray request to another route would show here.
    assert len(recorded) == len(fake.requests) == 1, [f"{r.method} {r.path}" for r in fake.requests]
    (request,) = recorded
    assert (request.method, request.path) == (module.METHOD, _expected_path(module, kwargs)), label
    assert request.headers.get("authorization") == f"Bearer {API_KEY}", label
    assert request.headers.get("user-agent", "").startswith("venice-client/"), request.headers.get("user-agent")
    media = body_media(spec_operation(requests.document, module))
    if media is None or "body" not in kwargs:
        assert request.body == b"", label
    elif media[0] == JSON:
        assert request.json() == _plain(kwargs["body"]), label
    else:
        assert request.headers.get("content-type", "").startswith(media[0]), label


def _cases(mode: str) -> list[Any]:
    return [pytest.param(module, id=f"{endpoint_id(module)} {mode}") for module in ENDPOINTS]


def test_the_walk_covers_every_operation_of_the_spec(requests: ValidRequests) -> None:
    in_spec = {route_key(method, path) for path, method, _operation in iter_operations(requests.document)}
    assert {route_key(module.METHOD, module.PATH) for module in ENDPOINTS} == in_spec
    assert len(ENDPOINTS) == len(in_spec)
    # Only the sunset operation may document no success: the walk expects its 410 as an error.
    assert [endpoint_id(module) for module in ENDPOINTS if not module.SUCCESS_STATUSES] == ["GET /billing/usage"]


@pytest.mark.parametrize("module", _cases("sync"))
def test_sync_call(module: ModuleType, fake: FakeVenice, venice: Venice, requests: ValidRequests) -> None:
    kwargs = valid_request_kwargs(module, requests)
    if module.SUCCESS_STATUSES:
        _check_result(module, venice.call(module, **kwargs))
    else:
        with pytest.raises(GoneError):
            venice.call(module, **kwargs)
    _check_request(fake, module, requests, kwargs)


@pytest.mark.parametrize("module", _cases("async"))
def test_async_call_with_response(
    module: ModuleType, fake: FakeVenice, async_venice: AsyncVenice, loop: asyncio.Runner, requests: ValidRequests
) -> None:
    kwargs = valid_request_kwargs(module, requests)
    if module.SUCCESS_STATUSES:
        full = loop.run(async_venice.call_with_response(module, **kwargs))
        assert full.status_code in module.SUCCESS_STATUSES
        _check_result(module, full.parsed)
    else:
        with pytest.raises(GoneError):
            loop.run(async_venice.call_with_response(module, **kwargs))
    _check_request(fake, module, requests, kwargs)


# -- the same walk through the resource methods: client.images.generate(...), client.models.list()...

from tests.generated._resources import cases as resource_cases  # noqa: E402
from tests.generated._resources import resolve as resolve_method  # noqa: E402
from tests.generated.test_resources_contract import _wire_fields  # noqa: E402

# Methods venice_ext reshapes: their answers are checked by their own tests.
PAGED = ("billing.usage_history", "characters.list", "characters.reviews", "x402.transactions")
RESHAPED = {
    "video.quote": float,
    "video.queue": object,
    "billing.usage_history": object,
    "characters.list": object,
    "characters.reviews": object,
    "x402.transactions": object,
}
CASES = {case.module.__name__: case for case in resource_cases()}


def _method_kwargs(module: ModuleType, kwargs: dict[str, Any]) -> dict[str, Any]:
    case = CASES[module.__name__]
    by_key = {expected.key: expected.argument for expected in case.arguments if not expected.in_body}
    arguments = {by_key[key]: value for key, value in kwargs.items() if key != "body"}
    if "body" in kwargs:
        arguments.update(_wire_fields(kwargs["body"]))
    return arguments


def _check_method_result(module: ModuleType, result: Any) -> None:
    dotted = CASES[module.__name__].dotted
    if dotted in RESHAPED:
        assert isinstance(result, RESHAPED[dotted]), f"{dotted}: {type(result).__name__}"
        if dotted in PAGED:
            # One page is one request: the canned answer repeats its cursor, so the walk stops here.
            _check_result(module, next(iter(result.pages())))
    else:
        _check_result(module, result)


def test_every_operation_has_a_method_on_the_client() -> None:
    with Venice(api_key=API_KEY, base_url="http://127.0.0.1:9") as client:
        missing = [case.dotted for case in resource_cases() if not callable(resolve_method(client, case.dotted))]
    assert missing == [] and len(CASES) == len(ENDPOINTS)


@contextlib.contextmanager
def _sunset_warnings() -> Iterator[None]:
    """A sunset operation's method may warn that it is deprecated, and must warn of nothing else."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    assert all(issubclass(w.category, DeprecationWarning) and "is deprecated" in str(w.message) for w in caught)


@pytest.mark.parametrize("module", _cases("method sync"))
def test_sync_resource_method(module: ModuleType, fake: FakeVenice, venice: Venice, requests: ValidRequests) -> None:
    kwargs = valid_request_kwargs(module, requests)
    method = resolve_method(venice, CASES[module.__name__].dotted)
    if not module.SUCCESS_STATUSES:
        with _sunset_warnings(), pytest.raises(GoneError):
            method(**_method_kwargs(module, kwargs))
    else:
        result = method(**_method_kwargs(module, kwargs))
        _check_method_result(module, result)
    if CASES[module.__name__].dotted != "video.queue":  # queue quotes nothing but answers a job
        _check_request(fake, module, requests, kwargs)


@pytest.mark.parametrize("module", _cases("method async"))
def test_async_resource_method(
    module: ModuleType, fake: FakeVenice, async_venice: AsyncVenice, loop: asyncio.Runner, requests: ValidRequests
) -> None:
    kwargs = valid_request_kwargs(module, requests)
    dotted = CASES[module.__name__].dotted
    method = resolve_method(async_venice, dotted)

    async def run() -> Any:
        answer = method(**_method_kwargs(module, kwargs))
        if dotted in PAGED:
            async for page in answer.pages():
                return page
        return await answer

    if not module.SUCCESS_STATUSES:
        with _sunset_warnings(), pytest.raises(GoneError):
            loop.run(run())
    else:
        result = loop.run(run())
        if dotted in PAGED:
            _check_result(module, result)
        else:
            _check_method_result(module, result)
    if dotted != "video.queue":
        _check_request(fake, module, requests, kwargs)


@pytest.mark.parametrize("module", _cases("raw"))
def test_raw_access_shows_status_headers_and_request_id(
    module: ModuleType, fake: FakeVenice, venice: Venice, requests: ValidRequests
) -> None:
    dotted = CASES[module.__name__].dotted
    if not module.SUCCESS_STATUSES or dotted in RESHAPED:
        pytest.skip("no success to show, or reshaped by venice_ext (raw access is on the generated method)")
    family, _, name = dotted.rpartition(".")
    raw_family = resolve_method(venice, family).with_raw_response
    response = getattr(raw_family, name)(**_method_kwargs(module, valid_request_kwargs(module, requests)))
    assert response.status_code in module.SUCCESS_STATUSES
    assert response.request_id and response.headers.get("content-type")
    _check_result(module, response.parsed)
