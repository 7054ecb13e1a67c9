"""`client.chat`: the completions, and the tool-calling loop over them, sync and async.

The completions themselves (create, parse, stream) are in `_chat_completions`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from venice_ext._core._calls import options_of
from venice_ext._core._requester import AsyncRequester, Requester
from venice_ext.resources._chat_completions import AsyncCompletions, Completions, build_chat_request

if TYPE_CHECKING:
    from venice_ext.e2ee._engine import AsyncE2EEEngine, E2EEEngine
    from venice_ext.tools._calls import ToolCallRecord, ToolLoopResult
    from venice_ext.tools._loop import (
        AsyncToolLoop,
        LoopFinished,
        TextDelta,
        ToolCallFinished,
        ToolCallStarted,
        ToolLoop,
    )

__all__ = ["AsyncChat", "AsyncCompletions", "Chat", "Completions", "build_chat_request"]


# unasync: begin async source
class AsyncChat:
    """`client.chat`: completions, and the tool-calling loop.

    In the async client, sync tools run in worker threads, never on the event loop.
    """

    def __init__(self, requester: AsyncRequester, e2ee: Callable[[], AsyncE2EEEngine] | None = None) -> None:
        self.completions = AsyncCompletions(requester, e2ee)
        self._tool_loop: AsyncToolLoop | None = None

    @property
    def _loop(self) -> AsyncToolLoop:
        # The tool machinery loads with the first run_tools: a plain chat call never needs it.
        if self._tool_loop is None:
            from venice_ext.tools._loop import AsyncToolLoop

            self._tool_loop = AsyncToolLoop(self.completions)
        return self._tool_loop

    async def run_tools(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        tools: Iterable[Any],
        max_iterations: int = 10,
        parallel: bool = False,
        tool_timeout: float | None = None,
        on_tool_call: Callable[[ToolCallRecord], Any] | None = None,
        raise_tool_errors: bool = False,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **create_kwargs: Any,
    ) -> ToolLoopResult:
        """Ask, run the tools the model calls, send back the results, until it answers without tools.

        `tools`: functions (sync or async), `venice_ext.tool(...)` definitions, or
        (JSON-schema definition, handler) pairs. A failed call (bad arguments, unknown
        tool, an exception, a timeout) is reported to the model so it can correct
        itself; `raise_tool_errors=True` lets a tool's exception propagate instead.
        Raises MaxIterationsError after `max_iterations` completions that still ask for tools.
        The per-call options (`timeout`, `max_retries`, `retry_ambiguous`, `deadline`,
        `strict_parsing`, `extra_headers`, `extra_query`, `extra_body`) apply to every completion
        the loop asks for, as `chat.completions.create` takes them.
        """
        from venice_ext.tools._loop import LoopRequest  # loaded with the loop itself

        return await self._loop.run(
            LoopRequest(
                model,
                messages,
                tools,
                max_iterations,
                parallel,
                tool_timeout,
                on_tool_call,
                raise_tool_errors,
                create_kwargs
                | options_of(
                    timeout=timeout,
                    max_retries=max_retries,
                    retry_ambiguous=retry_ambiguous,
                    deadline=deadline,
                    strict_parsing=strict_parsing,
                    extra_headers=extra_headers,
                    extra_query=extra_query,
                    extra_body=extra_body,
                ),
            )
        )

    def run_tools_stream(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        tools: Iterable[Any],
        max_iterations: int = 10,
        parallel: bool = False,
        tool_timeout: float | None = None,
        on_tool_call: Callable[[ToolCallRecord], Any] | None = None,
        raise_tool_errors: bool = False,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **create_kwargs: Any,
    ) -> AsyncIterator[TextDelta | ToolCallStarted | ToolCallFinished | LoopFinished]:
        """`run_tools`, streaming: yields TextDelta, ToolCallStarted, ToolCallFinished, then LoopFinished."""
        from venice_ext.tools._loop import LoopRequest  # loaded with the loop itself

        return self._loop.stream(
            LoopRequest(
                model,
                messages,
                tools,
                max_iterations,
                parallel,
                tool_timeout,
                on_tool_call,
                raise_tool_errors,
                create_kwargs
                | options_of(
                    timeout=timeout,
                    max_retries=max_retries,
                    retry_ambiguous=retry_ambiguous,
                    deadline=deadline,
                    strict_parsing=strict_parsing,
                    extra_headers=extra_headers,
                    extra_query=extra_query,
                    extra_body=extra_body,
                ),
            )
        )


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class Chat:
    """`client.chat`: completions, and the tool-calling loop.

    In the async client, sync tools run in worker threads, never on the event loop.
    """

    def __init__(self, requester: Requester, e2ee: Callable[[], E2EEEngine] | None = None) -> None:
        self.completions = Completions(requester, e2ee)
        self._tool_loop: ToolLoop | None = None

    @property
    def _loop(self) -> ToolLoop:
        # The tool machinery loads with the first run_tools: a plain chat call never needs it.
        if self._tool_loop is None:
            from venice_ext.tools._loop import ToolLoop

            self._tool_loop = ToolLoop(self.completions)
        return self._tool_loop

    def run_tools(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        tools: Iterable[Any],
        max_iterations: int = 10,
        parallel: bool = False,
        tool_timeout: float | None = None,
        on_tool_call: Callable[[ToolCallRecord], Any] | None = None,
        raise_tool_errors: bool = False,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **create_kwargs: Any,
    ) -> ToolLoopResult:
        """Ask, run the tools the model calls, send back the results, until it answers without tools.

        `tools`: functions (sync or async), `venice_ext.tool(...)` definitions, or
        (JSON-schema definition, handler) pairs. A failed call (bad arguments, unknown
        tool, an exception, a timeout) is reported to the model so it can correct
        itself; `raise_tool_errors=True` lets a tool's exception propagate instead.
        Raises MaxIterationsError after `max_iterations` completions that still ask for tools.
        The per-call options (`timeout`, `max_retries`, `retry_ambiguous`, `deadline`,
        `strict_parsing`, `extra_headers`, `extra_query`, `extra_body`) apply to every completion
        the loop asks for, as `chat.completions.create` takes them.
        """
        from venice_ext.tools._loop import LoopRequest  # loaded with the loop itself

        return self._loop.run(
            LoopRequest(
                model,
                messages,
                tools,
                max_iterations,
                parallel,
                tool_timeout,
                on_tool_call,
                raise_tool_errors,
                create_kwargs
                | options_of(
                    timeout=timeout,
                    max_retries=max_retries,
                    retry_ambiguous=retry_ambiguous,
                    deadline=deadline,
                    strict_parsing=strict_parsing,
                    extra_headers=extra_headers,
                    extra_query=extra_query,
                    extra_body=extra_body,
                ),
            )
        )

    def run_tools_stream(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        tools: Iterable[Any],
        max_iterations: int = 10,
        parallel: bool = False,
        tool_timeout: float | None = None,
        on_tool_call: Callable[[ToolCallRecord], Any] | None = None,
        raise_tool_errors: bool = False,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_ambiguous: bool | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **create_kwargs: Any,
    ) -> Iterator[TextDelta | ToolCallStarted | ToolCallFinished | LoopFinished]:
        """`run_tools`, streaming: yields TextDelta, ToolCallStarted, ToolCallFinished, then LoopFinished."""
        from venice_ext.tools._loop import LoopRequest  # loaded with the loop itself

        return self._loop.stream(
            LoopRequest(
                model,
                messages,
                tools,
                max_iterations,
                parallel,
                tool_timeout,
                on_tool_call,
                raise_tool_errors,
                create_kwargs
                | options_of(
                    timeout=timeout,
                    max_retries=max_retries,
                    retry_ambiguous=retry_ambiguous,
                    deadline=deadline,
                    strict_parsing=strict_parsing,
                    extra_headers=extra_headers,
                    extra_query=extra_query,
                    extra_body=extra_body,
                ),
            )
        )


# unasync: end sync twin
