"""The bytes on the wire, recorded by a TCP proxy between client and server, never hold the
prompt, the system message or the answer in clear, in either direction, with any client."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.ext.conftest import API_KEY, FakeClock
from tests.ext.e2ee.conftest import model_of
from tests.support.e2ee_driver import FLAVORS, Driver
from tests.support.recording_proxy import RecordingProxy
from venice_ext.testing import FakeVenice

PROMPT = "Quarterly margin of Zephyrine Holdings rose, Grüße aus Köln"
SYSTEM = "Confidential analyst persona Marigold"
REASONING = "Pondering Zephyrine privately"


def spellings(text: str) -> list[bytes]:
    """`text` and each long word of it, as UTF-8 and as JSON would escape them."""
    pieces = [text, *(word for word in text.replace(",", " ").split() if len(word) >= 5)]
    forms = []
    for piece in pieces:
        forms += [
            piece.encode(),
            json.dumps(piece)[1:-1].encode(),
            json.dumps(piece, ensure_ascii=False)[1:-1].encode(),
        ]
    return forms


@pytest.fixture
def proxied() -> Iterator[tuple[FakeVenice, RecordingProxy]]:
    with FakeVenice(api_key=API_KEY, enclave=True) as fake, RecordingProxy(fake.port) as proxy:
        assert fake.enclave is not None
        fake.enclave.reasoning = REASONING
        yield fake, proxy


@pytest.mark.parametrize("flavor", FLAVORS)
def test_no_plaintext_on_the_wire(proxied: tuple[FakeVenice, RecordingProxy], clock: FakeClock, flavor: str) -> None:
    fake, proxy = proxied
    driver = Driver(flavor, f"http://127.0.0.1:{proxy.port}/api/v1", API_KEY, clock.hooks())
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": PROMPT}]
    try:
        text, _stream = driver.stream(model=model_of(fake), messages=messages, e2ee=True)
        completion = driver.create(model=model_of(fake), messages=messages, e2ee=True)
    finally:
        driver.close()
    assert text == f"Enclave heard: {PROMPT}" == completion.choices[0].message.content
    assert completion.choices[0].message.reasoning_content == REASONING
    # The recording saw the exchange, headers and all: the checks below could fail.
    assert proxy.sent.count(b"POST /api/v1/chat/completions") == 2
    assert b"x-venice-tee-client-pub-key" in proxy.sent.lower() and b"data: [DONE]" in proxy.received
    for secret in spellings(PROMPT) + spellings(SYSTEM) + spellings(REASONING) + [b"Enclave heard"]:
        assert secret not in proxy.sent, secret
        assert secret not in proxy.received, secret


def test_the_recording_does_catch_plaintext(proxied: tuple[FakeVenice, RecordingProxy], clock: FakeClock) -> None:
    _fake, proxy = proxied
    driver = Driver("sync", f"http://127.0.0.1:{proxy.port}/api/v1", API_KEY, clock.hooks())
    try:
        driver.create(model="zai-org-glm-5-1", messages=[{"role": "user", "content": PROMPT}])
    finally:
        driver.close()
    assert any(form in proxy.sent for form in spellings(PROMPT)[:3])
