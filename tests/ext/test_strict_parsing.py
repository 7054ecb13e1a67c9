"""`strict_parsing=True` per client and per call: a 2xx body that drifted from the spec raises instead of warning.

The same drifted answer (a number sent as a string) goes to a default client, which
returns it as a DriftedBody, and to a strict one, which raises ResponseValidationError
with the raw body, on both twins (async over httpx and aiohttp), through `call`, a generated resource method and a
`with_options` copy. The environment switch is cleared so only the argument decides.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest

from tests.ext.conftest import API_KEY
from venice_api.api.models import list_models
from venice_ext import AsyncVenice, Venice, aiohttp_transport
from venice_ext import errors as e
from venice_ext._core._drift import STRICT_ENV, DriftedBody, SpecDriftWarning
from venice_ext.testing import FakeVenice, Reply

DRIFTED_MODELS = {"object": "list", "type": "text", "data": [{"id": "m", "created": "not-a-number"}]}


@pytest.fixture(autouse=True)
def _no_strict_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STRICT_ENV, raising=False)


def _script(fake: FakeVenice, times: int) -> None:
    fake.script("GET", "/models", *[Reply(json=DRIFTED_MODELS)] * times)


def _transport(name: str) -> dict[str, Any]:
    return {"transport": aiohttp_transport()} if name == "aiohttp" else {}


def _check_strict(caught: pytest.ExceptionInfo[e.ResponseValidationError]) -> None:
    assert b"not-a-number" in caught.value.body and "GET /models" in str(caught.value)
    assert caught.value.status_code == 200


def test_sync_a_strict_client_raises_where_a_default_one_returns_the_drifted_body(fake: FakeVenice) -> None:
    _script(fake, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecDriftWarning)
        with Venice(api_key=API_KEY, base_url=fake.base_url) as lenient:
            answer: Any = lenient.call(list_models)
    assert isinstance(answer, DriftedBody) and answer.raw["data"][0]["created"] == "not-a-number"
    with Venice(api_key=API_KEY, base_url=fake.base_url, strict_parsing=True) as strict:
        for send in (
            lambda: strict.call(list_models),
            lambda: strict.models.list(),
            lambda: strict.with_options(max_retries=0).call_with_response(list_models),
        ):
            with pytest.raises(e.ResponseValidationError) as caught:
                send()
            _check_strict(caught)
    assert len(fake.requests_to("GET", "/models")) == 4


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
def test_async_a_strict_client_raises_where_a_default_one_returns_the_drifted_body(
    fake: FakeVenice, transport: str
) -> None:
    _script(fake, 4)

    async def main() -> list[object]:
        outcomes: list[object] = []
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, **_transport(transport)) as lenient:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SpecDriftWarning)
                outcomes.append(type(await lenient.call(list_models)))
        async with AsyncVenice(
            api_key=API_KEY, base_url=fake.base_url, strict_parsing=True, **_transport(transport)
        ) as strict:
            for send in (
                lambda: strict.call(list_models),
                lambda: strict.models.list(),
                lambda: strict.with_options(max_retries=0).call_with_response(list_models),
            ):
                try:
                    await send()
                except e.ResponseValidationError as exc:
                    assert b"not-a-number" in exc.body
                    outcomes.append(type(exc))
        return outcomes

    assert asyncio.run(main()) == [DriftedBody, *[e.ResponseValidationError] * 3]
    assert len(fake.requests_to("GET", "/models")) == 4


def _lenient(answer: Any) -> bool:
    return isinstance(answer, DriftedBody) or isinstance(getattr(answer, "parsed", None), DriftedBody)


def test_sync_strict_parsing_per_call_wins_over_the_clients(fake: FakeVenice) -> None:
    """Through call, call_with_response, a generated method (and its raw twin) and with_options."""
    _script(fake, 14)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecDriftWarning)
        with Venice(api_key=API_KEY, base_url=fake.base_url) as lenient:
            for send in (
                lambda: lenient.call(list_models, strict_parsing=True),
                lambda: lenient.call_with_response(list_models, strict_parsing=True),
                lambda: lenient.models.list(strict_parsing=True),
                lambda: lenient.models.with_raw_response.list(strict_parsing=True),
                lambda: lenient.with_options(strict_parsing=True).call(list_models),
                lambda: lenient.with_options(strict_parsing=True).models.list(),
            ):
                with pytest.raises(e.ResponseValidationError) as caught:
                    send()
                _check_strict(caught)
            assert _lenient(lenient.with_options(strict_parsing=True).call(list_models, strict_parsing=False))
        with Venice(api_key=API_KEY, base_url=fake.base_url, strict_parsing=True) as strict:
            for answer in (
                strict.call(list_models, strict_parsing=False),
                strict.call_with_response(list_models, strict_parsing=False),
                strict.models.list(strict_parsing=False),
                strict.models.with_raw_response.list(strict_parsing=False),
                strict.with_options(strict_parsing=False).call(list_models),
                strict.with_options(strict_parsing=False).models.list(),
            ):
                assert _lenient(answer)
            with pytest.raises(e.ResponseValidationError):
                strict.with_options(max_retries=1).models.list()
    assert len(fake.requests_to("GET", "/models")) == 14


@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
def test_async_strict_parsing_per_call_wins_over_the_clients(fake: FakeVenice, transport: str) -> None:
    _script(fake, 10)

    async def main() -> list[str]:
        outcomes: list[str] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SpecDriftWarning)
            async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, **_transport(transport)) as lenient:
                for send in (
                    lambda: lenient.call(list_models, strict_parsing=True),
                    lambda: lenient.call_with_response(list_models, strict_parsing=True),
                    lambda: lenient.models.list(strict_parsing=True),
                    lambda: lenient.models.with_raw_response.list(strict_parsing=True),
                    lambda: lenient.with_options(strict_parsing=True).models.list(),
                ):
                    try:
                        await send()
                    except e.ResponseValidationError as exc:
                        assert b"not-a-number" in exc.body
                        outcomes.append("raised")
            async with AsyncVenice(
                api_key=API_KEY, base_url=fake.base_url, strict_parsing=True, **_transport(transport)
            ) as strict:
                for send in (
                    lambda: strict.call(list_models, strict_parsing=False),
                    lambda: strict.call_with_response(list_models, strict_parsing=False),
                    lambda: strict.models.list(strict_parsing=False),
                    lambda: strict.models.with_raw_response.list(strict_parsing=False),
                    lambda: strict.with_options(strict_parsing=False).models.list(),
                ):
                    outcomes.append("drifted" if _lenient(await send()) else "?")
        return outcomes

    assert asyncio.run(main()) == ["raised"] * 5 + ["drifted"] * 5
    assert len(fake.requests_to("GET", "/models")) == 10
