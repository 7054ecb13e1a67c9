"""The fake's models: Venice's real listing, and every operation that takes a model refusing one it does not list."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ext.conftest import API_KEY
from venice_api.api.models import list_model_traits, list_models
from venice_ext import AsyncVenice, Venice
from venice_ext.errors import BadRequestError, NotFoundError
from venice_ext.testing import FakeVenice, Reply
from venice_ext.testing._catalogue import MODEL_TYPES
from venice_ext.testing._model_check import MODEL_FIELDS, MODEL_NOT_FOUND

SHARED = Path(__file__).resolve().parents[3] / "shared" / "venice-spec"
SHIPPED: list[dict[str, Any]] = json.loads(files("venice_ext.testing").joinpath("models-snapshot.json").read_text())
BY_TYPE = {kind: [entry["id"] for entry in SHIPPED if entry["type"] == kind] for kind in MODEL_TYPES}

# A request each operation accepts, but for its model; multipart ones as form fields.
BODIES: dict[str, dict[str, Any]] = {
    "/chat/completions": {"messages": [{"role": "user", "content": "hi"}]},
    "/responses": {"input": "hi"},
    "/embeddings": {"input": "Paris"},
    "/image/generate": {"prompt": "a lighthouse"},
    "/image/edit": {"prompt": "make it blue", "image": "aGk="},
    "/image/multi-edit": {"prompt": "merge them", "images": ["aGk=", "aGk="]},
    "/audio/speech": {"input": "hello"},
    "/audio/transcriptions": {},
    "/audio/voices": {"name": "mine"},
    "/audio/quote": {"duration_seconds": 10},
    "/audio/queue": {"prompt": "a calm tune"},
    "/audio/retrieve": {"queue_id": "q"},
    "/audio/complete": {"queue_id": "q"},
    "/video/quote": {"duration": "5s"},
    "/video/queue": {"prompt": "a cat", "duration": "5s"},
    "/video/retrieve": {"queue_id": "q"},
    "/video/complete": {"queue_id": "q"},
}
MULTIPART = {"/audio/transcriptions", "/audio/voices"}
ROUTES = sorted(MODEL_FIELDS)


def _post(http: httpx.Client, path: str, field: str, model: str) -> httpx.Response:
    body = {**BODIES[path], field: model}
    if path in MULTIPART:
        data = {key: str(value) for key, value in body.items()}
        return http.post(path, data=data, files={"file": ("hello.wav", b"RIFF....WAVE", "audio/wav")})
    return http.post(path, json=body)


@pytest.fixture
def http(fake: FakeVenice) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, headers={"Authorization": f"Bearer {API_KEY}"}) as client:
        yield client


def test_the_shipped_listing_is_venices_real_one() -> None:
    assert len(SHIPPED) >= 300 and all(BY_TYPE.values())
    assert len({entry["id"] for entry in SHIPPED}) == len(SHIPPED)


def _shared(name: str) -> Path:
    path = SHARED / name
    if not path.is_file():  # `make models` took the listing from elsewhere (VENICE_MODELS_SOURCE, the live API)
        pytest.skip(f"no {path} to compare with")
    return path


def test_the_shipped_listing_is_the_shared_snapshot() -> None:
    assert json.loads(_shared("models-snapshot.json").read_text()) == SHIPPED


def test_models_lists_every_model_of_the_type_asked(client: Venice) -> None:
    everything = client.call(list_models, type_="all")
    assert [entry.id for entry in everything.data] == [entry["id"] for entry in SHIPPED]
    assert everything.type_ == "all"
    for kind in ("video", "tts", "asr"):
        assert [entry.id for entry in client.call(list_models, type_=kind).data] == BY_TYPE[kind]
    # No type asked: the text models, as Venice answers.
    assert [entry.id for entry in client.call(list_models).data] == BY_TYPE["text"]
    code = client.call(list_models, type_="code").data
    assert code and all(entry.model_spec.capabilities.optimized_for_code for entry in code)


def test_an_unknown_listing_type_fails_validation(http: httpx.Client) -> None:
    answer = http.get("/models", params={"type": "holograms"})
    assert answer.status_code == 400 and answer.json()["error"] == "Invalid request parameters"
    assert "received 'holograms'" in answer.json()["details"]["type"]["_errors"][0]


def test_traits_come_from_the_listing(client: Venice) -> None:
    traits = client.call(list_model_traits).data.additional_properties
    assert traits["default"] == "zai-org-glm-5-2"
    assert client.call(list_model_traits, type_="image").data.additional_properties["default"] == "z-image-turbo"


def test_traits_match_the_shared_snapshot(client: Venice) -> None:
    expected = json.loads(_shared("traits-snapshot.json").read_text())
    assert client.call(list_model_traits).data.additional_properties == expected


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route[1])
def test_every_operation_taking_a_model_refuses_an_unknown_one(http: httpx.Client, route: tuple[str, str]) -> None:
    field = MODEL_FIELDS[route]
    answer = _post(http, route[1], field.names[-1], "no-such-model")
    if field.enumerated:
        assert answer.status_code == 400, answer.text
        body = answer.json()
        assert body["error"] == "Invalid request parameters"
        problem = body["details"][field.names[-1]]["_errors"][0]
        assert "received 'no-such-model'" in problem and f"'{BY_TYPE[field.type][0]}'" in problem
    else:
        assert (answer.status_code, answer.json()) == (404, {"error": MODEL_NOT_FOUND})


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route[1])
def test_every_operation_taking_a_model_answers_a_listed_one(http: httpx.Client, route: tuple[str, str]) -> None:
    field = MODEL_FIELDS[route]
    for model in (BY_TYPE[field.type][0], BY_TYPE[field.type][-1]):
        answer = _post(http, route[1], field.names[-1], model)
        assert answer.status_code == 200, (model, answer.text)


@pytest.mark.parametrize(
    ("route", "model"),
    [
        (("POST", "/chat/completions"), "z-image-turbo"),
        (("POST", "/embeddings"), "zai-org-glm-5-2"),
        (("POST", "/video/queue"), "qwen-image"),
        (("POST", "/audio/queue"), "wan-2-7-text-to-video"),
    ],
)
def test_a_model_of_another_type_is_not_found(http: httpx.Client, route: tuple[str, str], model: str) -> None:
    assert _post(http, route[1], "model", model).status_code == 404


@pytest.mark.parametrize(
    "model", ["default", "most_uncensored", "gpt-4o", "venice-uncensored-1-2:enable_web_search=on", "kimi-k3"]
)
def test_chat_takes_traits_compatibility_names_and_feature_suffixes(client: Venice, model: str) -> None:
    completion = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    assert completion.choices[0].message.content


def test_the_simple_image_route_falls_back_to_the_default_model(http: httpx.Client) -> None:
    # Its spec: a model Venice does not have (an OpenAI name, say) gets the default image model.
    assert http.post("/images/generations", json={"model": "dall-e-3", "prompt": "a lighthouse"}).status_code == 200


def test_a_typed_not_found_error_names_venices_message(client: Venice) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 404 and caught.value.message == MODEL_NOT_FOUND
    with pytest.raises(BadRequestError) as invalid:
        client.audio.speech.create(model="no-such-voice-model", input="hello")
    assert "no-such-voice-model" in str(invalid.value.body)


def test_the_async_client_meets_the_same_refusal(async_client: AsyncVenice) -> None:
    async def main() -> int:
        async with async_client as venice:
            with pytest.raises(NotFoundError):
                await venice.embeddings.create(model="no-such-model", input="Paris")
            return len((await venice.embeddings.create(model="text-embedding-bge-m3", input="Paris")).data)

    assert asyncio.run(main()) == 1


def test_a_model_added_is_listed_and_answered(fake: FakeVenice, client: Venice) -> None:
    entry = fake.add_model("house-tiny-1", "text", capabilities={"supportsFunctionCalling": True})
    assert entry["model_spec"]["capabilities"]["supportsFunctionCalling"] is True
    assert entry["model_spec"]["capabilities"]["supportsVision"] is False
    assert "house-tiny-1" in [model.id for model in client.call(list_models).data]
    assert client.chat.completions.create(model="house-tiny-1", messages=[{"role": "user", "content": "hi"}]).choices
    assert [model["id"] for model in fake.models].count("house-tiny-1") == 1


def test_a_model_added_to_one_fake_is_unknown_to_the_next() -> None:
    with FakeVenice(api_key=None) as first, FakeVenice(api_key=None) as second:
        first.add_model("house-tiny-1")
        first.add_model("zai-org-glm-5-2", "image")  # replacing one of Venice's models, in this fake only
        assert "house-tiny-1" in {entry["id"] for entry in first.models}
        assert "house-tiny-1" not in {entry["id"] for entry in second.models}
        kinds = {fake: {e["id"]: e["type"] for e in fake.models}["zai-org-glm-5-2"] for fake in (first, second)}
        assert kinds == {first: "image", second: "text"}
        listed = second.models
        listed[0]["model_spec"]["name"] = "edited"
        assert second.models[0]["model_spec"]["name"] != "edited"  # a copy: the fake is unchanged


def test_a_fake_built_with_its_own_listing_knows_only_those_models() -> None:
    spec = {"name": "House", "privacy": "private", "traits": []}
    only = {"id": "house-embed", "type": "embedding", "created": 1, "model_spec": spec}
    with FakeVenice(api_key=None, models=[only]) as fake, Venice(api_key="k", base_url=fake.base_url) as client:
        assert [entry.id for entry in client.call(list_models, type_="all").data] == ["house-embed"]
        assert client.embeddings.create(model="house-embed", input="x").data
        with pytest.raises(NotFoundError):
            client.embeddings.create(model="text-embedding-bge-m3", input="x")


def test_a_bad_model_entry_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="non-empty string `id`"):
        FakeVenice(models=[{"type": "text"}])
    with FakeVenice() as fake, pytest.raises(ValueError, match="`model_spec` must be a mapping"):
        fake._catalogue.add({"id": "x", "type": "text", "model_spec": "nope"})


def test_a_scripted_answer_is_the_tests_word_whatever_the_model(fake: FakeVenice, client: Venice) -> None:
    canned = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.5]}], "model": "m"}
    fake.script("POST", "/embeddings", Reply(json={**canned, "usage": {"prompt_tokens": 1, "total_tokens": 1}}))
    assert client.embeddings.create(model="m", input="x").data[0].embedding == [0.5]
    with pytest.raises(NotFoundError):
        client.embeddings.create(model="m", input="x")  # the script ran out: the canned answer checks again
