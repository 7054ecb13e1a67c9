"""The fake server's canned answers: one per generated operation, each parsing into its typed model."""

from __future__ import annotations

import datetime
import importlib
import pkgutil
import struct
import types
import zlib
from typing import Any

import attrs
import httpx
import pytest

import venice_api.api
from venice_api.client import AuthenticatedClient
from venice_ext.testing._canned import ALTERNATES, CANNED, canned_reply
from venice_ext.testing._canned_media import TINY_MP3, TINY_MP4, TINY_PNG, TINY_WAV
from venice_ext.testing._catalogue import MODEL_TYPES, snapshot_models
from venice_ext.testing._replies import Reply

EXPECTED_OPERATIONS = 49


def _endpoint_modules() -> list[types.ModuleType]:
    modules = []
    for info in pkgutil.walk_packages(venice_api.api.__path__, venice_api.api.__name__ + "."):
        module = importlib.import_module(info.name)
        if hasattr(module, "PATH") and hasattr(module, "METHOD"):
            modules.append(module)
    return modules


ENDPOINTS = _endpoint_modules()
ENDPOINT_IDS = [f"{m.METHOD} {m.PATH}" for m in ENDPOINTS]
BY_ROUTE = {(m.METHOD, m.PATH): m for m in ENDPOINTS}
# Binary answers have nothing to round-trip; .get() so a missing answer fails in the coverage tests, not here.
JSON_ENDPOINTS = [m for m in ENDPOINTS if getattr(CANNED.get((m.METHOD, m.PATH)), "json", None) is not None]
JSON_IDS = [f"{m.METHOD} {m.PATH}" for m in JSON_ENDPOINTS]


def _client() -> AuthenticatedClient:
    # Raising on unexpected statuses makes an undocumented canned status fail loudly instead of parsing to None.
    return AuthenticatedClient(base_url="http://x", token="t", raise_on_unexpected_status=True)


def _response(reply: Reply) -> httpx.Response:
    headers = {"content-type": reply.media_type(), **reply.headers}
    return httpx.Response(reply.status, content=reply.payload(), headers=headers)


def _as_json(parsed: Any) -> Any:
    if isinstance(parsed, list):
        return [_as_json(item) for item in parsed]
    return parsed.to_dict()


def _unknown_keys(value: Any, where: str = "") -> list[str]:
    """Keys the models kept as additional properties although they declare fields: likely misspellings."""
    if isinstance(value, list):
        return [key for i, item in enumerate(value) for key in _unknown_keys(item, f"{where}[{i}]")]
    if isinstance(value, dict):
        return [key for k, item in value.items() for key in _unknown_keys(item, f"{where}.{k}")]
    if not attrs.has(type(value)):
        return []
    declared = [f.name for f in attrs.fields(type(value)) if f.name != "additional_properties"]
    extra = getattr(value, "additional_properties", {})
    found = [f"{where}.{key}" for key in extra] if declared else []
    for name in declared:
        found += _unknown_keys(getattr(value, name), f"{where}.{name}")
    return found


def _check_parses(module: types.ModuleType, reply: Reply) -> Any:
    """Parse `reply` with the operation's own parser and check the Python type it becomes."""
    parsed = module.parse_response(client=_client(), response=_response(reply))
    assert parsed is not None, f"{module.__name__} parsed the canned answer to None"
    media_type = reply.media_type().split(";")[0].strip()
    if reply.json is not None:
        assert not isinstance(parsed, bytes | str)
        items = parsed if isinstance(parsed, list) else [parsed]
        assert all(type(item).__module__.startswith("venice_api.models.") for item in items)
    elif media_type.startswith("text/"):
        assert parsed == reply.payload().decode()
    else:
        assert parsed == reply.payload()
    return parsed


@pytest.mark.parametrize("module", ENDPOINTS, ids=ENDPOINT_IDS)
def test_every_operation_has_a_parsable_canned_answer(module: types.ModuleType) -> None:
    reply = canned_reply(module.METHOD, module.PATH)
    assert reply is not None
    if module.SUCCESS_STATUSES:
        assert reply.status in module.SUCCESS_STATUSES
    else:
        # A sunset operation documents no success at all; its realistic answer is its documented error.
        assert reply.status >= 400
    _check_parses(module, reply)


@pytest.mark.parametrize("module", JSON_ENDPOINTS, ids=JSON_IDS)
def test_json_answers_round_trip_through_the_model(module: types.ModuleType) -> None:
    reply = CANNED[(module.METHOD, module.PATH)]
    assert _as_json(_check_parses(module, reply)) == reply.json


