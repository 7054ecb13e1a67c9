"""`client.responses` (the Responses API, alpha): create() and stream(), sync and async.

The events of a stream, and what `final()` makes of them, are in `_response_events.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

import httpx

from venice_ext._core._calls import options_of, stream_request
from venice_ext._core._drift import STRICT_EXTENSION
from venice_ext._core._requester import AsyncRequester, Requester, RequestOptions
from venice_ext._core._requests import build_body
from venice_ext._core._streaming import AsyncStream, Stream
from venice_ext._core._symbols import (
    AsyncGeneratedResponses,
    CreateResponseResponse,
    GeneratedResponses,
    ResponsesRequest,
    create_response,
)
from venice_ext.errors import (
    RequestValidationError,
)
from venice_ext.resources._response_events import (
    TEXT_DELTA,
    NullsAsAbsent,
    ResponseEventHandler,
    ResponseStreamEvent,
)

__all__ = [
    "AsyncResponseStream",
    "AsyncResponses",
    "ResponseEventHandler",
    "ResponseStream",
    "ResponseStreamEvent",
    "Responses",
    "build_responses_request",
]


def build_responses_request(
    model: str,
    input: str | Iterable[Mapping[str, Any]],
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    *,
    stream: bool,
) -> ResponsesRequest:
    """The generated request model for these arguments; RequestValidationError if they don't fit."""
    if "stream" in params:
        raise RequestValidationError(
            "responses.create() returns a whole response; for a stream call "
            "responses.stream(...) instead of passing stream=True"
        )
    items: str | list[dict[str, Any]] = input if isinstance(input, str) else [dict(item) for item in input]
    body: dict[str, Any] = {"model": model, "input": items, **params}
    if stream:
        body["stream"] = True
    return build_body(ResponsesRequest.from_dict, body, extra_body, name="responses")


def _events_request(
    http: httpx.Client | httpx.AsyncClient,
    model: str,
    input: str | Iterable[Mapping[str, Any]],
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    idle_timeout: float | None,
    options: RequestOptions,
) -> httpx.Request:
    body = build_responses_request(model, input, params, extra_body, stream=True)
    return stream_request(
        http,
        create_response,
        body,
        accept="text/event-stream",
        idle_timeout=idle_timeout,
        extra_headers=None,
        options=options,
    )


# Its answers read strictly, then with OpenAI's nulls as absent (see typed_response).
_CREATE_RESPONSE = NullsAsAbsent(create_response)


# unasync: begin async source
class AsyncResponseStream(AsyncStream[ResponseStreamEvent]):
    """Typed events of a streamed response, with `text_deltas()` and `final()`."""

    handler: ResponseEventHandler

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(
            response, ResponseEventHandler(response.headers, strict=response.extensions.get(STRICT_EXTENSION) is True)
        )

    async def text_deltas(self) -> AsyncIterator[str]:
        """Only the message text, as it arrives (reasoning and tool arguments have their own events)."""
        async for event in self:
            if event.type == TEXT_DELTA and event.delta:
                yield event.delta

    async def final(self) -> CreateResponseResponse:
        """The whole response, reading whatever the caller has not consumed yet."""
        async for _ in self:
            pass
        return self.handler.completion()


