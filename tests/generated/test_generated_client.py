"""What the generated client must do, checked through its public functions.

Responses come from an httpx.MockTransport: these tests are about parsing and
request building, not about the network.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

import venice_api.api
from scripts.fetch_spec import count_operations
from scripts.spec_io import load_spec_file
from venice_api.api.audio import create_speech, retrieve_audio
from venice_api.api.billing import get_billing_usage_history
from venice_api.api.chat import create_chat_completion
from venice_api.api.image import generate_image, upscale_image
from venice_api.api.models import list_models
from venice_api.api.video import retrieve_video
from venice_api.client import AuthenticatedClient
from venice_api.errors import ModelParseError
from venice_api.models import (
    ChatCompletionRequest,
    CreateChatCompletionResponse,
    DetailedError,
    GenerateImageRequest,
    QueueVideoResponse,
    RetrieveAudioRequest,
    RetrieveVideoRequest,
    RetrieveVideoResponse,
    StandardError,
    UpscaleImageMultipartRequest,
)
from venice_api.types import File

ROOT = Path(__file__).resolve().parents[2]

CHAT_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1739928524,
    "model": "venice-uncensored",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "logprobs": None,
            "stop_reason": None,
            "message": {"role": "assistant", "content": "Hi.", "reasoning_content": None, "tool_calls": []},
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}


def client_answering(handler: Callable[[httpx.Request], httpx.Response]) -> AuthenticatedClient:
    client = AuthenticatedClient(base_url="https://venice.test/api/v1", token="test-key")
    client.set_httpx_client(httpx.Client(base_url="https://venice.test/api/v1", transport=httpx.MockTransport(handler)))
    return client


def answer(status: int = 200, **kwargs: Any) -> AuthenticatedClient:
    return client_answering(lambda request: httpx.Response(status, **kwargs))


def endpoint_modules() -> list[ModuleType]:
    names = pkgutil.walk_packages(venice_api.api.__path__, "venice_api.api.")
    modules = [importlib.import_module(info.name) for info in names]
    return [module for module in modules if hasattr(module, "sync_detailed")]


def test_every_operation_of_the_spec_is_generated_and_importable() -> None:
    modules = endpoint_modules()
    spec = load_spec_file(ROOT / "spec" / "swagger.yaml")
    assert len(modules) == count_operations(spec) == 49
    generated = {(module.METHOD, module.PATH) for module in modules}
    declared = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert generated == declared


def test_public_request_and_parse_functions() -> None:
    kwargs = create_chat_completion.request_kwargs(
        body=ChatCompletionRequest.from_dict({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    )
    assert kwargs["method"] == "POST" and kwargs["url"] == "/chat/completions"
    assert kwargs["json"]["messages"] == [{"role": "user", "content": "hi"}]
    assert create_chat_completion.SUCCESS_STATUSES == (200,)


@pytest.mark.parametrize(
    ("module", "body", "media_type", "payload"),
    [
        (retrieve_video, RetrieveVideoRequest(model="m", queue_id="q"), "video/mp4", b"\x00\x00\x00\x18ftypmp42"),
        (retrieve_audio, RetrieveAudioRequest(model="m", queue_id="q"), "audio/mpeg", b"ID3\x04binary"),
        (generate_image, GenerateImageRequest(model="m", prompt="p"), "image/png", b"\x89PNG\r\n\x1a\n"),
    ],
    ids=["video", "audio", "image"],
)
def test_json_or_binary_responses_follow_the_content_type(
    module: ModuleType, body: Any, media_type: str, payload: bytes
) -> None:
    binary = module.sync(client=answer(content=payload, headers={"content-type": media_type}), body=body)
    assert binary == payload


def test_retrieve_video_json_status_parses_into_the_model() -> None:
    status = {"status": "PROCESSING", "average_execution_time": 145000, "execution_duration": 53200}
    parsed = retrieve_video.sync(client=answer(json=status), body=RetrieveVideoRequest(model="m", queue_id="q"))
    assert isinstance(parsed, RetrieveVideoResponse)
    assert parsed.status == "PROCESSING" and parsed.execution_duration == 53200


def test_binary_only_responses_return_bytes() -> None:
    audio = b"\xff\xfbmp3 frames"
    from venice_api.models import CreateSpeechRequestSchema

    parsed = create_speech.sync(
        client=answer(content=audio, headers={"content-type": "audio/mpeg"}),
        body=CreateSpeechRequestSchema(input_="hello"),
    )
    assert parsed == audio


def test_text_alternatives_return_str() -> None:
    csv = "timestamp,amount\n2026-01-01T00:00:00Z,1.5\n"
    parsed = get_billing_usage_history.sync(client=answer(text=csv, headers={"content-type": "text/csv"}))
    assert parsed == csv


def test_multipart_body_is_encoded_by_httpx_with_its_own_boundary() -> None:
    seen: dict[str, Any] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["content_type"] = request.headers["content-type"]
        seen["body"] = request.read()
        return httpx.Response(200, content=b"PNG", headers={"content-type": "image/png"})

    body = UpscaleImageMultipartRequest(
        image=File(payload=__import__("io").BytesIO(b"RAWIMAGE"), file_name="a.png", mime_type="image/png"), scale=2
    )
    assert upscale_image.sync(client=client_answering(handler), body=body) == b"PNG"
    boundary = seen["content_type"].split("boundary=")[1]
    assert seen["content_type"].startswith("multipart/form-data")
    assert boundary != "+++" and f"--{boundary}".encode() in seen["body"]
    assert b"RAWIMAGE" in seen["body"] and b'name="scale"' in seen["body"]


def test_unknown_fields_and_explicit_nulls_survive_a_round_trip() -> None:
    data = json.loads(json.dumps(CHAT_COMPLETION))
    data["brand_new_field"] = {"nested": [1, 2]}
    data["choices"][0]["message"]["new_message_field"] = "kept"
    parsed = create_chat_completion.sync(
        client=answer(json=data),
        body=ChatCompletionRequest.from_dict({"model": "m", "messages": [{"role": "user", "content": "hi"}]}),
    )
    assert isinstance(parsed, CreateChatCompletionResponse)
    assert parsed["brand_new_field"] == {"nested": [1, 2]}
    round_trip = parsed.to_dict()
    assert round_trip == data
    assert round_trip["choices"][0]["stop_reason"] is None, "explicit null kept, not dropped"


def test_unknown_enum_values_are_kept() -> None:
    data = json.loads(json.dumps(CHAT_COMPLETION))
    data["choices"][0]["finish_reason"] = "content_filter"
    data["choices"][0]["stop_reason"] = "brand_new_reason"
    parsed = CreateChatCompletionResponse.from_dict(data)
    assert parsed.choices[0].finish_reason == "content_filter"
    assert parsed.to_dict() == data


def test_requests_carry_fields_the_spec_does_not_know_yet() -> None:
    request = ChatCompletionRequest.from_dict({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    request["future_parameter"] = {"enabled": True}
    kwargs = create_chat_completion.request_kwargs(body=request)
    assert kwargs["json"]["future_parameter"] == {"enabled": True}


def test_error_statuses_parse_their_bodies() -> None:
    parsed = create_chat_completion.sync(
        client=answer(400, json={"error": "Invalid request", "details": {"_errors": []}}),
        body=ChatCompletionRequest.from_dict({"model": "m", "messages": []}),
    )
    assert isinstance(parsed, DetailedError)
    parsed = list_models.sync(client=answer(500, json={"error": "boom"}))
    assert isinstance(parsed, StandardError) and parsed.error == "boom"


def test_an_unparseable_error_body_gives_none_instead_of_raising() -> None:
    html = "<html><body>502 Bad Gateway</body></html>"
    response = list_models.sync_detailed(client=answer(500, text=html, headers={"content-type": "text/html"}))
    assert response.status_code == 500 and response.parsed is None
    assert response.content == html.encode()


def test_malformed_success_body_raises_a_typed_error_naming_the_field() -> None:
    data = json.loads(json.dumps(CHAT_COMPLETION))
    del data["choices"][0]["index"]
    with pytest.raises(ModelParseError) as missing:
        CreateChatCompletionResponse.from_dict(data)
    assert missing.value.path.startswith("CreateChatCompletionResponse.choices")
    assert "index" in str(missing.value)

    data = json.loads(json.dumps(CHAT_COMPLETION))
    data["created"] = "yesterday"
    with pytest.raises(ModelParseError, match=r"CreateChatCompletionResponse\.created: expected int, got str"):
        CreateChatCompletionResponse.from_dict(data)

    with pytest.raises(ModelParseError, match="expected a JSON object"):
        QueueVideoResponse.from_dict(["not", "an", "object"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name",
    [
        "CreateChatCompletionResponse",
        "QueueVideoResponse",
        "RetrieveVideoResponse",
        "QueueAudioResponse",
        "RetrieveAudioResponse",
        "StandardError",
        "DetailedError",
        "ContentViolationError",
        "ProviderContentPolicyError",
        "PayloadTooLargeError",
        "X402InferencePaymentRequiredType0",
        "X402InferencePaymentRequiredType1",
        "ChatCompletionRequest",
        "QueueVideoRequest",
        "RetrieveVideoRequest",
    ],
)
def test_schemas_venice_ext_depends_on_have_stable_names(name: str) -> None:
    import venice_api.models

    assert hasattr(venice_api.models, name)
