"""The chat completion request: keyword arguments checked against the generated request model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from venice_ext._core._requests import build_body
from venice_ext._core._symbols import ChatCompletionRequest
from venice_ext.errors import RequestValidationError

__all__ = ["build_chat_request", "refuse_stream_flag"]


def build_chat_request(
    model: str,
    messages: Iterable[Mapping[str, Any]],
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    *,
    stream: bool,
) -> ChatCompletionRequest:
    """The generated request model for these arguments; RequestValidationError if they don't fit."""
    fields = {key: value for key, value in params.items() if key != "stream"}
    body: dict[str, Any] = {"model": model, "messages": [dict(message) for message in messages], **fields}
    if stream:
        body["stream"] = True
        # final() reports real token usage only if the server is asked for it.
        body.setdefault("stream_options", {"include_usage": True})
    return build_body(ChatCompletionRequest.from_dict, body, extra_body, name="chat.completions")


def refuse_stream_flag(params: Mapping[str, Any]) -> None:
    if params.get("stream"):
        raise RequestValidationError(
            "chat.completions.create() returns a whole completion; for a stream call "
            "chat.completions.stream(...) instead of passing stream=True"
        )
