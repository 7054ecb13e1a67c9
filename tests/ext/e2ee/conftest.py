"""Fixtures of the E2EE tests: a fake Venice with an enclave model, and a driver per client flavour."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.ext.conftest import API_KEY, FakeClock
from tests.support.e2ee_driver import FLAVORS, Driver
from venice_ext.testing import FakeVenice

PROMPT = "Summarise the quarterly figures for Zephyrine Holdings"
SYSTEM = "You are the confidential analyst of Marigold Ventures"
MESSAGES: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": PROMPT}]


@pytest.fixture
def enclave_fake() -> Iterator[FakeVenice]:
    with FakeVenice(api_key=API_KEY, enclave=True) as server:
        yield server


@pytest.fixture(params=FLAVORS)
def driver(request: pytest.FixtureRequest, enclave_fake: FakeVenice, clock: FakeClock) -> Iterator[Driver]:
    client = Driver(request.param, enclave_fake.base_url, API_KEY, clock.hooks())
    yield client
    client.close()


def model_of(fake: FakeVenice) -> str:
    assert fake.enclave is not None
    return fake.enclave.model
