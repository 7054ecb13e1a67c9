"""The bounded tool-calling loop: ask, run the tools the model wants, answer, repeat.

Sync and async twins, each with a streaming variant that yields events as they
happen. The caller's message list is copied, never mutated. A tool call id runs
at most once, even if the model repeats it: HTTP retries happen below this layer
and never re-run a tool. In the async loop sync tools always run in a worker
thread, so they never block the event loop; with `tool_timeout` a sync tool in the
sync loop runs in a thread too (a thread cannot be killed: a timed-out one is left
to finish in the background, its result discarded).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from venice_ext.tools._calls import (
    MaxIterationsError,
    PendingCall,
    ToolCallRecord,
    ToolLoopResult,
    assistant_message,
    failure_text,
    pending_calls,
    prepare,
    record,
    registry_of,
    timeout_text,
    tool_message,
)
from venice_ext.tools._tool import Tool, run_sync_handler

if TYPE_CHECKING:
    from venice_ext._core._streaming import AsyncChatStream, ChatStream

__all__ = [
    "AsyncToolLoop",
    "LoopFinished",
    "LoopRequest",
    "TextDelta",
    "ToolCallFinished",
    "ToolCallStarted",
    "ToolLoop",
]


@dataclasses.dataclass(frozen=True)
class TextDelta:
    text: str
    iteration: int


@dataclasses.dataclass(frozen=True)
class ToolCallStarted:
    id: str
    name: str
    arguments: str
    iteration: int


@dataclasses.dataclass(frozen=True)
class ToolCallFinished:
    record: ToolCallRecord


@dataclasses.dataclass(frozen=True)
class LoopFinished:
    result: ToolLoopResult


@dataclasses.dataclass(frozen=True)
class LoopRequest:
    """One run of the loop: the conversation, the tools, and how to run them."""

    model: str
    messages: Iterable[Mapping[str, Any]]
    tools: Iterable[Any]
    max_iterations: int = 10
    parallel: bool = False
    tool_timeout: float | None = None
    on_tool_call: Callable[[ToolCallRecord], Any] | None = None
    raise_tool_errors: bool = False
    create_kwargs: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class _State:
    registry: dict[str, Tool]
    history: list[dict[str, Any]]
    max_iterations: int
    on_tool_call: Callable[[ToolCallRecord], Any] | None
    records: list[ToolCallRecord] = dataclasses.field(default_factory=list)
    done: dict[str, ToolCallRecord] = dataclasses.field(default_factory=dict)

    @classmethod
    def start(
        cls,
        messages: Iterable[Mapping[str, Any]],
        tools: Iterable[Any],
        max_iterations: int,
        on_tool_call: Callable[[ToolCallRecord], Any] | None,
    ) -> _State:
        if max_iterations < 1:
            raise ValueError("max_iterations must be at least 1")
        return cls(registry_of(tools), [dict(m) for m in messages], max_iterations, on_tool_call)

    @property
    def definitions(self) -> list[dict[str, Any]]:
        return [tool.definition() for tool in self.registry.values()]

    def after_completion(self, completion: Any, iteration: int) -> list[PendingCall] | None:
        """Record the assistant turn; the calls to run, or None when the loop is over."""
        message = completion.choices[0].message
        calls = pending_calls(message)
        self.history.append(assistant_message(message, calls))
        if not calls:
            return None
        if iteration >= self.max_iterations:
            raise MaxIterationsError(iteration, self.history, self.records, completion)
        return calls

    def fresh(self, calls: list[PendingCall]) -> list[PendingCall]:
        return [call for call in calls if call.id not in self.done]

    def finish(self, calls: list[PendingCall], ran: Mapping[str, ToolCallRecord]) -> list[ToolCallRecord]:
        """Answer every call of the turn, in order (a repeated id gets its earlier answer)."""
        finished = []
        for call in calls:
            result = ran.get(call.id) or self.done[call.id]
            if call.id in ran:
                self.done[call.id] = result
                self.records.append(result)
                if self.on_tool_call is not None:
                    self.on_tool_call(result)
                finished.append(result)
            self.history.append(tool_message(result))
        return finished

    def result(self, completion: Any, iteration: int) -> ToolLoopResult:
        return ToolLoopResult(completion, self.history, iteration, self.records)


def _invoke_sync(
    call: PendingCall,
    registry: Mapping[str, Tool],
    iteration: int,
    timeout: float | None,
    pool: concurrent.futures.ThreadPoolExecutor | None,
    raise_errors: bool,
) -> ToolCallRecord:
    started = time.perf_counter()
    prepared = prepare(call, registry)
    if isinstance(prepared, str):
        return record(call, iteration, started, error=prepared)
    definition, kwargs = prepared
    try:
        if pool is None:
            result = run_sync_handler(definition.handler, kwargs)
        else:
            result = pool.submit(run_sync_handler, definition.handler, kwargs).result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        return record(call, iteration, started, kwargs=kwargs, error=timeout_text(call, timeout or 0))
    except Exception as exc:
        if raise_errors:
            raise
        return record(call, iteration, started, kwargs=kwargs, error=failure_text(call, exc))
    return record(call, iteration, started, kwargs=kwargs, result=result)


class Completions(Protocol):
    """What the loop needs of `client.chat.completions`."""

    def create(self, *, model: str, messages: Iterable[Mapping[str, Any]], **params: Any) -> Any: ...

    def stream(self, *, model: str, messages: Iterable[Mapping[str, Any]], **params: Any) -> ChatStream: ...


class AsyncCompletions(Protocol):
    async def create(self, *, model: str, messages: Iterable[Mapping[str, Any]], **params: Any) -> Any: ...

    async def stream(self, *, model: str, messages: Iterable[Mapping[str, Any]], **params: Any) -> AsyncChatStream: ...


class _Calls:
    """Runs one turn's tool calls for the sync loop; owns the thread pool, when one is needed."""

    def __init__(self, request: LoopRequest) -> None:
        self._timeout = request.tool_timeout
        self._parallel = request.parallel
        self._raise_errors = request.raise_tool_errors
        self._pool = (
            concurrent.futures.ThreadPoolExecutor(thread_name_prefix="venice-tool")
            if request.parallel or request.tool_timeout is not None
            else None
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def run(self, calls: list[PendingCall], registry: Mapping[str, Tool], iteration: int) -> dict[str, ToolCallRecord]:
        timeout, pool = self._timeout, self._pool
        if self._parallel and pool is not None and len(calls) > 1:
            futures = {
                call.id: pool.submit(_invoke_sync, call, registry, iteration, timeout, None, self._raise_errors)
                for call in calls
            }
            done: dict[str, ToolCallRecord] = {}
            for call in calls:
                try:
                    done[call.id] = futures[call.id].result(timeout=timeout)
                except concurrent.futures.TimeoutError:
                    done[call.id] = record(call, iteration, time.perf_counter(), error=timeout_text(call, timeout or 0))
            return done
        return {call.id: _invoke_sync(call, registry, iteration, timeout, pool, self._raise_errors) for call in calls}


async def _invoke_async(
    call: PendingCall, registry: Mapping[str, Tool], iteration: int, timeout: float | None, raise_errors: bool
) -> ToolCallRecord:
    import asyncio  # here, not at the top: synchronous programs never pay for it

    started = time.perf_counter()
    prepared = prepare(call, registry)
    if isinstance(prepared, str):
        return record(call, iteration, started, error=prepared)
    definition, kwargs = prepared
    try:
        if definition.is_async:
            awaitable = definition.handler(**kwargs)
        else:
            awaitable = asyncio.to_thread(definition.handler, **kwargs)
        result = await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        return record(call, iteration, started, kwargs=kwargs, error=timeout_text(call, timeout or 0))
    except Exception as exc:
        if raise_errors:
            raise
        return record(call, iteration, started, kwargs=kwargs, error=failure_text(call, exc))
    return record(call, iteration, started, kwargs=kwargs, result=result)


class _AsyncCalls:
    """Runs one turn's tool calls for the async loop: sync tools in worker threads."""

    def __init__(self, request: LoopRequest) -> None:
        self._timeout = request.tool_timeout
        self._parallel = request.parallel
        self._raise_errors = request.raise_tool_errors

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def run(
        self, calls: list[PendingCall], registry: Mapping[str, Tool], iteration: int
    ) -> dict[str, ToolCallRecord]:
        jobs = [_invoke_async(call, registry, iteration, self._timeout, self._raise_errors) for call in calls]
        if self._parallel:
            import asyncio

            results = await asyncio.gather(*jobs)
        else:
            results = [await job for job in jobs]
        return {result.id: result for result in results}


# unasync: begin async source
class AsyncToolLoop:
    """`client.chat.run_tools(...)` and `client.chat.run_tools_stream(...)`."""

    def __init__(self, completions: AsyncCompletions) -> None:
        self._completions = completions

    async def run(self, request: LoopRequest) -> ToolLoopResult:
        async for event in self.stream(request, streamed=False):
            if isinstance(event, LoopFinished):
                return event.result
        raise AssertionError("the tool loop ended without a result")  # pragma: no cover

    async def stream(self, request: LoopRequest, *, streamed: bool = True) -> AsyncIterator[Any]:
        state = _State.start(request.messages, request.tools, request.max_iterations, request.on_tool_call)
        model, create_kwargs = request.model, request.create_kwargs
        async with _AsyncCalls(request) as tool_calls:
            for iteration in range(1, request.max_iterations + 1):
                if streamed:
                    chat_stream = await self._completions.stream(
                        model=model, messages=state.history, tools=state.definitions, **create_kwargs
                    )
                    async with chat_stream:
                        async for text in chat_stream.text_deltas():
                            yield TextDelta(text, iteration)
                        completion = await chat_stream.final()
                else:
                    completion = await self._completions.create(
                        model=model, messages=state.history, tools=state.definitions, **create_kwargs
                    )
                calls = state.after_completion(completion, iteration)
                if calls is None:
                    yield LoopFinished(state.result(completion, iteration))
                    return
                fresh = state.fresh(calls)
                for call in fresh:
                    yield ToolCallStarted(call.id, call.name, call.arguments, iteration)
                ran = await tool_calls.run(fresh, state.registry, iteration)
                for finished in state.finish(calls, ran):
                    yield ToolCallFinished(finished)


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class ToolLoop:
    """`client.chat.run_tools(...)` and `client.chat.run_tools_stream(...)`."""

    def __init__(self, completions: Completions) -> None:
        self._completions = completions

    def run(self, request: LoopRequest) -> ToolLoopResult:
        for event in self.stream(request, streamed=False):
            if isinstance(event, LoopFinished):
                return event.result
        raise AssertionError("the tool loop ended without a result")  # pragma: no cover

    def stream(self, request: LoopRequest, *, streamed: bool = True) -> Iterator[Any]:
        state = _State.start(request.messages, request.tools, request.max_iterations, request.on_tool_call)
        model, create_kwargs = request.model, request.create_kwargs
        with _Calls(request) as tool_calls:
            for iteration in range(1, request.max_iterations + 1):
                if streamed:
                    chat_stream = self._completions.stream(
                        model=model, messages=state.history, tools=state.definitions, **create_kwargs
                    )
                    with chat_stream:
                        for text in chat_stream.text_deltas():
                            yield TextDelta(text, iteration)
                        completion = chat_stream.final()
                else:
                    completion = self._completions.create(
                        model=model, messages=state.history, tools=state.definitions, **create_kwargs
                    )
                calls = state.after_completion(completion, iteration)
                if calls is None:
                    yield LoopFinished(state.result(completion, iteration))
                    return
                fresh = state.fresh(calls)
                for call in fresh:
                    yield ToolCallStarted(call.id, call.name, call.arguments, iteration)
                ran = tool_calls.run(fresh, state.registry, iteration)
                for finished in state.finish(calls, ran):
                    yield ToolCallFinished(finished)


# unasync: end sync twin
