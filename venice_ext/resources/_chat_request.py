"""The chat completion request: keyword arguments checked against the generated request model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from venice_ext._core._requests import CheckedBody, build_body, checked_body
from venice_ext._core._symbols import ChatCompletionRequest
from venice_ext.errors import RequestValidationError

__all__ = ["build_chat_request", "checked_chat_body", "refuse_stream_flag"]

_NAME = "chat.completions"


def _chat_fields(
    model: str, messages: Iterable[Mapping[str, Any]], params: Mapping[str, Any], *, stream: bool
) -> dict[str, Any]:
    fields: dict[str, Any] = {"model": model, "messages": [dict(message) for message in messages]}
    if params:
        fields.update(params)
        fields.pop("stream", None)
    if stream:
        fields["stream"] = True
        # final() reports real token usage only if the server is asked for it.
        fields.setdefault("stream_options", {"include_usage": True})
    return fields


def build_chat_request(
    model: str,
    messages: Iterable[Mapping[str, Any]],
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    *,
    stream: bool,
) -> ChatCompletionRequest:
    """The generated request model for these arguments; RequestValidationError if they don't fit."""
    return build_body(
        ChatCompletionRequest.from_dict, _chat_fields(model, messages, params, stream=stream), extra_body, name=_NAME
    )


def checked_chat_body(
    model: str,
    messages: Iterable[Mapping[str, Any]],
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    *,
    stream: bool,
) -> CheckedBody[ChatCompletionRequest]:
    """The generated request model for these arguments (RequestValidationError if they don't
    fit), kept with the JSON to send (see `checked_body`)."""
    fields = _chat_fields(model, messages, params, stream=stream)
    return checked_body(ChatCompletionRequest.from_dict, fields, extra_body, name=_NAME)


def refuse_stream_flag(params: Mapping[str, Any]) -> None:
    if params.get("stream"):
        raise RequestValidationError(
            "chat.completions.create() returns a whole completion; for a stream call "
            "chat.completions.stream(...) instead of passing stream=True"
        )