class AsyncResponses:
    """`client.responses`: create and stream."""

    def __init__(self, requester: AsyncRequester) -> None:
        self._requester = requester
        # Raw access (status, headers, request id) with the spec's own fields as keywords.
        self.with_raw_response = AsyncGeneratedResponses(requester).with_raw_response

    async def create(
        self,
        *,
        model: str,
        input: str | Iterable[Mapping[str, Any]],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        deadline: float | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> CreateResponseResponse:
        """A whole response. Keyword arguments are the spec's request fields; the per-call options
        (`timeout`, `max_retries`, `retry_ambiguous`, `deadline`, `strict_parsing`, `extra_headers`,
        `extra_query`, `extra_body`) mean what they mean on every generated method."""
        request = build_responses_request(model, input, params, extra_body, stream=False)
        result: CreateResponseResponse = await self._requester.call(
            _CREATE_RESPONSE,
            body=request,
            extra_headers=extra_headers,
            timeout=timeout,
            deadline=deadline,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            strict_parsing=strict_parsing,
            extra_query=extra_query,
        )
        return result

    async def stream(
        self,
        *,
        model: str,
        input: str | Iterable[Mapping[str, Any]],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        idle_timeout: float | None = None,
        deadline: float | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> AsyncResponseStream:
        """A streamed response: iterate typed events, `text_deltas()`, `final()`.

        `idle_timeout` bounds the silence between bytes of the stream (it replaces the read phase
        of `timeout`); `deadline` (seconds) bounds the whole call, retries and streaming included
        (StreamTimeoutError with the partial answer). `timeout`, `max_retries`, `retry_ambiguous`,
        `extra_headers`, `extra_query` and `extra_body` are `create`'s; events are read
        leniently; a `final()` response that does not fit the spec is a DriftedBody with a
        SpecDriftWarning, as a whole answer is, or with `strict_parsing=True` (this call's, else
        the client's) a ResponseValidationError.
        """
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        request = _events_request(self._requester.http_client, model, input, params, extra_body, idle_timeout, options)
        return AsyncResponseStream(await self._requester.send_stream(request))


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class ResponseStream(Stream[ResponseStreamEvent]):
    """Typed events of a streamed response, with `text_deltas()` and `final()`."""

    handler: ResponseEventHandler

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(
            response, ResponseEventHandler(response.headers, strict=response.extensions.get(STRICT_EXTENSION) is True)
        )

    def text_deltas(self) -> Iterator[str]:
        """Only the message text, as it arrives (reasoning and tool arguments have their own events)."""
        for event in self:
            if event.type == TEXT_DELTA and event.delta:
                yield event.delta

    def final(self) -> CreateResponseResponse:
        """The whole response, reading whatever the caller has not consumed yet."""
        for _ in self:
            pass
        return self.handler.completion()


class Responses:
    """`client.responses`: create and stream."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester
        # Raw access (status, headers, request id) with the spec's own fields as keywords.
        self.with_raw_response = GeneratedResponses(requester).with_raw_response

    def create(
        self,
        *,
        model: str,
        input: str | Iterable[Mapping[str, Any]],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        deadline: float | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> CreateResponseResponse:
        """A whole response. Keyword arguments are the spec's request fields; the per-call options
        (`timeout`, `max_retries`, `retry_ambiguous`, `deadline`, `strict_parsing`, `extra_headers`,
        `extra_query`, `extra_body`) mean what they mean on every generated method."""
        request = build_responses_request(model, input, params, extra_body, stream=False)
        result: CreateResponseResponse = self._requester.call(
            _CREATE_RESPONSE,
            body=request,
            extra_headers=extra_headers,
            timeout=timeout,
            deadline=deadline,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            strict_parsing=strict_parsing,
            extra_query=extra_query,
        )
        return result

    def stream(
        self,
        *,
        model: str,
        input: str | Iterable[Mapping[str, Any]],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        idle_timeout: float | None = None,
        deadline: float | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> ResponseStream:
        """A streamed response: iterate typed events, `text_deltas()`, `final()`.

        `idle_timeout` bounds the silence between bytes of the stream (it replaces the read phase
        of `timeout`); `deadline` (seconds) bounds the whole call, retries and streaming included
        (StreamTimeoutError with the partial answer). `timeout`, `max_retries`, `retry_ambiguous`,
        `extra_headers`, `extra_query` and `extra_body` are `create`'s; events are read
        leniently; a `final()` response that does not fit the spec is a DriftedBody with a
        SpecDriftWarning, as a whole answer is, or with `strict_parsing=True` (this call's, else
        the client's) a ResponseValidationError.
        """
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        request = _events_request(self._requester.http_client, model, input, params, extra_body, idle_timeout, options)
        return ResponseStream(self._requester.send_stream(request))


# unasync: end sync twin