@pytest.mark.parametrize("module", JSON_ENDPOINTS, ids=JSON_IDS)
def test_json_answers_fill_declared_fields(module: types.ModuleType) -> None:
    # A union that picks the wrong member leaves the right member's fields untyped in
    # additional_properties while the round trip still holds; this catches it.
    reply = CANNED[(module.METHOD, module.PATH)]
    assert _unknown_keys(_check_parses(module, reply)) == []


@pytest.mark.parametrize(
    ("route", "media_type"),
    [(route, media_type) for route, forms in ALTERNATES.items() for media_type in forms],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else value,
)
def test_alternate_answers_parse(route: tuple[str, str], media_type: str) -> None:
    module = BY_ROUTE[route]
    reply = ALTERNATES[route][media_type]
    assert reply.status in module.SUCCESS_STATUSES
    assert reply.media_type().split(";")[0] == media_type
    parsed = _check_parses(module, reply)
    if reply.json is not None:
        assert _as_json(parsed) == reply.json
        assert _unknown_keys(parsed) == []


def test_canned_covers_exactly_the_generated_operations() -> None:
    assert len(ENDPOINTS) == EXPECTED_OPERATIONS
    assert len(CANNED) == EXPECTED_OPERATIONS
    assert set(CANNED) == set(BY_ROUTE)
    assert set(ALTERNATES) <= set(CANNED)


def test_usage_history_timestamps_keep_their_instant() -> None:
    # Beyond the text round trip: the parsed instants are the ones Venice sent.
    route = ("GET", "/billing/usage-history")
    parsed = _check_parses(BY_ROUTE[route], CANNED[route])
    sent = [entry["timestamp"] for entry in CANNED[route].json["data"]]
    assert [entry.timestamp for entry in parsed.data] == [datetime.datetime.fromisoformat(s) for s in sent]


def test_canned_reply_is_a_private_copy() -> None:
    first = canned_reply("post", "/chat/completions")
    assert first is not None
    first.json["model"] = "edited"
    second = canned_reply("POST", "/chat/completions")
    assert second is not None and second.json["model"] == "zai-org-glm-5-1"
    assert canned_reply("GET", "/no/such/route") is None


def test_chat_completion_carries_usage_and_venice_parameters() -> None:
    body = CANNED[("POST", "/chat/completions")].json
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert body["venice_parameters"]["enable_web_search"] in {"auto", "off", "on"}
    assert body["choices"][0]["message"]["content"]


def test_job_answers_match_the_real_job_flow() -> None:
    assert CANNED[("POST", "/video/queue")].json["queue_id"]
    assert CANNED[("POST", "/audio/queue")].json["queue_id"]
    assert CANNED[("POST", "/video/retrieve")].media_type() == "video/mp4"
    assert CANNED[("POST", "/audio/retrieve")].media_type() == "audio/mpeg"
    assert isinstance(CANNED[("POST", "/video/quote")].json["quote"], float)
    assert isinstance(CANNED[("POST", "/audio/quote")].json["quote"], float)


def test_models_listing_is_venices_whole_listing() -> None:
    data = CANNED[("GET", "/models")].json["data"]
    # The real listing (328 models in the snapshot of 2026-08), not a sample of it.
    assert len(data) == len(snapshot_models()) >= 300
    assert {entry["type"] for entry in data} == set(MODEL_TYPES)
    assert all(entry["object"] == "model" and entry["owned_by"] == "venice.ai" for entry in data)


def _png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, data = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + data), kind
        chunks.append((kind, data))
        offset += 12 + length
    return chunks


def test_tiny_png_is_a_valid_one_pixel_image() -> None:
    assert TINY_PNG.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(TINY_PNG) < 100
    chunks = _png_chunks(TINY_PNG)
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, color = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (width, height, depth, color) == (1, 1, 8, 2)
    assert len(zlib.decompress(chunks[1][1])) == 1 + 3  # filter byte + one RGB pixel


def test_tiny_audio_and_video_have_real_headers() -> None:
    # MP3: frame sync, MPEG-1 Layer III, and a length matching its bitrate and sample rate.
    assert TINY_MP3[:2] == b"\xff\xfb" and len(TINY_MP3) == 144 * 32_000 // 44_100
    riff, size, wave = struct.unpack("<4sI4s", TINY_WAV[:12])
    assert (riff, wave, size) == (b"RIFF", b"WAVE", len(TINY_WAV) - 8)
    (ftyp_size,) = struct.unpack(">I", TINY_MP4[:4])
    assert TINY_MP4[4:12] == b"ftypisom" and ftyp_size == 32
