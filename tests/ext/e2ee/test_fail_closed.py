"""E2EE fails closed, with every client flavour: a typed error naming the check, and never a
plaintext prompt on its way out; what E2EE cannot carry is refused before any network call."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.ext.e2ee.conftest import MESSAGES, PROMPT, SYSTEM, model_of
from tests.support.e2ee_driver import Driver
from venice_ext import E2EEOptions, VerifiedAttestation
from venice_ext import errors as e
from venice_ext.testing import FakeVenice

FRESH = E2EEOptions(attestation_ttl=0)

# (fault, error, check, whether the sealed request went out before the failure)
FAULTS = [
    ("unverified", e.E2EEAttestationError, "verified", False),
    ("wrong_nonce", e.E2EENonceMismatchError, "nonce", False),
    ("replay", e.E2EENonceMismatchError, "nonce", False),
    ("replay_rewritten", e.E2EENonceMismatchError, "report_data_nonce", False),
    ("stale_gpu_nonce", e.E2EENonceMismatchError, "nvidia_nonce", False),
    ("wrong_model", e.E2EEAttestationError, "model", False),
    ("debug", e.E2EEAttestationError, "debug", False),
    ("no_quote", e.E2EEAttestationError, "quote", False),
    ("swap_key", e.E2EEKeyBindingError, "key_address", False),
    ("swap_identity", e.E2EEKeyBindingError, "report_data_address", False),
    ("tamper_chunk", e.E2EEDecryptionError, "chunk", True),
    ("plaintext_chunk", e.E2EEDecryptionError, "plaintext_chunk", True),
    ("wrong_session_key", e.E2EEDecryptionError, "chunk", True),
    ("bad_signature", e.E2EESignatureError, "signature_invalid", True),
    ("signature_other_address", e.E2EESignatureError, "signing_address", True),
    ("no_signature", e.E2EESignatureError, "signature_unavailable", True),
]


def requests_to_chat(fake: FakeVenice) -> list[Any]:
    return fake.requests_to("POST", "/chat/completions")


def assert_nothing_in_clear(fake: FakeVenice) -> None:
    for request in fake.requests:
        assert PROMPT.encode() not in request.body and SYSTEM.encode() not in request.body
        assert PROMPT not in request.query


@pytest.mark.parametrize("how", ["stream", "create"])
@pytest.mark.parametrize(("fault", "error", "check", "sent"), FAULTS, ids=[case[0] for case in FAULTS])
def test_every_fault_fails_closed(
    driver: Driver, enclave_fake: FakeVenice, how: str, fault: str, error: type[e.E2EEError], check: str, sent: bool
) -> None:
    model = model_of(enclave_fake)
    assert enclave_fake.enclave is not None
    driver.run(lambda client: client.tee.attestation(model))  # the attestation a replay serves again
    enclave_fake.enclave.faults.add(fault)
    with pytest.raises(error) as caught:
        if how == "stream":
            driver.stream(model=model, messages=MESSAGES, e2ee=FRESH)
        else:
            driver.create(model=model, messages=MESSAGES, e2ee=FRESH)
    assert type(caught.value) is error and caught.value.check == check
    assert caught.value.model == model
    assert PROMPT not in str(caught.value) and SYSTEM not in str(caught.value)
    assert len(requests_to_chat(enclave_fake)) == (1 if sent else 0)
    assert enclave_fake.enclave.prompts == ([MESSAGES] if sent else [])
    assert_nothing_in_clear(enclave_fake)
    if sent:
        assert caught.value.request_id == "chatcmpl-e2ee-0001"


def test_a_tampered_chunk_stops_the_stream_at_that_chunk(driver: Driver, enclave_fake: FakeVenice) -> None:
    assert enclave_fake.enclave is not None
    enclave_fake.enclave.faults.add("tamper_chunk")
    seen: list[str] = []

    def read(client: Any) -> Any:
        if not driver.is_async:
            with client.chat.completions.stream(model=model_of(enclave_fake), messages=MESSAGES, e2ee=True) as s:
                seen.extend(s.text_deltas())
            return None

        async def go() -> None:
            async with await client.chat.completions.stream(
                model=model_of(enclave_fake), messages=MESSAGES, e2ee=True
            ) as s:
                async for text in s.text_deltas():
                    seen.append(text)

        return go()

    with pytest.raises(e.E2EEDecryptionError):
        driver.run(read)
    assert "".join(seen) == "Enclave", "the first delta (7 bytes) showed; nothing from the tampered one on"


def test_unbound_signature_passes_by_default_and_fails_when_hashes_are_required(
    driver: Driver, enclave_fake: FakeVenice
) -> None:
    assert enclave_fake.enclave is not None
    enclave_fake.enclave.faults.add("unbound_signature")
    _text, stream = driver.stream(model=model_of(enclave_fake), messages=MESSAGES, e2ee=True)
    assert stream.signature.request_bound is True and stream.signature.response_bound is False
    with pytest.raises(e.E2EESignatureError) as caught:
        driver.create(model=model_of(enclave_fake), messages=MESSAGES, e2ee=E2EEOptions(require_signed_hashes=True))
    assert caught.value.check == "signature_unbound"
    assert driver.create(model=model_of(enclave_fake), messages=MESSAGES, e2ee=E2EEOptions(verify_signature=False))
    assert len(enclave_fake.requests_to("GET", "/tee/signature")) == 2


def test_unknown_fault_names_are_refused(enclave_fake: FakeVenice) -> None:
    assert enclave_fake.enclave is not None
    with pytest.raises(ValueError, match="tampre_chunk"):
        enclave_fake.enclave.faults.add("tampre_chunk")
    with pytest.raises(ValueError):
        enclave_fake.enclave.faults.update(["debug", "nope"])
    assert enclave_fake.enclave.faults == {"debug"}


REFUSED = [
    ("tools", {"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}),
    ("tools", {"tool_choice": "auto"}),
    ("web_search", {"venice_parameters": {"enable_web_search": "on"}}),
    ("web_search", {"venice_parameters": {"enable_web_search": "auto"}}),
    ("web_search", {"venice_parameters": {"enable_web_scraping": True}}),
    ("system_prompt", {"venice_parameters": {"include_venice_system_prompt": True}}),
    ("enable_e2ee", {"venice_parameters": {"enable_e2ee": False}}),
    ("logprobs", {"logprobs": True}),
    ("extra_body", {"extra_body": {"messages": [{"role": "user", "content": "in clear"}]}}),
    (
        "multimodal",
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/cat.png"}}]}]},
    ),
    ("plaintext_role", {"messages": [*MESSAGES, {"role": "assistant", "content": "earlier answer"}]}),
    ("plaintext_role", {"messages": [{"role": "tool", "content": "x", "tool_call_id": "1"}]}),
    ("plaintext_role", {"messages": [{"role": "developer", "content": "x"}]}),
    ("messages", {"messages": []}),
]


@pytest.mark.parametrize(("check", "change"), REFUSED, ids=[f"{c}-{i}" for i, (c, _) in enumerate(REFUSED)])
def test_what_e2ee_cannot_carry_is_refused_before_any_network_call(
    driver: Driver, enclave_fake: FakeVenice, check: str, change: dict[str, Any]
) -> None:
    arguments = {"model": model_of(enclave_fake), "messages": MESSAGES, "e2ee": True, **change}
    with pytest.raises(e.E2EEUnsupportedRequestError) as caught:
        driver.create(**arguments)
    assert caught.value.check == check and "nothing was sent" in str(caught.value)
    with pytest.raises(e.E2EEUnsupportedRequestError):
        driver.stream(**arguments)
    assert enclave_fake.requests == []


def test_a_model_suffix_turning_on_web_search_is_refused(driver: Driver, enclave_fake: FakeVenice) -> None:
    with pytest.raises(e.E2EEUnsupportedRequestError) as caught:
        driver.create(model=model_of(enclave_fake) + ":enable_web_search=on", messages=MESSAGES, e2ee=True)
    assert caught.value.check == "web_search" and enclave_fake.requests == []


def test_a_model_without_e2ee_is_refused_after_only_the_models_lookup(driver: Driver, enclave_fake: FakeVenice) -> None:
    for model in ("zai-org-glm-5-1", "no-such-model"):
        with pytest.raises(e.E2EEUnsupportedRequestError) as caught:
            driver.create(model=model, messages=MESSAGES, e2ee=True)
        assert caught.value.check == "model"
    assert {r.path for r in enclave_fake.requests} == {"/models"}


def test_assistant_turns_go_in_clear_only_when_allowed(driver: Driver, enclave_fake: FakeVenice) -> None:
    history = [*MESSAGES, {"role": "assistant", "content": "The earlier answer"}, {"role": "user", "content": "More"}]
    options = E2EEOptions(plaintext_assistant_turns=True)
    completion = driver.create(model=model_of(enclave_fake), messages=history, e2ee=options)
    assert completion.choices[0].message.content == "Enclave heard: More"
    [request] = requests_to_chat(enclave_fake)
    sent = request.json()["messages"]
    assert sent[2] == {"role": "assistant", "content": "The earlier answer"}
    assert PROMPT.encode() not in request.body
    with pytest.raises(e.E2EEUnsupportedRequestError):
        driver.create(
            model=model_of(enclave_fake),
            messages=[*history[:2], {"role": "assistant", "tool_calls": [1]}],
            e2ee=options,
        )


def test_the_verifier_plug_in(driver: Driver, enclave_fake: FakeVenice) -> None:
    model = model_of(enclave_fake)
    seen: list[VerifiedAttestation] = []

    def accept(attested: VerifiedAttestation) -> None:
        seen.append(attested)

    assert driver.create(model=model, messages=MESSAGES, e2ee=E2EEOptions(verifier=accept))
    assert driver.create(model=model, messages=MESSAGES, e2ee=E2EEOptions(verifier=accept))
    assert len(seen) == 1, "run once per cached attestation"
    assert seen[0].attestation.intel_quote and seen[0].nonce == seen[0].attestation.sent_nonce

    def refuse(attested: VerifiedAttestation) -> bool:
        return False

    def explode(attested: VerifiedAttestation) -> None:
        raise RuntimeError("MRTD does not match the published build")

    with pytest.raises(e.E2EEAttestationError) as caught:
        driver.create(model=model, messages=MESSAGES, e2ee=E2EEOptions(verifier=refuse))
    assert caught.value.check == "verifier"
    with pytest.raises(e.E2EEAttestationError, match="MRTD does not match") as caught:
        driver.create(model=model, messages=MESSAGES, e2ee=E2EEOptions(verifier=explode))
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert len(requests_to_chat(enclave_fake)) == 2, "only the two accepted requests went out"


def test_an_async_verifier(driver: Driver, enclave_fake: FakeVenice) -> None:
    calls: list[str] = []

    async def check(attested: VerifiedAttestation) -> bool:
        calls.append(attested.model)
        return attested.signing_address.startswith("0x")

    options = E2EEOptions(verifier=check)
    if driver.is_async:
        assert driver.create(model=model_of(enclave_fake), messages=MESSAGES, e2ee=options)
        assert calls == [model_of(enclave_fake)]
    else:
        with pytest.raises(e.E2EEAttestationError, match="AsyncVenice"):
            driver.create(model=model_of(enclave_fake), messages=MESSAGES, e2ee=options)
        assert requests_to_chat(enclave_fake) == []


def test_private_keys_never_in_a_repr_a_log_or_an_error(
    driver: Driver, enclave_fake: FakeVenice, caplog: pytest.LogCaptureFixture
) -> None:
    assert enclave_fake.enclave is not None
    with caplog.at_level(logging.DEBUG):
        _text, stream = driver.stream(model=model_of(enclave_fake), messages=MESSAGES, e2ee=True)
        enclave_fake.enclave.faults.add("tamper_chunk")
        with pytest.raises(e.E2EEDecryptionError) as caught:
            driver.stream(model=model_of(enclave_fake), messages=MESSAGES, e2ee=True)
    secret = format(stream.session._key._private.private_numbers().private_value, "064x")
    texts = [caplog.text, repr(stream), repr(stream.session), repr(stream.session._key), str(caught.value)]
    texts += [repr(caught.value), repr(stream.signature), repr(stream.session.attested)]
    assert all(secret not in text and secret.upper() not in text for text in texts)
    assert all(PROMPT not in text for text in texts)
