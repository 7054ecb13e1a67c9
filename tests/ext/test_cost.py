"""estimate_cost against figures computed by hand from the canned /models snapshot, and
usage_cost (what the spend cap settles) on listings shaped as the spec says and not."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from venice_ext._core._spend import usage_cost
from venice_ext.cost import DEFAULT_OUTPUT_TOKENS, estimate_cost, estimate_tokens
from venice_ext.errors import CostUnknownError, VeniceError
from venice_ext.testing._canned_models import models

MODELS = models().json["data"]


def test_chat_text_only() -> None:
    # "hello there" is 11 characters: 3 tokens, plus 4 for the message; 100 out.
    body = {
        "model": "venice-uncensored-1-2",
        "messages": [{"role": "user", "content": "hello there"}],
        "max_tokens": 100,
    }
    estimate = estimate_cost(MODELS, "/chat/completions", body)
    assert (estimate.input_tokens, estimate.output_tokens) == (7, 100)
    # $0.2 per million in, $0.9 per million out.
    assert estimate.usd == pytest.approx(7 * 0.2e-6 + 100 * 0.9e-6)


def test_chat_counts_tools_and_images_and_the_default_answer() -> None:
    tools = [{"type": "function", "function": {"name": "f"}}]  # 45 characters compact: 12 tokens
    content = [{"type": "text", "text": "abcdefgh"}, {"type": "image_url", "image_url": {"url": "data:..."}}]
    body = {"model": "zai-org-glm-5-1", "messages": [{"role": "user", "content": content}], "tools": tools}
    assert estimate_tokens(body) == (4 + 2 + 765 + 12, DEFAULT_OUTPUT_TOKENS)
    estimate = estimate_cost(MODELS, "/chat/completions", body)
    assert estimate.usd == pytest.approx(783 * 1.54e-6 + 1024 * 4.84e-6)


def test_embeddings_images_and_upscale() -> None:
    embed = estimate_cost(MODELS, "/embeddings", {"model": "text-embedding-bge-m3", "input": ["abcd", "abcde"]})
    assert embed.input_tokens == 3 and embed.usd == pytest.approx(3 * 0.15e-6)
    image = estimate_cost(MODELS, "/image/generate", {"model": "qwen-image", "prompt": "x", "variants": 3})
    assert image.usd == pytest.approx(0.09)
    assert estimate_cost(MODELS, "/images/generations", {"model": "qwen-image", "n": 2}).usd == pytest.approx(0.06)
    assert estimate_cost(MODELS, "/image/upscale", {"model": "z-image-turbo", "scale": 4}).usd == pytest.approx(0.08)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/chat/completions", {"messages": []}),
        ("/chat/completions", {"model": "no-such-model", "messages": []}),
        ("/chat/completions", {"model": "kling-v3-pro-text-to-video", "messages": []}),
        ("/image/generate", {"model": "venice-uncensored-1-2"}),
        ("/audio/speech", {"model": "tts-kokoro", "input": "hi"}),
    ],
)
def test_what_cannot_be_priced_is_a_typed_error(path: str, body: dict[str, object]) -> None:
    with pytest.raises(CostUnknownError) as caught:
        estimate_cost(MODELS, path, body)
    assert isinstance(caught.value, VeniceError)


# -- usage_cost: pricing from a listing that may not be shaped as the spec says ----------

_json = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10,
)
_entries = st.fixed_dictionaries(
    {"id": st.just("m")}, optional={"model_spec": _json | st.fixed_dictionaries({}, optional={"pricing": _json})}
)


@given(listing=st.lists(_entries, max_size=3), usage=_json)
def test_usage_is_priced_or_not_whatever_the_listing_holds(listing: list[dict[str, Any]], usage: Any) -> None:
    """A listing entry shaped otherwise (model_spec null, pricing a list...) prices nothing; it never raises."""
    cost = usage_cost(listing, {"model": "m"}, {"usage": usage})
    assert cost is None or isinstance(cost, float)


def test_a_listed_price_prices_the_usage() -> None:
    listing = [{"id": "m", "model_spec": {"pricing": {"input": {"usd": 2.0}, "output": {"usd": 4.0}}}}]
    usage = {"prompt_tokens": 1_000_000, "completion_tokens": 500_000}
    assert usage_cost(listing, {"model": "m"}, {"usage": usage}) == pytest.approx(4.0)
    assert usage_cost([{"id": "m", "model_spec": None}, *listing], {"model": "m"}, {"usage": usage}) is None
