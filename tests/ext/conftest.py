"""Fixtures shared by the venice_ext tests: the fake server and a client that never really sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from venice_ext import AsyncVenice, TransportHooks, Venice
from venice_ext.testing import FakeVenice

API_KEY = "test-key"


@dataclass
class FakeClock:
    """Wall clock and sleep for the retry loop: sleeping advances time, instantly."""

    now: float = 1_760_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def hooks(self) -> TransportHooks:
        return TransportHooks(sleep=self.sleep, async_sleep=self.async_sleep, clock=self.time, jitter=lambda: 0.5)


@pytest.fixture
def fake() -> Iterator[FakeVenice]:
    with FakeVenice(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def downloads() -> Iterator[FakeVenice]:
    """The host of pre-signed download URLs: another server, which would accept any request."""
    with FakeVenice(api_key=None) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(fake: FakeVenice, clock: FakeClock) -> Iterator[Venice]:
    with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as venice:
        yield venice


@pytest.fixture
def async_client(fake: FakeVenice, clock: FakeClock) -> AsyncVenice:
    return AsyncVenice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks())
