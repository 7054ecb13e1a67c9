"""`client.audio.speech`: text to speech, whole (create) or as it is made (stream), sync and async.

With `streaming: true` Venice sends the audio sentence by sentence in one plain
binary body (no SSE), so a player can start before synthesis ends. The stream
hands the chunks over as they arrive and never holds the whole audio; a body
that stops short, by a lost connection or fewer bytes than Content-Length,
raises StreamInterruptedError instead of passing for a short clip.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

import httpx

from venice_ext._core._calls import options_of, stream_request
from venice_ext._core._files import async_offload, offload
from venice_ext._core._media import Media, OutputTarget
from venice_ext._core._requester import AsyncRequester, Requester, RequestOptions
from venice_ext._core._requests import build_body
from venice_ext._core._symbols import (
    AsyncGeneratedAudio,
    AsyncGeneratedTranscriptions,
    CreateSpeechRequestSchema,
    GeneratedAudio,
    GeneratedTranscriptions,
    create_speech,
)
from venice_ext.errors import RequestValidationError
from venice_ext.jobs._resources import AsyncAudioJobs, AudioJobs
from venice_ext.resources._speech_stream import AsyncSpeechStream, SpeechStream
from venice_ext.resources._wrap import async_transcript_method, transcript_method

__all__ = [
    "AsyncAudio",
    "AsyncSpeech",
    "AsyncSpeechStream",
    "AsyncTranscriptions",
    "Audio",
    "Speech",
    "SpeechStream",
    "Transcriptions",
    "build_speech_request",
]


# The spec's response formats; Venice answers mp3 when none is asked for.
_SPEECH_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}


def speech_content_type(request: CreateSpeechRequestSchema) -> str:
    given = request.response_format
    return _SPEECH_TYPES.get(given if isinstance(given, str) else "mp3", "application/octet-stream")


def build_speech_request(
    input: str, params: Mapping[str, Any], extra_body: Mapping[str, Any] | None, *, streaming: bool
) -> CreateSpeechRequestSchema:
    """The generated request model for these arguments; RequestValidationError if they don't fit."""
    if params.get("streaming") and not streaming:
        raise RequestValidationError(
            "audio.speech.create() returns the whole audio; to receive it as it is made "
            "call audio.speech.stream(...) instead of passing streaming=True"
        )
    body: dict[str, Any] = {"input": input, **{k: v for k, v in params.items() if k != "streaming"}}
    if streaming:
        body["streaming"] = True
    elif "streaming" in params:
        body["streaming"] = False  # sent as given: the caller asked for it explicitly
    return build_body(CreateSpeechRequestSchema.from_dict, body, extra_body, name="audio.speech")


def _speech_request(
    http: httpx.Client | httpx.AsyncClient,
    input: str,
    params: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    idle_timeout: float | None,
    extra_headers: Mapping[str, str] | None,
    options: RequestOptions,
) -> httpx.Request:
    body = build_speech_request(input, params, extra_body, streaming=True)
    return stream_request(
        http, create_speech, body, accept=None, idle_timeout=idle_timeout, extra_headers=extra_headers, options=options
    )


# unasync: begin async source
class AsyncSpeech:
    """`client.audio.speech`: create and stream."""

    output_target: OutputTarget | None = None

    def __init__(self, requester: AsyncRequester) -> None:
        self._requester = requester
        self.with_raw_response = AsyncGeneratedAudio(requester).speech.with_raw_response

    def to_file(self, path: str | os.PathLike[str], *, overwrite: bool = True) -> Self:
        """`create`, saving the audio to `path` (atomically); the path is checked before anything is sent."""
        view = copy.copy(self)
        view.output_target = OutputTarget(Path(path), overwrite)
        view.output_target.check()
        return view

    async def create(
        self,
        *,
        input: str,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        **params: Any,
    ) -> Media:
        """The whole audio, as `Media` (bytes with `.save(path)`). Keyword arguments are the
        spec's request fields (model, voice, response_format...)."""
        if self.output_target is not None:
            self.output_target.check()
        request = build_speech_request(input, params, extra_body, streaming=False)
        audio: bytes = await self._requester.call(
            create_speech,
            body=request,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
        )
        media = Media([audio], speech_content_type(request), raw=audio)
        return media if self.output_target is None else await async_offload(self.output_target.save, media)

    async def stream(
        self,
        *,
        input: str,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        idle_timeout: float | None = None,
        deadline: float | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> AsyncSpeechStream:
        """The audio as it is made (`streaming: true`). `idle_timeout` bounds the silence between bytes;
        the per-call options are those of `create` (the audio is bytes, so there is no `strict_parsing`)."""
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            extra_query=extra_query,
        )
        request = _speech_request(
            self._requester.http_client, input, params, extra_body, idle_timeout, extra_headers, options
        )
        return AsyncSpeechStream(await self._requester.send_stream(request))


