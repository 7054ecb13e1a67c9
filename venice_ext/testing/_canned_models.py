"""Answers for the model catalogue: /models, /models/traits, /models/compatibility_mapping.

The listing is Venice's real one (`_catalogue.py`: every model of every type `make models` fetched). `models()`
and `model_traits()` are the fixed canned answers (every type; the text traits); a running
FakeVenice answers through `listing_answer` and `traits_answer`, which read its own
catalogue and honour `?type=`.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from venice_ext.testing._catalogue import MODEL_TYPES, ModelCatalogue, listed, snapshot_models
from venice_ext.testing._replies import Action, RecordedRequest, Reply, Respond

__all__ = [
    "COMPATIBILITY_MAPPING",
    "compatibility_mapping",
    "invalid_parameter",
    "listing_answer",
    "model_traits",
    "models",
    "traits_answer",
]

# OpenAI-style names that clients hard-code, mapped to the Venice model serving them.
COMPATIBILITY_MAPPING = {
    "gpt-4o": "zai-org-glm-5-2",
    "gpt-4o-mini": "llama-3.2-3b",
    "o1": "kimi-k3",
    "deepseek-r1": "deepseek-v4-pro",
}
# What `/models` lists when the request names no type, as Venice does.
DEFAULT_TYPE = "text"
_TYPE_VALUES = (*MODEL_TYPES, "all", "code")


def models() -> Reply:
    # snapshot_models() parses a fresh copy, so its entries need no second (deep) copy.
    data = [{**entry, "object": "model", "owned_by": "venice.ai"} for entry in snapshot_models()]
    return Reply(json={"object": "list", "type": "all", "data": data})


def model_traits() -> Reply:
    return Reply(json={"object": "list", "type": "text", "data": ModelCatalogue().traits("text")})


def compatibility_mapping() -> Reply:
    return Reply(json={"object": "list", "type": "text", "data": dict(COMPATIBILITY_MAPPING)})


def invalid_parameter(field: str, message: str) -> Reply:
    """Venice's 400 for a request that fails validation (the spec's DetailedError)."""
    return Reply(
        400, json={"error": "Invalid request parameters", "details": {"_errors": [], field: {"_errors": [message]}}}
    )


def _requested_type(request: RecordedRequest) -> str | Reply:
    asked = parse_qs(request.query).get("type", [DEFAULT_TYPE])[0]
    if asked in _TYPE_VALUES:
        return asked
    expected = " | ".join(f"'{value}'" for value in _TYPE_VALUES)
    return invalid_parameter("type", f"Invalid enum value. Expected {expected}, received '{asked}'")


def listing_answer(catalogue: ModelCatalogue) -> Respond:
    def answer(request: RecordedRequest) -> Action:
        model_type = _requested_type(request)
        if isinstance(model_type, Reply):
            return model_type
        data = [listed(entry) for entry in catalogue.of_type(model_type)]
        return Reply(json={"object": "list", "type": model_type, "data": data})

    return Respond(answer)


def traits_answer(catalogue: ModelCatalogue) -> Respond:
    def answer(request: RecordedRequest) -> Action:
        model_type = _requested_type(request)
        if isinstance(model_type, Reply):
            return model_type
        return Reply(json={"object": "list", "type": model_type, "data": catalogue.traits(model_type)})

    return Respond(answer)
