"""`client.chat.completions`: create() and stream(), sync and async.

Keyword arguments are the fields of the spec's chat completion request, checked
against the generated request model, so a field Venice adds to the spec works
after a regeneration without a change here; `extra_body` sends fields the spec
does not know yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from venice_ext._requests import stream_request
from venice_ext._streaming import AsyncChatStream, ChatStream
from venice_ext._symbols import (
    ChatCompletionRequest,
    CreateChatCompletionResponse,
    ModelParseError,
    create_chat_completion,
)
from venice_ext.errors import RequestValidationError

if TYPE_CHECKING:
    from venice_ext._client import AsyncVenice, Venice

__all__ = ["AsyncChat", "AsyncCompletions", "Chat", "Completions", "build_chat_request"]


def build_chat_request(
    model: str,
    messages: Iterable[Mapping[str, Any]],
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    *,
    stream: bool,
) -> ChatCompletionRequest:
    """The generated request model for these arguments; RequestValidationError if they don't fit."""
    body: dict[str, Any] = {"model": model, "messages": [dict(message) for message in messages], **params}
    if stream:
        body["stream"] = True
        # final() reports real token usage only if the server is asked for it.
        body.setdefault("stream_options", {"include_usage": True})
    try:
        request = ChatCompletionRequest.from_dict(body)
    except ModelParseError as exc:
        raise RequestValidationError(f"chat.completions: {exc}") from exc
    unknown = sorted(request.additional_properties)
    if unknown:
        raise RequestValidationError(
            f"chat.completions: unknown parameter(s) {', '.join(unknown)}; "
            "send fields the spec does not know yet with extra_body={...}"
        )
    for key, value in (extra_body or {}).items():
        request[key] = value
    return request


def _refuse_stream_flag(params: Mapping[str, Any]) -> None:
    if "stream" in params:
        raise RequestValidationError(
            "chat.completions.create() returns a whole completion; for a stream call "
            "chat.completions.stream(...) instead of passing stream=True"
        )


class Completions:
    def __init__(self, client: Venice) -> None:
        self._client = client

    def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        **params: Any,
    ) -> CreateChatCompletionResponse:
        """A whole chat completion. Keyword arguments are the spec's request fields."""
        _refuse_stream_flag(params)
        request = build_chat_request(model, messages, params, extra_body, stream=False)
        result: CreateChatCompletionResponse = self._client.call(
            create_chat_completion, body=request, extra_headers=extra_headers, timeout=timeout
        )
        return result

    def stream(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        idle_timeout: float | None = None,
        **params: Any,
    ) -> ChatStream:
        """A streamed chat completion: iterate typed chunks, `text_deltas()`, `final()`.

        `idle_timeout` bounds the silence between bytes of the stream (keep-alive
        comments count as activity); there is no total deadline.
        """
        _refuse_stream_flag(params)
        request = build_chat_request(model, messages, params, extra_body, stream=True)
        http = self._client.http_client
        response = self._client._send_stream(
            stream_request(
                http,
                create_chat_completion,
                request,
                accept="text/event-stream",
                idle_timeout=idle_timeout,
                extra_headers=extra_headers,
            )
        )
        return ChatStream(response)


class AsyncCompletions:
    def __init__(self, client: AsyncVenice) -> None:
        self._client = client

    async def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        **params: Any,
    ) -> CreateChatCompletionResponse:
        _refuse_stream_flag(params)
        request = build_chat_request(model, messages, params, extra_body, stream=False)
        result: CreateChatCompletionResponse = await self._client.call(
            create_chat_completion, body=request, extra_headers=extra_headers, timeout=timeout
        )
        return result

    async def stream(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        idle_timeout: float | None = None,
        **params: Any,
    ) -> AsyncChatStream:
        """`async with await client.chat.completions.stream(...) as stream: async for chunk in stream`."""
        _refuse_stream_flag(params)
        request = build_chat_request(model, messages, params, extra_body, stream=True)
        http = self._client.http_client
        response = await self._client._send_stream(
            stream_request(
                http,
                create_chat_completion,
                request,
                accept="text/event-stream",
                idle_timeout=idle_timeout,
                extra_headers=extra_headers,
            )
        )
        return AsyncChatStream(response)


class Chat:
    def __init__(self, client: Venice) -> None:
        self.completions = Completions(client)


class AsyncChat:
    def __init__(self, client: AsyncVenice) -> None:
        self.completions = AsyncCompletions(client)
