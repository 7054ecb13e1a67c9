"""Refusing a model the catalogue does not list, on every operation that takes one, as Venice does.

Venice answers a model it does not have with 404 `{"error": "Specified model not found"}`
(its MODEL_NOT_FOUND, in the spec's StandardError shape). Where the spec enumerates the
model field (speech, transcription, voice cloning, multi-edit), the request fails
validation first: 400 "Invalid request parameters" with the field's problem in
`details` (the spec's DetailedError). A model must be of the operation's type: an image
model is no more a chat model at Venice than a name nobody uses. Chat also takes a
trait (`default`, `most_uncensored`...), a compatibility name (`gpt-4o`) and a feature
suffix (`venice-uncensored-1-2:enable_web_search=on`), as its spec says.
`/images/generations` is left alone: its spec says an unknown model falls back to the
default image model. A request that names no model gets the operation's own default.

Only the canned answers check: a test that scripts an answer for a route decides what
that route says.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from venice_ext.testing._canned_models import COMPATIBILITY_MAPPING, invalid_parameter
from venice_ext.testing._catalogue import ModelCatalogue
from venice_ext.testing._replies import Action, RecordedRequest, Reply, Respond

__all__ = ["MODEL_FIELDS", "ModelField", "checking_model", "model_named"]


@dataclass(frozen=True)
class ModelField:
    """Where an operation's request names its model, and which models it takes."""

    type: str
    names: tuple[str, ...] = ("model",)
    # The spec lists the allowed values: an unknown one fails validation (400) before any lookup.
    enumerated: bool = False
    # Chat's model may also be a trait, a compatibility name, and carry `:feature` suffixes.
    aliases: bool = False


MODEL_FIELDS: dict[tuple[str, str], ModelField] = {
    ("POST", "/chat/completions"): ModelField("text", aliases=True),
    ("POST", "/responses"): ModelField("text"),
    ("POST", "/embeddings"): ModelField("embedding"),
    ("POST", "/image/generate"): ModelField("image"),
    ("POST", "/image/edit"): ModelField("inpaint", names=("model", "modelId")),
    ("POST", "/image/multi-edit"): ModelField("inpaint", names=("modelId",), enumerated=True),
    ("POST", "/audio/speech"): ModelField("tts", enumerated=True),
    ("POST", "/audio/transcriptions"): ModelField("asr", enumerated=True),
    ("POST", "/audio/voices"): ModelField("tts", enumerated=True),
    ("POST", "/audio/quote"): ModelField("music"),
    ("POST", "/audio/queue"): ModelField("music"),
    ("POST", "/audio/retrieve"): ModelField("music"),
    ("POST", "/audio/complete"): ModelField("music"),
    ("POST", "/video/quote"): ModelField("video"),
    ("POST", "/video/queue"): ModelField("video"),
    ("POST", "/video/retrieve"): ModelField("video"),
    ("POST", "/video/complete"): ModelField("video"),
}

MODEL_NOT_FOUND = "Specified model not found"


def checking_model(catalogue: ModelCatalogue, route: tuple[str, str], action: Action) -> Action:
    """`action`, behind the refusal of a model `catalogue` does not list for `route`."""
    field = MODEL_FIELDS.get(route)
    if field is None:
        return action

    def answer(request: RecordedRequest) -> Action:
        refusal = _refusal(catalogue, field, request)
        return refusal if refusal is not None else action

    return Respond(answer)


def model_named(catalogue: ModelCatalogue, field: ModelField, name: str) -> str | None:
    """The id of the catalogue's model that `name` designates for `field`'s operation, or None."""
    if field.aliases:
        name = name.split(":", 1)[0]
        name = catalogue.traits(field.type).get(name) or COMPATIBILITY_MAPPING.get(name, name)
    return name if catalogue.type_of(name) == field.type else None


def _refusal(catalogue: ModelCatalogue, field: ModelField, request: RecordedRequest) -> Reply | None:
    form = _fields(request)
    for name in field.names:
        value = form.get(name)
        if value is None:
            continue
        if isinstance(value, str) and model_named(catalogue, field, value) is not None:
            continue
        if field.enumerated:
            allowed = " | ".join(f"'{entry['id']}'" for entry in catalogue.of_type(field.type))
            return invalid_parameter(name, f"Invalid enum value. Expected {allowed}, received '{value}'")
        return Reply(404, json={"error": MODEL_NOT_FOUND})
    return None


def _fields(request: RecordedRequest) -> Mapping[str, Any]:
    """The request's body fields: its JSON object, or the text parts of its multipart form."""
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):
        return _form_fields(content_type, request.body)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _form_fields(content_type: str, body: bytes) -> dict[str, str]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str) and part.get_filename() is None:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                fields[name] = payload.decode("utf-8", "replace")
    return fields
