"""The generated resources, every method through a recording requester.

A method must hand the requester its endpoint module, the parameters under the
names `request_kwargs` takes, the body fields under their JSON names, and only what
the caller gave; and return what the requester returned.
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
import warnings
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.generated._resources import (
    CONFIG,
    OPTION_NAMES,
    SPEC,
    AsyncClient,
    AsyncRecorder,
    Case,
    Client,
    Recorder,
    cases,
    resolve,
)
from venice_api.models import ChatCompletionRequestStreamOptions
from venice_api.types import UNSET

CASES = cases()
ALL_OPTIONS: dict[str, Any] = {
    "timeout": httpx.Timeout(3.0),
    "max_retries": 0,
    "retry_ambiguous": True,
    "deadline": 30.0,
    "strict_parsing": True,
    "extra_headers": {"X-Test": "1"},
    "extra_query": {"q": "1"},
    "extra_body": {"future": True},
}


def _call(case: Case, recorder: Recorder, kwargs: dict[str, Any], *, raw: bool = False) -> Any:
    is_async = isinstance(recorder, AsyncRecorder)
    root = (AsyncClient if is_async else Client)(recorder)
    owner, name = case.dotted.rsplit(".", 1)
    resource = resolve(root, owner)
    method = getattr(resource.with_raw_response if raw else resource, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        result = method(**kwargs)
        return asyncio.run(result) if is_async else result


def _sentinels(case: Case, *, everything: bool) -> dict[str, object]:
    return {a.argument: object() for a in case.arguments if a.required or everything}


def _expected(case: Case, given: dict[str, object]) -> tuple[dict[str, object], dict[str, object] | None]:
    params = {a.key: given[a.argument] for a in case.arguments if not a.in_body and a.argument in given}
    body = {a.key: given[a.argument] for a in case.arguments if a.in_body and a.argument in given}
    return params, (body if case.has_body else None)


def test_the_table_names_every_operation_of_the_spec() -> None:
    assert len(CASES) == 49
    assert sorted(case.operation_id for case in CASES) == sorted(CONFIG["operations"])


@pytest.mark.parametrize("recorder_type", [Recorder, AsyncRecorder])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_required_arguments_only(case: Case, recorder_type: type[Recorder]) -> None:
    recorder = recorder_type()
    given = _sentinels(case, everything=False)
    assert _call(case, recorder, given) is case.returned(recorder.result)
    [call] = recorder.calls
    assert (call.kind, call.operation) == ("request", case.module)
    assert (call.params, call.body) == _expected(case, given)
    assert call.options == {}


@pytest.mark.parametrize("recorder_type", [Recorder, AsyncRecorder])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_every_argument_and_option(case: Case, recorder_type: type[Recorder]) -> None:
    recorder = recorder_type()
    given = _sentinels(case, everything=True)
    assert _call(case, recorder, {**given, **ALL_OPTIONS}) is case.returned(recorder.result)
    [call] = recorder.calls
    assert (call.params, call.body) == _expected(case, given)
    assert call.options == ALL_OPTIONS


@pytest.mark.parametrize("recorder_type", [Recorder, AsyncRecorder])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_with_raw_response_calls_request_raw(case: Case, recorder_type: type[Recorder]) -> None:
    recorder = recorder_type()
    given = _sentinels(case, everything=False)
    assert _call(case, recorder, {**given, "max_retries": 1}, raw=True) is recorder.raw
    [call] = recorder.calls
    assert (call.kind, call.operation, call.options) == ("request_raw", case.module, {"max_retries": 1})
    assert (call.params, call.body) == _expected(case, given)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_signature_is_the_spec_s_arguments_then_the_options(case: Case) -> None:
    method = resolve(Client(Recorder()), case.dotted)
    parameters = list(inspect.signature(method).parameters.values())
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)
    names = [p.name for p in parameters]
    assert names[-len(OPTION_NAMES) :] == list(OPTION_NAMES)
    assert sorted(names[: -len(OPTION_NAMES)]) == sorted(a.argument for a in case.arguments)
    required = {p.name for p in parameters if p.default is inspect.Parameter.empty}
    assert required == {a.argument for a in case.arguments if a.required}
    assert all(p.default is UNSET for p in parameters if p.name not in required and p.name not in OPTION_NAMES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_an_unknown_argument_is_a_type_error_before_anything_is_sent(case: Case) -> None:
    recorder = Recorder()
    with pytest.raises(TypeError, match="bogus_argument"):
        _call(case, recorder, {**_sentinels(case, everything=False), "bogus_argument": 1})
    assert recorder.calls == []


def _public_methods(resource: Any) -> list[tuple[str, Any]]:
    found = []
    for name in dir(type(resource)):
        if name.startswith("_") or name == "with_raw_response":
            continue
        attribute = getattr(resource, name)
        if inspect.ismethod(attribute):
            found.append((name, attribute))
        else:
            found.extend((f"{name}.{sub}", method) for sub, method in _public_methods(attribute))
    return found


def test_every_operation_has_exactly_one_method() -> None:
    recorder = Recorder()
    client = Client(recorder)
    families = [name for name in dir(Client) if not name.startswith("_")]
    called: Counter[tuple[str, str]] = Counter()
    for family in families:
        for _dotted, method in _public_methods(getattr(client, family)):
            required = {p.name: object() for p in inspect.signature(method).parameters.values() if p.default is p.empty}
            recorder.calls.clear()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                method(**required)
            [call] = recorder.calls
            called[(call.operation.METHOD, call.operation.PATH)] += 1
    in_spec = {(method.upper(), path) for path, item in SPEC["paths"].items() for method in item}
    assert set(called) == in_spec
    assert set(called.values()) == {1}


def test_nested_resources_reach_the_same_methods_raw_either_way() -> None:
    recorder = Recorder()
    client = Client(recorder)
    client.audio.with_raw_response.transcriptions.create(file=b"RIFF")
    client.audio.transcriptions.with_raw_response.create(file=b"RIFF")
    assert [call.kind for call in recorder.calls] == ["request_raw", "request_raw"]
    assert recorder.calls[0].operation is recorder.calls[1].operation
    assert client.audio.transcriptions is client.audio.transcriptions, "sub-resources are built once"


def test_the_deprecated_billing_usage_warns_with_its_replacement() -> None:
    with pytest.warns(DeprecationWarning, match=r"2026-09-16.*billing\.usage_history\(\)") as caught:
        Client(Recorder()).billing.usage()
    assert caught[0].filename == __file__, "the warning points at the caller"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Client(Recorder()).billing.usage_history()


def test_models_and_dates_reach_the_requester_as_json() -> None:
    recorder = Recorder()
    Client(recorder).chat.completions.create(
        model="m",
        messages=({"role": "user", "content": "hi"},),
        stream_options=ChatCompletionRequestStreamOptions(include_usage=True),
    )
    assert recorder.calls[0].body == {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "stream_options": {"include_usage": True},
    }
    Client(recorder).api_keys.create(
        apiKeyType="INFERENCE", description="d", expiresAt=datetime.datetime(2027, 1, 2, 3, 4, 5)
    )
    assert recorder.calls[1].body is not None
    assert recorder.calls[1].body["expiresAt"] == "2027-01-02T03:04:05"


def test_file_fields_are_passed_as_given() -> None:
    recorder = Recorder()
    payload = b"\x89PNG"
    Client(recorder).images.upscale(image=payload, scale=2)
    assert recorder.calls[0].body == {"image": payload, "scale": 2}
