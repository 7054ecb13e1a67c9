"""Per-call options on `client.tee` reach the GETs it sends, on every client flavour.

Extra headers and query parameters arrive on the attestation and signature requests
(`verify` only sends one when it has no fresh verified attestation); `max_retries=0`
stops the retry the default makes after a 503; `timeout` ends a stalled answer.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ext.e2ee.conftest import MESSAGES, model_of
from tests.support.e2ee_driver import Driver
from venice_ext import errors as e
from venice_ext.testing import FakeVenice, Reply, Stall

PROBE: dict[str, Any] = {"extra_headers": {"X-Probe": "header"}, "extra_query": {"probe": "query"}}
BUSY = Reply(503, json={"error": "busy"})


def _probed(request: Any) -> bool:
    return bool(request.headers.get("x-probe") == "header" and "probe=query" in request.query)


def test_attestation_and_verify_send_their_options(driver: Driver, enclave_fake: FakeVenice) -> None:
    model = model_of(enclave_fake)
    driver.run(lambda client: client.tee.attestation(model, **PROBE))
    verified = driver.run(lambda client: client.tee.verify(model, **PROBE))
    assert driver.run(lambda client: client.tee.verify(model, **PROBE)) is verified, "cached: nothing sent"
    sent = enclave_fake.requests_to("GET", "/tee/attestation")
    assert len(sent) == 2 and all(_probed(request) for request in sent)


def test_signature_and_verify_signature_send_their_options(driver: Driver, enclave_fake: FakeVenice) -> None:
    model = model_of(enclave_fake)
    _text, stream = driver.stream(model=model, messages=MESSAGES, e2ee=True)
    request_id = stream.signature.request_id
    driver.run(lambda client: client.tee.signature(model, request_id, **PROBE))
    driver.run(
        lambda client: client.tee.verify_signature(model, request_id, request_body=b"", response_body=b"", **PROBE)
    )
    probed = [request for request in enclave_fake.requests_to("GET", "/tee/signature") if _probed(request)]
    assert len(probed) == 2


def test_max_retries_0_stops_the_retry_and_timeout_ends_a_stall(driver: Driver, enclave_fake: FakeVenice) -> None:
    model = model_of(enclave_fake)
    enclave_fake.script("GET", "/tee/attestation", BUSY)
    driver.run(lambda client: client.tee.attestation(model))
    assert len(enclave_fake.requests_to("GET", "/tee/attestation")) == 2
    enclave_fake.script("GET", "/tee/attestation", BUSY)
    with pytest.raises(e.ServerError):
        driver.run(lambda client: client.tee.verify(model, max_retries=0))
    assert len(enclave_fake.requests_to("GET", "/tee/attestation")) == 3
    enclave_fake.script("GET", "/tee/attestation", Stall(0.5))
    with pytest.raises(e.APITimeoutError):
        driver.run(lambda client: client.tee.attestation(model, timeout=0.05, max_retries=0))


def test_a_bad_extra_header_is_a_typed_error_before_anything_is_sent(driver: Driver, enclave_fake: FakeVenice) -> None:
    with pytest.raises(e.RequestValidationError):
        driver.run(lambda client: client.tee.attestation(model_of(enclave_fake), extra_headers={"X-Bad": "a\nb"}))
    assert not enclave_fake.requests_to("GET", "/tee/attestation")
