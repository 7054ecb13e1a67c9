"""The audio of a streamed speech request, handed over as it arrives, sync and async.

A body that stops short, by a lost connection or fewer bytes than Content-Length,
raises StreamInterruptedError instead of passing for a short clip; a call's deadline
bounds the whole stream (StreamTimeoutError).
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from venice_ext._core._errors_from import connection_error_from, request_id_of
from venice_ext._core._files import AtomicFile, async_offload, offload
from venice_ext._core._transport import DEADLINE_CLOCK_EXTENSION, DEADLINE_EXTENSION
from venice_ext.errors import StreamInterruptedError, StreamTimeoutError, VeniceError

__all__ = ["AsyncSpeechStream", "SpeechStream"]


class _SpeechStreamBase:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.bytes_received = 0
        self.chunks_received = 0
        self._started = False

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.response.headers)

    @property
    def content_type(self) -> str:
        """The audio's media type, e.g. `audio/mpeg`."""
        return str(self.response.headers.get("content-type", ""))

    def _count(self, chunk: bytes) -> bytes:
        self.bytes_received += len(chunk)
        self.chunks_received += 1
        return chunk

    def _interrupted(self, why: str) -> StreamInterruptedError:
        return StreamInterruptedError(
            f"the audio stream {why} after {self.bytes_received} bytes",
            partial=self.bytes_received,
            chunks_received=self.chunks_received,
        )

    def _check_deadline(self) -> None:
        # The call's end time, left by the retry transport: a deadline bounds the whole stream.
        deadline_at = self.response.extensions.get(DEADLINE_EXTENSION)
        clock = self.response.extensions.get(DEADLINE_CLOCK_EXTENSION)
        if isinstance(deadline_at, float) and callable(clock) and clock() >= deadline_at:
            raise StreamTimeoutError(
                f"the audio stream passed the call's deadline after {self.bytes_received} bytes",
                partial=self.bytes_received,
                chunks_received=self.chunks_received,
            )

    def _check_length(self) -> None:
        # h11 already refuses a short body, but other transports (aiohttp, mocks) may not.
        declared = self.response.headers.get("content-length", "")
        if declared.isdigit() and self.response.num_bytes_downloaded != int(declared):
            raise self._interrupted(f"ended with {self.response.num_bytes_downloaded} of {declared} bytes")

    def _failure(self, exc: httpx.TransportError) -> VeniceError:
        error = connection_error_from(exc)
        if isinstance(exc, httpx.TimeoutException):
            return error
        return self._interrupted(f"broke ({error})")

    def _claim_whole_body(self) -> None:
        if self._started or self.response.is_closed:
            raise RuntimeError("stream_to_file() needs the whole body, and part of it was already read")


# unasync: begin async source
class AsyncSpeechStream(_SpeechStreamBase):
    """Audio bytes as they arrive: iterate it, or `stream_to_file(path)`; a context manager to close early."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response)
        self._iterator = self._iterate()

    # unasync: sync-only: def _iterate(self) -> Generator[bytes, None, None]:
    async def _iterate(self) -> AsyncGenerator[bytes, None]:  # unasync: async-only
        self._started = True
        try:
            async for chunk in self.response.aiter_bytes():
                self._check_deadline()
                yield self._count(chunk)
            self._check_length()
        except httpx.TransportError as exc:
            raise self._failure(exc) from exc
        finally:
            await self.response.aclose()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterator

    async def __anext__(self) -> bytes:
        return await self._iterator.__anext__()

    async def stream_to_file(self, path: str | os.PathLike[str]) -> Path:
        """Write the audio to `path` as it arrives; the file appears, whole, only once the stream ended well.

        The bytes go to a temporary file in the same directory, renamed over `path`
        at the end; on any failure the temporary file is removed and `path` is untouched.
        In the async client the file work runs in a worker thread, to keep the loop free.
        """
        self._claim_whole_body()
        file = await async_offload(AtomicFile, Path(path))
        try:
            async for chunk in self:
                await async_offload(file.write, chunk)
            await async_offload(file.commit)
        except BaseException:
            file.discard()
            raise
        return file.target

    async def close(self) -> None:
        await self._iterator.aclose()
        await self.response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class SpeechStream(_SpeechStreamBase):
    """Audio bytes as they arrive: iterate it, or `stream_to_file(path)`; a context manager to close early."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response)
        self._iterator = self._iterate()

    def _iterate(self) -> Generator[bytes, None, None]:
        self._started = True
        try:
            for chunk in self.response.iter_bytes():
                self._check_deadline()
                yield self._count(chunk)
            self._check_length()
        except httpx.TransportError as exc:
            raise self._failure(exc) from exc
        finally:
            self.response.close()

    def __iter__(self) -> Iterator[bytes]:
        return self._iterator

    def __next__(self) -> bytes:
        return self._iterator.__next__()

    def stream_to_file(self, path: str | os.PathLike[str]) -> Path:
        """Write the audio to `path` as it arrives; the file appears, whole, only once the stream ended well.

        The bytes go to a temporary file in the same directory, renamed over `path`
        at the end; on any failure the temporary file is removed and `path` is untouched.
        In the async client the file work runs in a worker thread, to keep the loop free.
        """
        self._claim_whole_body()
        file = offload(AtomicFile, Path(path))
        try:
            for chunk in self:
                offload(file.write, chunk)
            offload(file.commit)
        except BaseException:
            file.discard()
            raise
        return file.target

    def close(self) -> None:
        self._iterator.close()
        self.response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# unasync: end sync twin