class AsyncTranscriptions(AsyncGeneratedTranscriptions):
    """`client.audio.transcriptions`: `create` answers a transcription with `.text`, whatever
    the response format (plain-text formats arrive as the text alone)."""

    create = async_transcript_method(AsyncGeneratedTranscriptions.create)


class AsyncAudio(AsyncAudioJobs):
    """`client.audio`: queued audio jobs (quote, queue, resume, generate) and `.speech`."""

    def __init__(self, requester: AsyncRequester) -> None:
        super().__init__(requester)
        self.speech = AsyncSpeech(requester)
        generated = AsyncGeneratedAudio(requester)
        self.transcriptions = AsyncTranscriptions(requester)
        self.voices = generated.voices
        # The plain job operations; `quote`, `queue`, `resume` and `generate` above do the waiting.
        self.jobs = generated.jobs
        self.with_raw_response = generated.with_raw_response


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class Speech:
    """`client.audio.speech`: create and stream."""

    output_target: OutputTarget | None = None

    def __init__(self, requester: Requester) -> None:
        self._requester = requester
        self.with_raw_response = GeneratedAudio(requester).speech.with_raw_response

    def to_file(self, path: str | os.PathLike[str], *, overwrite: bool = True) -> Self:
        """`create`, saving the audio to `path` (atomically); the path is checked before anything is sent."""
        view = copy.copy(self)
        view.output_target = OutputTarget(Path(path), overwrite)
        view.output_target.check()
        return view

    def create(
        self,
        *,
        input: str,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        **params: Any,
    ) -> Media:
        """The whole audio, as `Media` (bytes with `.save(path)`). Keyword arguments are the
        spec's request fields (model, voice, response_format...)."""
        if self.output_target is not None:
            self.output_target.check()
        request = build_speech_request(input, params, extra_body, streaming=False)
        audio: bytes = self._requester.call(
            create_speech,
            body=request,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
        )
        media = Media([audio], speech_content_type(request), raw=audio)
        return media if self.output_target is None else offload(self.output_target.save, media)

    def stream(
        self,
        *,
        input: str,
        extra_body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        idle_timeout: float | None = None,
        deadline: float | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> SpeechStream:
        """The audio as it is made (`streaming: true`). `idle_timeout` bounds the silence between bytes;
        the per-call options are those of `create` (the audio is bytes, so there is no `strict_parsing`)."""
        options = options_of(
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            deadline=deadline,
            extra_query=extra_query,
        )
        request = _speech_request(
            self._requester.http_client, input, params, extra_body, idle_timeout, extra_headers, options
        )
        return SpeechStream(self._requester.send_stream(request))


class Transcriptions(GeneratedTranscriptions):
    """`client.audio.transcriptions`: `create` answers a transcription with `.text`, whatever
    the response format (plain-text formats arrive as the text alone)."""

    create = transcript_method(GeneratedTranscriptions.create)


class Audio(AudioJobs):
    """`client.audio`: queued audio jobs (quote, queue, resume, generate) and `.speech`."""

    def __init__(self, requester: Requester) -> None:
        super().__init__(requester)
        self.speech = Speech(requester)
        generated = GeneratedAudio(requester)
        self.transcriptions = Transcriptions(requester)
        self.voices = generated.voices
        # The plain job operations; `quote`, `queue`, `resume` and `generate` above do the waiting.
        self.jobs = generated.jobs
        self.with_raw_response = generated.with_raw_response


# unasync: end sync twin
