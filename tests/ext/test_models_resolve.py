"""`client.models.resolve`: the choice against the real /models snapshot, and the cache through real sockets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from venice_ext import AsyncVenice, NoMatchingModelError, RequestValidationError, TransportHooks, Venice
from venice_ext.resources._model_choice import CAPABILITIES, choose
from venice_ext.testing import FakeVenice, Reply

SHARED = Path(__file__).resolve().parents[3] / "shared" / "venice-spec"
# The documentation's copy of GET /models leaves out the two constant fields the API sends.
MODELS: list[dict[str, Any]] = [
    {"object": "model", "owned_by": "venice.ai", **model}
    for model in json.loads((SHARED / "models-snapshot.json").read_text())
]
TRAITS: dict[str, Any] = json.loads((SHARED / "traits-snapshot.json").read_text())


def chosen(**asked: Any) -> str:
    return str(MODELS[choose(MODELS, TRAITS, **asked)]["id"])


def test_the_default_text_model_is_the_one_the_traits_name() -> None:
    assert chosen(type="text") == TRAITS["default"] == "zai-org-glm-5-2"


@pytest.mark.parametrize(
    ("capabilities", "expected"),
    [
        (["vision"], "qwen-3-8-27b"),  # default_vision
        (["reasoning"], "kimi-k3"),  # default_reasoning
        (["function_calling"], "zai-org-glm-5-2"),  # function_calling_default
        (["e2ee"], "e2ee-deepseek-v4-flash"),  # no trait: the first E2EE model listed
        (["e2ee", "vision"], "e2ee-qwen3-vl-30b-a3b-p"),
        (["supportsWebSearch"], "zai-org-glm-5-2"),  # the flag's own name works too
    ],
)
def test_capabilities_prefer_the_models_their_traits_name(capabilities: list[str], expected: str) -> None:
    assert chosen(type="text", capabilities=capabilities) == expected


def test_traits_from_the_traits_answer_and_from_the_models_own_lists() -> None:
    assert chosen(type="text", trait="default_code") == "deepseek-v4-pro-0813"
    assert chosen(type="image", trait="fastest") == "z-image-turbo"  # only in model_spec.traits


def test_nothing_fits_names_what_was_asked() -> None:
    with pytest.raises(NoMatchingModelError) as caught:
        choose(MODELS, TRAITS, type="text", trait="fastest")
    message = str(caught.value)
    assert "type='text'" in message and "trait='fastest'" in message and "default_code" in message
    with pytest.raises(NoMatchingModelError, match="capabilities=\\['vision'\\]"):
        choose(MODELS, TRAITS, type="embedding", capabilities=["vision"])
    assert isinstance(caught.value, LookupError)


def test_an_unknown_capability_is_a_typed_error() -> None:
    with pytest.raises(RequestValidationError, match="unknown capability 'telepathy'"):
        choose(MODELS, TRAITS, type="text", capabilities=["telepathy"])


TYPES = sorted({str(model["type"]) for model in MODELS})


@settings(max_examples=60, deadline=None)
@given(
    type=st.sampled_from(TYPES),
    capabilities=st.lists(st.sampled_from(sorted(CAPABILITIES)), max_size=3, unique=True),
    trait=st.none() | st.sampled_from(sorted({*TRAITS, "fastest", "nonexistent"})),
)
def test_the_choice_always_fits_and_a_refusal_is_always_right(
    type: str, capabilities: list[str], trait: str | None
) -> None:
    flags = [CAPABILITIES[name] for name in capabilities]

    def fits(model: dict[str, Any]) -> bool:
        caps = model["model_spec"].get("capabilities") or {}
        has_trait = trait is None or TRAITS.get(trait) == model["id"] or trait in model["model_spec"]["traits"]
        return model["type"] == type and all(caps.get(flag) is True for flag in flags) and has_trait

    try:
        index = choose(MODELS, TRAITS, type=type, capabilities=capabilities, trait=trait)
    except NoMatchingModelError:
        assert not any(fits(model) for model in MODELS)
    else:
        assert fits(MODELS[index])


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> Any:
    with FakeVenice() as server:
        server.set_default("GET", "/models", Reply(json={"object": "list", "type": "text", "data": MODELS}))
        server.set_default("GET", "/models/traits", Reply(json={"object": "list", "type": "text", "data": TRAITS}))
        yield server


def test_resolve_over_the_wire_caches_for_the_ttl(fake: FakeVenice) -> None:
    clock = Clock()
    with Venice(api_key=fake.api_key, base_url=fake.base_url, hooks=TransportHooks(clock=clock)) as client:
        client.models.cache_ttl = 60
        model = client.models.resolve(capabilities=["vision"])
        assert model.id == "qwen-3-8-27b"
        assert client.models.resolve().id == "zai-org-glm-5-2"
        assert len(fake.requests_to("GET", "/models")) == 1
        assert fake.requests_to("GET", "/models")[0].query == "type=text"
        clock.now += 61
        client.models.resolve()
        assert len(fake.requests_to("GET", "/models")) == 2
        client.models.resolve(refresh=True)
        assert len(fake.requests_to("GET", "/models/traits")) == 3


def test_resolve_async_twin(fake: FakeVenice) -> None:
    async def main() -> None:
        async with AsyncVenice(api_key=fake.api_key, base_url=fake.base_url) as client:
            assert (await client.models.resolve(trait="default_code")).id == "deepseek-v4-pro-0813"
            assert (await client.models.resolve(trait="default_code")).id == "deepseek-v4-pro-0813"
            with pytest.raises(NoMatchingModelError):
                await client.models.resolve(type="text", trait="fastest")
        assert len(fake.requests_to("GET", "/models")) == 1

    asyncio.run(main())
