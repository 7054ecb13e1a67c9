"""A per-call `deadline` on every path: it wins over the client's, and bounds retries and waits.

A raw server on 127.0.0.1 answers `429 Retry-After: 5` (the fake clock sleeps instantly):
a 7 s deadline leaves room for one wait, so the server sees two requests and the call
ends with APITimeoutError. A client deadline of 60 s would have allowed all three waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.ext.conftest import API_KEY, FakeClock
from tests.support.raw_server import OK_MODELS, RawServer, reply
from venice_api.api.models import list_models
from venice_ext import AsyncVenice, Venice
from venice_ext import errors as e

RATE_LIMITED = reply(429, headers={"Retry-After": "5"})
MESSAGES = [{"role": "user", "content": "hi"}]
QUOTE = {"model": "kling-v3-pro-text-to-video", "duration": "5s"}
VIDEO = {"model": "kling-v3-pro-text-to-video", "prompt": "A heron", "duration": "5s"}

SYNC_PATHS: dict[str, Callable[[Venice], object]] = {
    "call": lambda client: client.call(list_models, deadline=7.0),
    "call_with_response": lambda client: client.call_with_response(list_models, deadline=7.0),
    "with_options": lambda client: client.with_options(deadline=7.0).call(list_models),
    "generated resource": lambda client: client.models.list(deadline=7.0),
    "generated raw resource": lambda client: client.models.with_raw_response.list(deadline=7.0),
    "chat.create": lambda client: client.chat.completions.create(model="m", messages=MESSAGES, deadline=7.0),
    "chat.stream": lambda client: client.chat.completions.stream(model="m", messages=MESSAGES, deadline=7.0),
    "responses.create": lambda client: client.responses.create(model="m", input="hi", deadline=7.0),
    "responses.stream": lambda client: client.responses.stream(model="m", input="hi", deadline=7.0),
    "audio.speech.create": lambda client: client.audio.speech.create(input="hi", deadline=7.0),
    "audio.speech.stream": lambda client: client.audio.speech.stream(input="hi", deadline=7.0),
    "video.quote": lambda client: client.video.quote(deadline=7.0, **QUOTE),
    "video.queue": lambda client: client.video.queue(deadline=7.0, **VIDEO),
}

ASYNC_PATHS: dict[str, Callable[[AsyncVenice], Awaitable[object]]] = {
    "call": lambda client: client.call(list_models, deadline=7.0),
    "call_with_response": lambda client: client.call_with_response(list_models, deadline=7.0),
    "with_options": lambda client: client.with_options(deadline=7.0).call(list_models),
    "generated resource": lambda client: client.models.list(deadline=7.0),
    "chat.create": lambda client: client.chat.completions.create(model="m", messages=MESSAGES, deadline=7.0),
    "chat.stream": lambda client: client.chat.completions.stream(model="m", messages=MESSAGES, deadline=7.0),
    "responses.create": lambda client: client.responses.create(model="m", input="hi", deadline=7.0),
    "responses.stream": lambda client: client.responses.stream(model="m", input="hi", deadline=7.0),
    "audio.speech.create": lambda client: client.audio.speech.create(input="hi", deadline=7.0),
    "audio.speech.stream": lambda client: client.audio.speech.stream(input="hi", deadline=7.0),
    "video.quote": lambda client: client.video.quote(deadline=7.0, **QUOTE),
    "video.queue": lambda client: client.video.queue(deadline=7.0, **VIDEO),
}


def _options(server: RawServer, clock: FakeClock, **extra: Any) -> dict[str, Any]:
    # Three retries of Retry-After: 5 fit the client's own 60 s deadline and the wait caps.
    return {"api_key": API_KEY, "base_url": server.base_url, "hooks": clock.hooks(), "max_retries": 3, **extra}


@pytest.mark.parametrize("path", sorted(SYNC_PATHS))
def test_sync_a_shorter_per_call_deadline_wins_and_bounds_the_retries(path: str) -> None:
    with RawServer(RATE_LIMITED) as server:
        clock = FakeClock()
        with Venice(**_options(server, clock, deadline=60.0)) as client, pytest.raises(e.APITimeoutError) as caught:
            SYNC_PATHS[path](client)
        assert "deadline" in str(caught.value)
        assert isinstance(caught.value.__cause__, e.RateLimitError)
        assert server.seen == 2 and clock.sleeps == [5.0]


@pytest.mark.parametrize("path", sorted(ASYNC_PATHS))
def test_async_a_shorter_per_call_deadline_wins_and_bounds_the_retries(path: str) -> None:
    with RawServer(RATE_LIMITED) as server:
        clock = FakeClock()

        async def run() -> None:
            async with AsyncVenice(**_options(server, clock, deadline=60.0)) as client:
                await ASYNC_PATHS[path](client)

        with pytest.raises(e.APITimeoutError) as caught:
            asyncio.run(run())
        assert "deadline" in str(caught.value)
        assert server.seen == 2 and clock.sleeps == [5.0]


def test_without_a_per_call_deadline_the_clients_allows_every_retry() -> None:
    with RawServer(RATE_LIMITED, RATE_LIMITED, RATE_LIMITED, reply(200, OK_MODELS)) as server:
        clock = FakeClock()
        with Venice(**_options(server, clock, deadline=60.0)) as client:
            client.call(list_models)
        assert server.seen == 4 and clock.sleeps == [5.0, 5.0, 5.0]


@pytest.mark.parametrize("twin", ["sync", "async"])
def test_a_longer_per_call_deadline_wins_over_a_short_client_deadline(twin: str) -> None:
    with RawServer(RATE_LIMITED, reply(200, OK_MODELS)) as server:
        clock = FakeClock()
        options = _options(server, clock, deadline=2.0)
        if twin == "sync":
            with Venice(**options) as client:
                client.models.list(deadline=60.0)
        else:

            async def run() -> None:
                async with AsyncVenice(**options) as client:
                    await client.models.list(deadline=60.0)

            asyncio.run(run())
        assert server.seen == 2 and clock.sleeps == [5.0]


def test_with_options_deadline_is_a_default_that_a_per_call_deadline_overrides() -> None:
    with RawServer(RATE_LIMITED, reply(200, OK_MODELS)) as server:
        clock = FakeClock()
        with Venice(**_options(server, clock)) as client:
            client.with_options(deadline=2.0).call(list_models, deadline=60.0)
        assert server.seen == 2 and clock.sleeps == [5.0]


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "5", True])
def test_a_bad_per_call_deadline_is_a_typed_error_before_anything_is_sent(bad: object) -> None:
    with RawServer(reply(200, OK_MODELS)) as server:
        clock = FakeClock()
        with Venice(**_options(server, clock, deadline=60.0)) as client:
            with pytest.raises(e.RequestValidationError, match="deadline must be a number of seconds > 0"):
                client.models.list(deadline=bad)  # type: ignore[arg-type]
            with pytest.raises(e.RequestValidationError, match="deadline must be"):
                client.chat.completions.stream(model="m", messages=MESSAGES, deadline=bad)  # type: ignore[arg-type]
        assert server.seen == 0
