"""E2EE chat against the fake enclave: round trips (sync, async, aiohttp; streamed and whole),
what goes on the wire, caching, `client.tee`, and the extra being optional."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.ext.conftest import API_KEY, FakeClock
from tests.ext.e2ee.conftest import MESSAGES, PROMPT, SYSTEM, model_of
from tests.support.e2ee_driver import Driver
from venice_ext import Attestation, E2EEOptions, ResponseSignature, SignatureCheck, Venice, VerifiedAttestation
from venice_ext import errors as e
from venice_ext.e2ee._crypto import looks_sealed
from venice_ext.testing import FakeVenice, Reply

ANSWER = f"Enclave heard: {PROMPT}"


def chat_requests(fake: FakeVenice) -> list[Any]:
    return fake.requests_to("POST", "/chat/completions")


def assert_sealed_request(fake: FakeVenice, request: Any) -> None:
    assert fake.enclave is not None
    body = request.json()
    assert body["stream"] is True and body["model"] == fake.enclave.model
    for message in body["messages"]:
        assert looks_sealed(message["content"]), message
    assert PROMPT.encode() not in request.body and SYSTEM.encode() not in request.body
    assert body["venice_parameters"] == {
        "enable_e2ee": True,
        "enable_web_search": "off",
        "include_venice_system_prompt": False,
    }
    client_key = request.headers["x-venice-tee-client-pub-key"]
    assert len(client_key) == 130 and client_key.startswith("04")
    assert request.headers["x-venice-tee-model-pub-key"] == fake.enclave.public_key_hex
    assert request.headers["x-venice-tee-signing-algo"] == "ecdsa"


def test_streamed_round_trip(driver: Driver, enclave_fake: FakeVenice) -> None:
    text, stream = driver.stream(model=model_of(enclave_fake), messages=MESSAGES, e2ee=True)
    assert text == ANSWER
    assert enclave_fake.enclave is not None
    assert enclave_fake.enclave.prompts == [MESSAGES]
    [request] = chat_requests(enclave_fake)
    assert_sealed_request(enclave_fake, request)
    assert isinstance(stream.signature, SignatureCheck)
    assert stream.signature.request_id == "chatcmpl-e2ee-0001"
    assert stream.signature.signing_address == enclave_fake.enclave.signing_address
    assert stream.signature.request_bound is True and stream.signature.response_bound is True
    completion = stream.handler.completion()
    assert completion.choices[0].message.content == ANSWER
    assert completion.choices[0].message.reasoning_content == enclave_fake.enclave.reasoning


def test_whole_completion_is_streamed_underneath_and_assembled(driver: Driver, enclave_fake: FakeVenice) -> None:
    completion = driver.create(model=model_of(enclave_fake), messages=MESSAGES, e2ee=True, max_completion_tokens=50)
    assert completion.choices[0].message.content == ANSWER
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens > 0
    [request] = chat_requests(enclave_fake)
    assert_sealed_request(enclave_fake, request)
    assert request.json()["max_completion_tokens"] == 50
    assert [r.path for r in enclave_fake.requests] == [
        "/models",
        "/tee/attestation",
        "/chat/completions",
        "/tee/signature",
    ]


def test_final_gives_the_plaintext_completion(driver: Driver, enclave_fake: FakeVenice) -> None:
    completion, stream = driver.final(model=model_of(enclave_fake), messages=MESSAGES, e2ee=True)
    assert completion.choices[0].message.content == ANSWER
    assert stream.signature is not None


def test_venice_parameters_enable_e2ee_engages_the_same_path(driver: Driver, enclave_fake: FakeVenice) -> None:
    completion = driver.create(
        model=model_of(enclave_fake),
        messages=MESSAGES,
        venice_parameters={"enable_e2ee": True, "strip_thinking_response": True},
    )
    assert completion.choices[0].message.content == ANSWER
    [request] = chat_requests(enclave_fake)
    assert_sealed_request_with(request, strip_thinking_response=True)


def assert_sealed_request_with(request: Any, **venice_parameters: Any) -> None:
    sent = request.json()["venice_parameters"]
    assert sent["enable_e2ee"] is True
    assert all(sent[name] == value for name, value in venice_parameters.items())
    assert PROMPT.encode() not in request.body


def test_attestation_is_cached_per_model_and_each_stream_has_its_own_key(
    driver: Driver, enclave_fake: FakeVenice, clock: FakeClock
) -> None:
    model = model_of(enclave_fake)
    for _ in range(3):
        assert driver.create(model=model, messages=MESSAGES, e2ee=True).choices[0].message.content == ANSWER
    assert len(enclave_fake.requests_to("GET", "/tee/attestation")) == 1
    assert len(enclave_fake.requests_to("GET", "/models")) == 1
    keys = {r.headers["x-venice-tee-client-pub-key"] for r in chat_requests(enclave_fake)}
    assert len(keys) == 3, "a new session key per stream"
    clock.now += 301  # past the default attestation_ttl of 300 s
    driver.create(model=model, messages=MESSAGES, e2ee=True)
    assert len(enclave_fake.requests_to("GET", "/tee/attestation")) == 2
    driver.create(model=model, messages=MESSAGES, e2ee=E2EEOptions(attestation_ttl=0))
    driver.create(model=model, messages=MESSAGES, e2ee=E2EEOptions(attestation_ttl=0))
    assert len(enclave_fake.requests_to("GET", "/tee/attestation")) == 4
    nonces = {r.query for r in enclave_fake.requests_to("GET", "/tee/attestation")}
    assert len(nonces) == 4, "a fresh nonce for every attestation"
    assert len(enclave_fake.requests_to("GET", "/models")) == 1


def test_client_tee_typed_methods(driver: Driver, enclave_fake: FakeVenice) -> None:
    model = model_of(enclave_fake)
    assert enclave_fake.enclave is not None
    raw = driver.run(lambda client: client.tee.attestation(model))
    assert isinstance(raw, Attestation) and raw.verified is True and raw.nonce == raw.sent_nonce
    assert raw.signing_key == enclave_fake.enclave.public_key_hex and raw.tee_provider == "fake-enclave"
    chosen = "ab" * 32
    assert driver.run(lambda client: client.tee.attestation(model, nonce=bytes.fromhex(chosen))).nonce == chosen
    with pytest.raises(e.E2EEAttestationError, match="32 bytes"):
        driver.run(lambda client: client.tee.attestation(model, nonce="abc"))
    verified = driver.run(lambda client: client.tee.verify(model))
    assert isinstance(verified, VerifiedAttestation) and verified.model_key_hex == enclave_fake.enclave.public_key_hex
    assert driver.run(lambda client: client.tee.verify(model)) is verified, "cached"
    assert driver.run(lambda client: client.tee.verify(model, fresh=True)) is not verified
    _text, stream = driver.stream(model=model, messages=MESSAGES, e2ee=True)
    request_id = stream.signature.request_id
    signature = driver.run(lambda client: client.tee.signature(model, request_id))
    assert isinstance(signature, ResponseSignature) and signature.signing_algo == "ecdsa"
    sent = chat_requests(enclave_fake)[-1].body
    check = driver.run(
        lambda client: client.tee.verify_signature(model, request_id, request_body=sent, response_body=b"other")
    )
    assert check.request_bound is True and check.response_bound is False
    with pytest.raises(e.E2EESignatureError) as caught:
        driver.run(
            lambda client: client.tee.verify_signature(model, "chatcmpl-nope", request_body=b"", response_body=b"")
        )
    assert caught.value.check == "signature_unavailable" and isinstance(caught.value.__cause__, e.NotFoundError)
    with pytest.raises(e.NotFoundError):
        driver.run(lambda client: client.tee.attestation("venice-uncensored-1-2"))


def test_tee_calls_take_the_retry_path(driver: Driver, enclave_fake: FakeVenice, clock: FakeClock) -> None:
    enclave_fake.script("GET", "/tee/attestation", Reply(503, json={"error": "busy"}))
    enclave_fake.script("GET", "/tee/signature", Reply(429, json={"error": "slow"}, headers={"Retry-After": "1"}))
    completion = driver.create(model=model_of(enclave_fake), messages=MESSAGES, e2ee=True)
    assert completion.choices[0].message.content == ANSWER
    assert len(enclave_fake.requests_to("GET", "/tee/attestation")) == 2
    assert len(enclave_fake.requests_to("GET", "/tee/signature")) == 2
    assert clock.sleeps == [0.375, 1.0]
    enclave_fake.script("GET", "/tee/attestation", Reply(json=["not", "an", "object"]))
    with pytest.raises(e.ResponseValidationError, match="/tee/attestation"):
        driver.run(lambda client: client.tee.attestation(model_of(enclave_fake)))
    enclave_fake.script("GET", "/tee/attestation", Reply(body=b"<html>", content_type="text/html"))
    with pytest.raises(e.ResponseValidationError, match="not JSON"):
        driver.run(lambda client: client.tee.attestation(model_of(enclave_fake)))


def test_the_fake_enclave_refuses_plaintext_like_venice(enclave_fake: FakeVenice) -> None:
    assert enclave_fake.enclave is not None
    headers = {
        "X-Venice-TEE-Client-Pub-Key": enclave_fake.enclave.public_key_hex,
        "X-Venice-TEE-Model-Pub-Key": enclave_fake.enclave.public_key_hex,
        "X-Venice-TEE-Signing-Algo": "ecdsa",
    }
    body: dict[str, Any] = {"model": enclave_fake.enclave.model, "messages": MESSAGES, "stream": True}
    with Venice(api_key=API_KEY, base_url=enclave_fake.base_url, max_retries=0) as client:
        http = client.http_client
        answer = http.post("chat/completions", json=body, headers=headers)
        assert answer.status_code == 400 and answer.json() == {"error": "Encrypted field is not valid hex"}
        answer = http.post("chat/completions", json={**body, "stream": False}, headers=headers)
        assert answer.json() == {"error": "E2EE requires streaming"}
        wrong = {**headers, "X-Venice-TEE-Model-Pub-Key": "04" + "11" * 64}
        assert http.post("chat/completions", json=body, headers=wrong).json() == {"error": "Invalid public key"}
        sealed = [{"role": "user", "content": "ab" * 100}]
        answer = http.post("chat/completions", json={**body, "messages": sealed}, headers=headers)
        assert answer.json() == {"error": "Failed to decrypt field"}
        # Without the headers the model runs TEE-only and answers in plaintext.
        plain = http.post("chat/completions", json={**body, "stream": False})
        assert plain.status_code == 200 and plain.json()["choices"][0]["message"]["content"]
    assert enclave_fake.enclave.prompts == []


def test_without_the_extra_e2ee_is_a_typed_error_before_anything_is_sent(
    enclave_fake: FakeVenice, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m.startswith(("cryptography", "Crypto"))]:
        monkeypatch.setitem(sys.modules, name, None)  # type: ignore[arg-type]
    for name in ("_crypto", "_address", "_checks", "_signature", "_session", "_stream"):
        monkeypatch.delitem(sys.modules, f"venice_ext.e2ee.{name}", raising=False)
    monkeypatch.setitem(sys.modules, "cryptography", None)  # type: ignore[arg-type]
    with Venice(api_key=API_KEY, base_url=enclave_fake.base_url) as client:
        with pytest.raises(e.E2EENotInstalledError, match=r"venice-client\[e2ee\]") as caught:
            client.chat.completions.create(model=model_of(enclave_fake), messages=MESSAGES, e2ee=True)
        assert caught.value.check == "extra"
        # The plain client works without it.
        assert client.chat.completions.create(model="zai-org-glm-5-1", messages=MESSAGES).choices
    assert [r.path for r in enclave_fake.requests] == ["/chat/completions"]


def test_import_venice_ext_does_not_load_the_extra() -> None:
    code = (
        "import sys, venice_ext\n"
        "client = venice_ext.Venice(api_key='k')\n"
        "client.chat, client.tee, venice_ext.E2EEOptions, venice_ext.VerifiedAttestation\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('cryptography', 'Crypto')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
