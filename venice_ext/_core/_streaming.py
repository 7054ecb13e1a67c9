"""Streams over an open httpx response: SSE events in, typed items out.

`Stream` and `AsyncStream` own the I/O: they read the response as bytes arrive
(never buffering), feed the pure SSE decoder, hand each event to a handler, and
close the response however iteration ends. Handlers are pure and shared by both
twins: they type events, accumulate, spot the end marker, and say whether a
stream that just ended was complete. After the end marker the rest of the body
is drained unread (events after it, in the same read or later, are not part of
the answer), so the connection goes back to the pool instead of being closed.

Keep-alive comments are activity for the idle timeout (a model may think for a
minute), so `progress_timeout` bounds the time without a data event: it is checked
whenever bytes arrive, so with an idle timeout a stream that only pings ends within
progress_timeout + idle_timeout. A `deadline` given to the client or the call (the
retry transport leaves its end time in the response's extensions) is checked between
reads the same way, so it bounds a whole streamed call. A timeout or a cut connection after the stream
began raises StreamInterruptedError carrying the partial completion, the
transport's typed error as its cause.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx

from venice_ext._core._chunks import ChatCompletionChunk
from venice_ext._core._drift import STRICT_EXTENSION
from venice_ext._core._errors_from import connection_error_from, request_id_of
from venice_ext._core._handlers import DONE, ChatChunkHandler, EventHandler, decode_payload
from venice_ext._core._sse import SSEDecoder
from venice_ext._core._symbols import CreateChatCompletionResponse
from venice_ext._core._transport import DEADLINE_CLOCK_EXTENSION, DEADLINE_EXTENSION
from venice_ext.errors import APITimeoutError, VeniceError

# DONE, ChatChunkHandler, EventHandler and decode_payload live in _handlers, named here too.
__all__ = [
    "DONE",
    "AsyncChatStream",
    "AsyncStream",
    "ChatChunkHandler",
    "ChatStream",
    "EventHandler",
    "Stream",
    "decode_payload",
]

T = TypeVar("T")


class _StreamBase(Generic[T]):
    def __init__(
        self, response: httpx.Response, handler: EventHandler[T], *, progress_timeout: float | None = None
    ) -> None:
        self.response = response
        self.handler = handler
        self.progress_timeout = progress_timeout
        self._decoder = SSEDecoder()

    def _plain_body(self) -> bool:
        """The body can be read from the transport's stream as it is: no content coding, unread."""
        response = self.response
        coding = response.headers.get("content-encoding", "identity").strip().lower()
        return coding in ("identity", "") and not response.is_stream_consumed and not response.is_closed

    def _feed(self) -> Callable[[bytes], list[Any]]:
        if getattr(self.handler, "plain_payloads", False):
            return self._decoder.feed_payloads
        return self._decoder.feed

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.response.headers)

    def _interrupted(self, error: VeniceError) -> VeniceError:
        interrupted = getattr(self.handler, "interrupted", None)
        if interrupted is None:
            return error
        wrapped: VeniceError = interrupted(error)
        wrapped.__cause__ = error
        return wrapped

    def _failure(self, exc: httpx.TransportError) -> VeniceError:
        error = connection_error_from(exc)
        error.__cause__ = exc
        return self._interrupted(error)

    def _deadline(self) -> tuple[float | None, Callable[[], float]]:
        """The call's end time, set by the retry transport, and the clock it is on."""
        extensions = self.response.extensions
        deadline_at = extensions.get(DEADLINE_EXTENSION)
        clock = extensions.get(DEADLINE_CLOCK_EXTENSION, time.time)
        return (deadline_at if isinstance(deadline_at, float) else None), clock

    def _past_deadline(self) -> VeniceError:
        return self._interrupted(
            APITimeoutError(
                f"{self.response.request.method} {self.response.request.url.path}: the call's deadline passed "
                "while the answer was streaming",
                may_have_been_processed=True,
            )
        )

    def _stalled(self, silent_for: float) -> VeniceError:
        return self._interrupted(
            APITimeoutError(
                f"progress timeout: no data event for {silent_for:.2f} s (progress_timeout={self.progress_timeout})",
                may_have_been_processed=True,
            )
        )


