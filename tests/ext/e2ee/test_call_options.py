"""The per-call options reach the wire on the E2EE path too (sync, async, aiohttp; whole and streamed).

E2EE chat is a stream underneath, so `create(e2ee=True)` goes through the stream request:
`max_retries=0` stops the retry the default makes after a 503, `extra_query` and
`extra_headers` show on the sealed request the fake enclave received.
"""

from __future__ import annotations

import pytest

from tests.ext.e2ee.conftest import MESSAGES, PROMPT, model_of
from tests.support.e2ee_driver import Driver
from venice_ext import errors as e
from venice_ext._core import _drift
from venice_ext._core._drift import DriftedBody, SpecDriftWarning
from venice_ext.testing import FakeVenice, Reply

UNAVAILABLE = Reply(status=503, json={"error": "busy"})


def test_max_retries_0_stops_the_retry_the_default_makes(driver: Driver, enclave_fake: FakeVenice) -> None:
    model = model_of(enclave_fake)
    enclave_fake.script("POST", "/chat/completions", UNAVAILABLE, UNAVAILABLE)
    with pytest.raises(e.APIStatusError) as caught:
        driver.create(model=model, messages=MESSAGES, e2ee=True, max_retries=0)
    assert caught.value.status_code == 503
    assert len(enclave_fake.requests_to("POST", "/chat/completions")) == 1
    completion = driver.create(model=model, messages=MESSAGES, e2ee=True)  # the 503 left is retried
    assert completion.choices[0].message.content == f"Enclave heard: {PROMPT}"
    assert len(enclave_fake.requests_to("POST", "/chat/completions")) == 3


def test_extra_query_and_extra_headers_reach_the_sealed_request(driver: Driver, enclave_fake: FakeVenice) -> None:
    model = model_of(enclave_fake)
    driver.create(model=model, messages=MESSAGES, e2ee=True, extra_query={"trace": "whole"}, extra_headers={"X-T": "1"})
    text, _ = driver.stream(model=model, messages=MESSAGES, e2ee=True, extra_query={"trace": "streamed"}, timeout=30.0)
    assert text == f"Enclave heard: {PROMPT}"
    whole, streamed = enclave_fake.requests_to("POST", "/chat/completions")
    assert "trace=whole" in whole.query and whole.headers["x-t"] == "1"
    assert "trace=streamed" in streamed.query


def test_a_drifted_e2ee_stream_follows_strict_parsing(
    driver: Driver, enclave_fake: FakeVenice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decrypted, assembled answer misfits the spec: strict, the error; else the answer as read, warned."""
    assert enclave_fake.enclave is not None
    enclave_fake.enclave.faults.add("drifted_created")
    monkeypatch.setattr(_drift, "_warned", set())
    model = model_of(enclave_fake)
    with pytest.raises(e.ResponseValidationError):
        driver.create(model=model, messages=MESSAGES, e2ee=True, strict_parsing=True)
    with pytest.warns(SpecDriftWarning):
        answer = driver.create(model=model, messages=MESSAGES, e2ee=True)
    assert isinstance(answer, DriftedBody) and answer.raw["created"] == "1787304600"
    assert answer.raw["choices"][0]["message"]["content"] == f"Enclave heard: {PROMPT}"
