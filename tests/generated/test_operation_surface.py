"""What every endpoint module tells a caller that sends it itself: BODY, BODY_MEDIA_TYPE, parse_success.

The expectations come from the spec, not from the generated code: the media types a
request body may have, and which statuses are successes.
"""

from __future__ import annotations

import importlib
import pkgutil
import typing
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import httpx
import pytest

import venice_api.api
from scripts.spec_io import load_spec_file
from scripts.transforms import apply_transforms, iter_operations
from venice_api.api.audio import create_speech, create_transcription
from venice_api.api.billing import get_billing_usage, get_billing_usage_history
from venice_api.api.crypto_rpc import crypto_rpc_proxy
from venice_api.api.image import generate_image, upscale_image
from venice_api.api.models import list_models
from venice_api.errors import ModelParseError, UnexpectedStatus
from venice_api.models import (
    CreateTranscriptionResponse,
    CryptoRpcProxyBodyType0,
    GenerateImageResponse,
    ListModelsResponse,
    StandardError,
    UpscaleImageMultipartRequest,
    UpscaleImageRequest,
)

ROOT = Path(__file__).resolve().parents[2]


def _modules() -> list[ModuleType]:
    names = pkgutil.walk_packages(venice_api.api.__path__, "venice_api.api.")
    found = [importlib.import_module(info.name) for info in names]
    return sorted((module for module in found if hasattr(module, "PATH")), key=lambda module: module.__name__)


MODULES = _modules()
SPEC = apply_transforms(load_spec_file(ROOT / "spec" / "swagger.yaml"))
OPERATIONS = {(method.upper(), path): operation for path, method, operation in iter_operations(SPEC)}


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.OPERATION_ID)
def test_body_names_the_first_media_type_the_spec_lists(module: ModuleType) -> None:
    request_body = OPERATIONS[(module.METHOD, module.PATH)].get("requestBody")
    media_types = list((request_body or {}).get("content", {}))
    assert module.BODY_MEDIA_TYPE == (media_types[0] if media_types else None)
    assert list(module.BODIES) == media_types
    assert (module.BODY is None) == (not media_types)
    if media_types:
        assert module.BODIES[module.BODY_MEDIA_TYPE] is module.BODY
        assert callable(module.BODY.from_dict)


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.OPERATION_ID)
def test_parse_success_returns_no_error_model_and_no_none(module: ModuleType) -> None:
    returned = typing.get_type_hints(module.parse_success)["return"]
    members = set(typing.get_args(returned)) or {returned}
    assert type(None) not in members
    assert not any(getattr(member, "__name__", "").endswith("Error") for member in members), members
    declared = [status for status in OPERATIONS[(module.METHOD, module.PATH)]["responses"] if str(status)[0] == "2"]
    assert (returned is NoReturn) == (not declared)


def test_a_union_body_takes_its_object_form() -> None:
    # One JSON-RPC call or a batch: only the call has fields.
    assert crypto_rpc_proxy.BODY is CryptoRpcProxyBodyType0


def test_every_form_of_a_body_is_listed() -> None:
    assert upscale_image.BODY is UpscaleImageRequest
    assert upscale_image.BODIES == {
        "application/json": UpscaleImageRequest,
        "multipart/form-data": UpscaleImageMultipartRequest,
    }
    assert create_transcription.BODY_MEDIA_TYPE == "multipart/form-data"


def _json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_parse_success_parses_the_model() -> None:
    parsed = list_models.parse_success(_json(200, {"object": "list", "type": "text", "data": []}))
    assert isinstance(parsed, ListModelsResponse)


def test_parse_success_follows_the_content_type() -> None:
    png = httpx.Response(200, content=b"\x89PNG", headers={"content-type": "image/png"})
    assert generate_image.parse_success(png) == b"\x89PNG"
    timing = {"inferenceDuration": 1.0, "inferencePreprocessingTime": 0.1, "inferenceQueueTime": 0.2, "total": 1.3}
    images = generate_image.parse_success(_json(200, {"id": "i", "images": ["aGk="], "timing": timing}))
    assert isinstance(images, GenerateImageResponse)
    csv = httpx.Response(200, text="a,b\n", headers={"content-type": "text/csv"})
    assert get_billing_usage_history.parse_success(csv) == "a,b\n"
    assert create_speech.parse_success(httpx.Response(200, content=b"ID3")) == b"ID3"
    text = httpx.Response(200, text="hello", headers={"content-type": "text/plain"})
    assert create_transcription.parse_success(text) == "hello"
    assert isinstance(create_transcription.parse_success(_json(200, {"text": "hi"})), CreateTranscriptionResponse)


def test_parse_success_raises_on_a_body_that_does_not_fit() -> None:
    with pytest.raises(ModelParseError, match="ListModelsResponse"):
        list_models.parse_success(_json(200, {"object": "list", "data": "not a list"}))
    with pytest.raises(ValueError):
        list_models.parse_success(httpx.Response(200, content=b"<html>", headers={"content-type": "application/json"}))


def test_parse_success_refuses_a_status_without_a_success_body() -> None:
    with pytest.raises(UnexpectedStatus):
        list_models.parse_success(_json(500, {"error": "boom"}))
    # Sunset: the spec documents only the 410 it answers with.
    with pytest.raises(UnexpectedStatus):
        get_billing_usage.parse_success(_json(200, {}))


def test_parse_response_still_gives_error_models() -> None:
    from venice_api.client import AuthenticatedClient

    client = AuthenticatedClient(base_url="https://venice.test", token="k")
    assert isinstance(list_models.parse_response(client=client, response=_json(500, {"error": "x"})), StandardError)
    ok = list_models.parse_response(client=client, response=_json(200, {"object": "list", "type": "text", "data": []}))
    assert isinstance(ok, ListModelsResponse)