# unasync: begin async source
class AsyncStream(_StreamBase[T]):
    """A stream of typed events: iterate it, or use it as a context manager to close it early."""

    def __init__(
        self, response: httpx.Response, handler: EventHandler[T], *, progress_timeout: float | None = None
    ) -> None:
        super().__init__(response, handler, progress_timeout=progress_timeout)
        self._iterator = self._iterate()

    # unasync: sync-only: def _reads(self) -> Iterator[bytes]:
    def _reads(self) -> AsyncIterator[bytes]:  # unasync: async-only
        """The body as it arrives. Without a content coding, straight from the transport's
        stream: aiter_bytes adds two generators and a decoder per read, a tenth of the
        client's CPU per event when every read carries one event."""
        response, stream = self.response, self.response.stream
        # unasync: sync-only: if not isinstance(stream, httpx.SyncByteStream) or not self._plain_body():
        if not isinstance(stream, httpx.AsyncByteStream) or not self._plain_body():  # unasync: async-only
            return response.aiter_bytes()
        response.is_stream_consumed = True  # as aiter_raw marks it: a second read raises StreamConsumed
        return stream.__aiter__()

    # unasync: sync-only: def _iterate(self) -> Generator[T, None, None]:
    async def _iterate(self) -> AsyncGenerator[T, None]:  # unasync: async-only
        feed, on_event, handler = self._feed(), self.handler.on_event, self.handler
        progress_timeout, last_progress = self.progress_timeout, time.monotonic()
        deadline_at, clock = self._deadline()
        try:
            reads = self._reads()
            async for data in reads:
                events = feed(data)
                for event in events:
                    item = on_event(event)
                    if item is not None:
                        yield item
                    elif handler.done:
                        break
                if handler.done:
                    async for _ in reads:  # drain to the end, so the connection is reused
                        if progress_timeout is not None and time.monotonic() - last_progress > progress_timeout:
                            return  # a server that pings after [DONE]: close rather than wait
                    return
                if deadline_at is not None and clock() >= deadline_at:
                    raise self._past_deadline()
                if progress_timeout is not None:
                    now = time.monotonic()
                    if events:
                        last_progress = now
                    elif now - last_progress > progress_timeout:
                        raise self._stalled(now - last_progress)
            error = self.handler.incomplete()
            if error is not None:
                raise error
        except httpx.TransportError as exc:
            failure = self._failure(exc)
            raise failure from failure.__cause__
        finally:
            await self.response.aclose()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterator

    async def __anext__(self) -> T:
        return await self._iterator.__anext__()

    async def close(self) -> None:
        await self._iterator.aclose()
        await self.response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


class AsyncChatStream(AsyncStream[ChatCompletionChunk]):
    """Typed chunks of a streamed chat completion, with `text_deltas()` and `final()`."""

    handler: ChatChunkHandler

    def __init__(self, response: httpx.Response, *, progress_timeout: float | None = None) -> None:
        super().__init__(
            response,
            ChatChunkHandler(response.headers, strict=response.extensions.get(STRICT_EXTENSION) is True),
            progress_timeout=progress_timeout,
        )

    async def text_deltas(self, choice: int = 0) -> AsyncIterator[str]:
        """Only the text, as it arrives, of one choice."""
        async for chunk in self:
            for item in chunk.choices:
                if item.index == choice and item.delta.content:
                    yield item.delta.content

    async def final(self) -> CreateChatCompletionResponse:
        """The whole completion, reading whatever the caller has not consumed yet."""
        async for _ in self:
            pass
        return self.handler.completion()


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class Stream(_StreamBase[T]):
    """A stream of typed events: iterate it, or use it as a context manager to close it early."""

    def __init__(
        self, response: httpx.Response, handler: EventHandler[T], *, progress_timeout: float | None = None
    ) -> None:
        super().__init__(response, handler, progress_timeout=progress_timeout)
        self._iterator = self._iterate()

    def _reads(self) -> Iterator[bytes]:
        """The body as it arrives. Without a content coding, straight from the transport's
        stream: iter_bytes adds two generators and a decoder per read, a tenth of the
        client's CPU per event when every read carries one event."""
        response, stream = self.response, self.response.stream
        if not isinstance(stream, httpx.SyncByteStream) or not self._plain_body():
            return response.iter_bytes()
        response.is_stream_consumed = True  # as iter_raw marks it: a second read raises StreamConsumed
        return stream.__iter__()

    def _iterate(self) -> Generator[T, None, None]:
        feed, on_event, handler = self._feed(), self.handler.on_event, self.handler
        progress_timeout, last_progress = self.progress_timeout, time.monotonic()
        deadline_at, clock = self._deadline()
        try:
            reads = self._reads()
            for data in reads:
                events = feed(data)
                for event in events:
                    item = on_event(event)
                    if item is not None:
                        yield item
                    elif handler.done:
                        break
                if handler.done:
                    for _ in reads:  # drain to the end, so the connection is reused
                        if progress_timeout is not None and time.monotonic() - last_progress > progress_timeout:
                            return  # a server that pings after [DONE]: close rather than wait
                    return
                if deadline_at is not None and clock() >= deadline_at:
                    raise self._past_deadline()
                if progress_timeout is not None:
                    now = time.monotonic()
                    if events:
                        last_progress = now
                    elif now - last_progress > progress_timeout:
                        raise self._stalled(now - last_progress)
            error = self.handler.incomplete()
            if error is not None:
                raise error
        except httpx.TransportError as exc:
            failure = self._failure(exc)
            raise failure from failure.__cause__
        finally:
            self.response.close()

    def __iter__(self) -> Iterator[T]:
        return self._iterator

    def __next__(self) -> T:
        return self._iterator.__next__()

    def close(self) -> None:
        self._iterator.close()
        self.response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class ChatStream(Stream[ChatCompletionChunk]):
    """Typed chunks of a streamed chat completion, with `text_deltas()` and `final()`."""

    handler: ChatChunkHandler

    def __init__(self, response: httpx.Response, *, progress_timeout: float | None = None) -> None:
        super().__init__(
            response,
            ChatChunkHandler(response.headers, strict=response.extensions.get(STRICT_EXTENSION) is True),
            progress_timeout=progress_timeout,
        )

    def text_deltas(self, choice: int = 0) -> Iterator[str]:
        """Only the text, as it arrives, of one choice."""
        for chunk in self:
            for item in chunk.choices:
                if item.index == choice and item.delta.content:
                    yield item.delta.content

    def final(self) -> CreateChatCompletionResponse:
        """The whole completion, reading whatever the caller has not consumed yet."""
        for _ in self:
            pass
        return self.handler.completion()


# unasync: end sync twin
