"""Turning a generated resource method into one that returns more: media, or every page.

The wrappers copy the generated method's signature (ParamSpec), so a field Venice
adds to an operation reaches the ergonomic method with the next regeneration, typed.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from venice_ext._core._files import async_offload
from venice_ext._core._media import Media, output_target_of
from venice_ext._core._paging import AsyncPages, PageRule, Pages
from venice_ext._core._symbols import CreateTranscriptionResponse

__all__ = [
    "async_media_method",
    "async_paged_method",
    "async_transcript_method",
    "media_method",
    "paged_method",
    "transcript_method",
]

S = TypeVar("S")
P = ParamSpec("P")
T = TypeVar("T")


def media_method(method: Callable[Concatenate[S, P], Any]) -> Callable[Concatenate[S, P], Media]:
    """`method`, answering with `Media` (bytes, whether the answer was binary or base64).

    On a `to_file(path)` view the path is checked before the request is sent and the
    answer saved there (atomically) when it arrives.
    """

    @functools.wraps(method)
    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> Media:
        target = output_target_of(self)
        if target is not None:
            target.check()
        media = Media.of(method(self, *args, **kwargs))
        return media if target is None else target.save(media)

    return wrapper


def async_media_method(
    method: Callable[Concatenate[S, P], Awaitable[Any]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, Media]]:
    @functools.wraps(method)
    async def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> Media:
        target = output_target_of(self)
        if target is not None:
            target.check()
        media = Media.of(await method(self, *args, **kwargs))
        return media if target is None else await async_offload(target.save, media)

    return wrapper


def paged_method(
    method: Callable[Concatenate[S, P], Any], rule: PageRule, item: type[T]
) -> Callable[Concatenate[S, P], Pages[T]]:
    """`method`, answering with every `item` of every page, fetched as the iteration needs them."""

    @functools.wraps(method)
    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> Pages[T]:
        call: Callable[..., Any] = method
        return Pages(lambda params: call(self, **params), kwargs, rule)

    return wrapper


def async_paged_method(
    method: Callable[Concatenate[S, P], Awaitable[Any]], rule: PageRule, item: type[T]
) -> Callable[Concatenate[S, P], AsyncPages[T]]:
    @functools.wraps(method)
    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> AsyncPages[T]:
        call: Callable[..., Awaitable[Any]] = method
        return AsyncPages(lambda params: call(self, **params), kwargs, rule)

    return wrapper


def _transcript(answer: CreateTranscriptionResponse | str) -> CreateTranscriptionResponse:
    # `response_format="text"` (or srt, vtt) answers plain text: the same `.text` either way.
    return CreateTranscriptionResponse(text=answer) if isinstance(answer, str) else answer


def transcript_method(
    method: Callable[Concatenate[S, P], CreateTranscriptionResponse | str],
) -> Callable[Concatenate[S, P], CreateTranscriptionResponse]:
    """`method`, answering with a transcription whatever the response format (`.text` is the text)."""

    @functools.wraps(method)
    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> CreateTranscriptionResponse:
        return _transcript(method(self, *args, **kwargs))

    return wrapper


def async_transcript_method(
    method: Callable[Concatenate[S, P], Awaitable[CreateTranscriptionResponse | str]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, CreateTranscriptionResponse]]:
    @functools.wraps(method)
    async def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> CreateTranscriptionResponse:
        return _transcript(await method(self, *args, **kwargs))

    return wrapper
