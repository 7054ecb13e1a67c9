"""`client.chat.completions`: create(), parse() and stream(), sync and async.

Keyword arguments are the fields of the spec's chat completion request, checked
against the generated request model, so a field Venice adds to the spec works
after a regeneration without a change here; `extra_body` sends fields the spec
does not know yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from venice_ext._core._calls import options_of, stream_request
from venice_ext._core._requester import AsyncRequester, Requester, RequestOptions
from venice_ext._core._streaming import AsyncChatStream, ChatStream
from venice_ext._core._symbols import (
    AsyncGeneratedChat,
    CreateChatCompletionResponse,
    GeneratedChat,
    create_chat_completion,
)
from venice_ext.e2ee._options import E2EEOptions, e2ee_options
from venice_ext.resources._chat_request import build_chat_request, checked_chat_body, refuse_stream_flag

if TYPE_CHECKING:
    from venice_ext.e2ee._engine import AsyncE2EEEngine, E2EEEngine
    from venice_ext.e2ee._stream import AsyncE2EEChatStream, E2EEChatStream
    from venice_ext.tools._structured import ParsedCompletion

__all__ = ["AsyncCompletions", "Completions", "build_chat_request"]

T = TypeVar("T")


# unasync: begin async source
class AsyncCompletions:
    """`client.chat.completions`: create, parse and stream."""

    def __init__(self, requester: AsyncRequester, e2ee: Callable[[], AsyncE2EEEngine] | None = None) -> None:
        """`e2ee` gives the E2EE engine to share (the client's `tee` holds it); it is asked
        for on the first encrypted call, so a plain chat call never loads the E2EE machinery."""
        self._requester = requester
        # Raw access (status, headers, request id) with the spec's own fields as keywords.
        self.with_raw_response = AsyncGeneratedChat(requester).completions.with_raw_response
        self._e2ee_source = e2ee
        self._e2ee_engine: AsyncE2EEEngine | None = None

    @property
    def _e2ee(self) -> AsyncE2EEEngine:
        if self._e2ee_engine is None:
            if self._e2ee_source is not None:
                self._e2ee_engine = self._e2ee_source()
            else:
                from venice_ext.e2ee._engine import AsyncE2EEEngine

                self._e2ee_engine = AsyncE2EEEngine(self._requester)
        return self._e2ee_engine

    async def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        e2ee: bool | E2EEOptions = False,
        deadline: float | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> CreateChatCompletionResponse:
        """A whole chat completion. Keyword arguments are the spec's request fields.

        The per-call options (`timeout`, `max_retries`, `retry_ambiguous`, `deadline`,
        `strict_parsing`, `extra_headers`, `extra_query`, `extra_body`) mean what they mean on
        every generated method. `e2ee=True` (or an E2EEOptions, or
        `venice_parameters={"enable_e2ee": True}`): end-to-end encrypted to an attested enclave;
        streamed underneath, as E2EE requires, and assembled.
        """
        refuse_stream_flag(params)
        call_options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        options = e2ee_options(e2ee, params)
        if options is not None:
            stream = await self._e2ee_stream(model, messages, params, extra_body, None, options, call_options)
            return await stream.final()
        body = checked_chat_body(model, messages, params, extra_body, stream=False)
        result: CreateChatCompletionResponse = await self._requester.request(
            create_chat_completion, params={}, body=body, options=call_options
        )
        return result

    async def parse(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        response_format: type[T],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        deadline: float | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> ParsedCompletion[T]:
        """A completion whose reply must be JSON fitting `response_format` (attrs class, dataclass,
        TypedDict, or pydantic model): `.parsed` is a `T`; StructuredOutputError, carrying the raw
        text, when the reply does not fit. The per-call options are `create`'s."""
        from venice_ext.tools._structured import parse_reply, structured_format  # on first use: import time

        wire_format, parser = structured_format(response_format)
        completion = await self.create(
            model=model,
            messages=messages,
            response_format=wire_format,
            extra_body=extra_body,
            extra_headers=extra_headers,
            timeout=timeout,
            deadline=deadline,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            strict_parsing=strict_parsing,
            extra_query=extra_query,
            **params,
        )
        return parse_reply(completion, parser)

    async def stream(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        idle_timeout: float | None = None,
        progress_timeout: float | None = None,
        e2ee: bool | E2EEOptions = False,
        deadline: float | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> AsyncChatStream:
        """A streamed chat completion: iterate typed chunks, `text_deltas()`, `final()`.

        `idle_timeout` bounds the silence between bytes of the stream (keep-alive
        comments count as activity; it replaces the read phase of `timeout`); `progress_timeout`
        bounds the time without a data event (a server that only pings), checked as bytes arrive;
        `deadline` (seconds) bounds the whole call, retries and streaming included
        (StreamTimeoutError with the partial answer). `timeout`, `max_retries`, `retry_ambiguous`,
        `extra_headers`, `extra_query` and `extra_body` are `create`'s; chunks are read
        leniently; an assembled `final()` that does not fit the spec is a DriftedBody with a
        SpecDriftWarning, as a whole answer is, or with `strict_parsing=True` (this call's, else
        the client's) a ResponseValidationError. `e2ee=True`: see `create`; the chunks are decrypted as they
        arrive and the answer's signature checked at the end.
        """
        refuse_stream_flag(params)
        call_options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        options = e2ee_options(e2ee, params)
        if options is not None:
            sealed = await self._e2ee_stream(model, messages, params, extra_body, idle_timeout, options, call_options)
            sealed.progress_timeout = progress_timeout  # read when iteration starts
            return sealed
        body = checked_chat_body(model, messages, params, extra_body, stream=True)
        http = self._requester.http_client
        response = await self._requester.send_stream(
            stream_request(
                http,
                create_chat_completion,
                body,
                accept="text/event-stream",
                idle_timeout=idle_timeout,
                extra_headers=None,
                options=call_options,
            )
        )
        return AsyncChatStream(response, progress_timeout=progress_timeout)

    async def _e2ee_stream(
        self,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        params: Mapping[str, Any],
        extra_body: Mapping[str, Any] | None,
        idle_timeout: float | None,
        options: E2EEOptions,
        call_options: RequestOptions,
    ) -> AsyncE2EEChatStream:
        prepared = await self._e2ee.prepare(model, messages, params, extra_body, options)
        request = build_chat_request(model, prepared.messages, prepared.params, extra_body, stream=True)
        return await self._e2ee.open_stream(prepared, request, idle_timeout, call_options)


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class Completions:
    """`client.chat.completions`: create, parse and stream."""

    def __init__(self, requester: Requester, e2ee: Callable[[], E2EEEngine] | None = None) -> None:
        """`e2ee` gives the E2EE engine to share (the client's `tee` holds it); it is asked
        for on the first encrypted call, so a plain chat call never loads the E2EE machinery."""
        self._requester = requester
        # Raw access (status, headers, request id) with the spec's own fields as keywords.
        self.with_raw_response = GeneratedChat(requester).completions.with_raw_response
        self._e2ee_source = e2ee
        self._e2ee_engine: E2EEEngine | None = None

    @property
    def _e2ee(self) -> E2EEEngine:
        if self._e2ee_engine is None:
            if self._e2ee_source is not None:
                self._e2ee_engine = self._e2ee_source()
            else:
                from venice_ext.e2ee._engine import E2EEEngine

                self._e2ee_engine = E2EEEngine(self._requester)
        return self._e2ee_engine

    def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        e2ee: bool | E2EEOptions = False,
        deadline: float | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> CreateChatCompletionResponse:
        """A whole chat completion. Keyword arguments are the spec's request fields.

        The per-call options (`timeout`, `max_retries`, `retry_ambiguous`, `deadline`,
        `strict_parsing`, `extra_headers`, `extra_query`, `extra_body`) mean what they mean on
        every generated method. `e2ee=True` (or an E2EEOptions, or
        `venice_parameters={"enable_e2ee": True}`): end-to-end encrypted to an attested enclave;
        streamed underneath, as E2EE requires, and assembled.
        """
        refuse_stream_flag(params)
        call_options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        options = e2ee_options(e2ee, params)
        if options is not None:
            stream = self._e2ee_stream(model, messages, params, extra_body, None, options, call_options)
            return stream.final()
        body = checked_chat_body(model, messages, params, extra_body, stream=False)
        result: CreateChatCompletionResponse = self._requester.request(
            create_chat_completion, params={}, body=body, options=call_options
        )
        return result

    def parse(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        response_format: type[T],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        deadline: float | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> ParsedCompletion[T]:
        """A completion whose reply must be JSON fitting `response_format` (attrs class, dataclass,
        TypedDict, or pydantic model): `.parsed` is a `T`; StructuredOutputError, carrying the raw
        text, when the reply does not fit. The per-call options are `create`'s."""
        from venice_ext.tools._structured import parse_reply, structured_format  # on first use: import time

        wire_format, parser = structured_format(response_format)
        completion = self.create(
            model=model,
            messages=messages,
            response_format=wire_format,
            extra_body=extra_body,
            extra_headers=extra_headers,
            timeout=timeout,
            deadline=deadline,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            strict_parsing=strict_parsing,
            extra_query=extra_query,
            **params,
        )
        return parse_reply(completion, parser)

    def stream(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        idle_timeout: float | None = None,
        progress_timeout: float | None = None,
        e2ee: bool | E2EEOptions = False,
        deadline: float | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> ChatStream:
        """A streamed chat completion: iterate typed chunks, `text_deltas()`, `final()`.

        `idle_timeout` bounds the silence between bytes of the stream (keep-alive
        comments count as activity; it replaces the read phase of `timeout`); `progress_timeout`
        bounds the time without a data event (a server that only pings), checked as bytes arrive;
        `deadline` (seconds) bounds the whole call, retries and streaming included
        (StreamTimeoutError with the partial answer). `timeout`, `max_retries`, `retry_ambiguous`,
        `extra_headers`, `extra_query` and `extra_body` are `create`'s; chunks are read
        leniently; an assembled `final()` that does not fit the spec is a DriftedBody with a
        SpecDriftWarning, as a whole answer is, or with `strict_parsing=True` (this call's, else
        the client's) a ResponseValidationError. `e2ee=True`: see `create`; the chunks are decrypted as they
        arrive and the answer's signature checked at the end.
        """
        refuse_stream_flag(params)
        call_options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        options = e2ee_options(e2ee, params)
        if options is not None:
            sealed = self._e2ee_stream(model, messages, params, extra_body, idle_timeout, options, call_options)
            sealed.progress_timeout = progress_timeout  # read when iteration starts
            return sealed
        body = checked_chat_body(model, messages, params, extra_body, stream=True)
        http = self._requester.http_client
        response = self._requester.send_stream(
            stream_request(
                http,
                create_chat_completion,
                body,
                accept="text/event-stream",
                idle_timeout=idle_timeout,
                extra_headers=None,
                options=call_options,
            )
        )
        return ChatStream(response, progress_timeout=progress_timeout)

    def _e2ee_stream(
        self,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        params: Mapping[str, Any],
        extra_body: Mapping[str, Any] | None,
        idle_timeout: float | None,
        options: E2EEOptions,
        call_options: RequestOptions,
    ) -> E2EEChatStream:
        prepared = self._e2ee.prepare(model, messages, params, extra_body, options)
        request = build_chat_request(model, prepared.messages, prepared.params, extra_body, stream=True)
        return self._e2ee.open_stream(prepared, request, idle_timeout, call_options)


# unasync: end sync twin
