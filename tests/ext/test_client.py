"""Venice / AsyncVenice: configuration, response metadata, deprecation warnings, security."""

from __future__ import annotations

import asyncio
import gc
import logging
import warnings

import httpx
import pytest

from tests.ext.conftest import API_KEY, FakeClock
from venice_api.api.chat import create_chat_completion
from venice_api.api.models import list_models
from venice_api.models import ChatCompletionRequest, ListModelsResponse
from venice_ext import (
    DEFAULT_BASE_URL,
    AsyncVenice,
    ConfigurationError,
    ModelDeprecationWarning,
    Venice,
)
from venice_ext import errors as e
from venice_ext.testing import FakeVenice, Reply, Reset

CHAT_BODY = ChatCompletionRequest.from_dict({"model": "m", "messages": [{"role": "user", "content": "hi"}]})


def test_key_and_base_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VENICE_API_KEY", "env-key")
    monkeypatch.delenv("VENICE_BASE_URL", raising=False)
    with Venice() as client:
        assert str(client.base_url) == DEFAULT_BASE_URL + "/"
        assert client.http_client.headers["authorization"] == "Bearer env-key"
    monkeypatch.setenv("VENICE_BASE_URL", "http://127.0.0.1:9/api/v1")
    with Venice() as client:
        assert str(client.base_url) == "http://127.0.0.1:9/api/v1/"


def test_no_key_anywhere_is_a_clear_error_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VENICE_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="VENICE_API_KEY"):
        Venice()
    with pytest.raises(ConfigurationError):
        AsyncVenice(api_key="  ")


@pytest.mark.parametrize("url", ["http://api.example.com/api/v1", "http://10.0.0.5/api/v1"])
def test_plain_http_to_another_host_is_refused_unless_allowed(url: str) -> None:
    with pytest.raises(ConfigurationError, match="unencrypted"):
        Venice(api_key="k", base_url=url)
    Venice(api_key="k", base_url=url, allow_insecure_http=True).close()


@pytest.mark.parametrize("url", ["http://localhost:8080/api/v1", "http://127.0.0.1/api/v1", "http://[::1]:1/api"])
def test_plain_http_to_loopback_is_fine(url: str) -> None:
    Venice(api_key="k", base_url=url).close()


def test_timeouts_are_per_phase_with_no_total_deadline() -> None:
    with Venice(api_key="k") as client:
        timeout = client.http_client.timeout
        assert (timeout.connect, timeout.write, timeout.pool) == (10.0, 60.0, 60.0)
        assert timeout.read == 600.0
    with Venice(api_key="k", timeout=httpx.Timeout(5, read=30)) as client:
        assert client.http_client.timeout.read == 30


def test_default_headers_and_user_agent(fake: FakeVenice) -> None:
    with Venice(api_key=API_KEY, base_url=fake.base_url, default_headers={"X-App": "demo"}) as client:
        client.call(list_models)
    [request] = fake.requests
    assert request.headers["x-app"] == "demo"
    assert request.headers["user-agent"].startswith("venice-client/")


def test_call_with_response_reports_the_headers(fake: FakeVenice, client: Venice) -> None:
    headers = {
        "x-request-id": "req-1",
        "x-ratelimit-remaining-requests": "41",
        "x-ratelimit-limit-requests": "50",
        "x-ratelimit-reset-requests": "1760000060",
        "x-ratelimit-remaining-tokens": "9000",
        "x-ratelimit-reset-tokens": "2.5",
        "x-venice-balance-usd": "3.25",
        "x-venice-balance-diem": "1.5",
        "x-venice-model-id": "venice-uncensored",
        "x-venice-model-name": "Venice Uncensored",
    }
    fake.script("GET", "/models", Reply(json={"object": "list", "type": "text", "data": []}, headers=headers))
    response = client.call_with_response(list_models)
    assert isinstance(response.parsed, ListModelsResponse)
    assert response.status_code == 200
    assert response.request_id.startswith("fake-")  # CF-RAY wins over X-Request-ID
    assert response.rate_limits.remaining_requests == 41 and response.rate_limits.reset_tokens_in == 2.5
    assert response.rate_limits.reset_requests_at == 1760000060.0
    assert (response.balances.usd, response.balances.diem, response.balances.vcu) == (3.25, 1.5, None)
    assert (response.model_id, response.model_name) == ("venice-uncensored", "Venice Uncensored")


def test_deprecation_warning_once_per_model_per_process(fake: FakeVenice, client: Venice) -> None:
    def deprecated(model: str) -> Reply:
        return Reply(
            json={"object": "list", "type": "text", "data": []},
            headers={"x-venice-model-deprecation-warning": "retiring soon", "x-venice-model-id": model},
        )

    fake.script("GET", "/models", deprecated("old-model-a"), deprecated("old-model-a"), deprecated("old-model-b"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            client.call(list_models)
    messages = [str(w.message) for w in caught if issubclass(w.category, ModelDeprecationWarning)]
    assert messages == ["model old-model-a: retiring soon", "model old-model-b: retiring soon"]


def test_errors_are_typed_and_name_the_request(fake: FakeVenice, client: Venice) -> None:
    fake.script(
        "POST", "/chat/completions", Reply(404, json={"error": "Specified model not found", "code": "MODEL_NOT_FOUND"})
    )
    with pytest.raises(e.NotFoundError) as caught:
        client.call(create_chat_completion, body=CHAT_BODY)
    assert caught.value.code == "MODEL_NOT_FOUND"
    assert str(caught.value).startswith("404 MODEL_NOT_FOUND: Specified model not found (request id fake-")


def test_a_2xx_body_that_does_not_fit_the_spec_raises_with_the_raw_body_in_strict_mode(
    fake: FakeVenice, client: Venice, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VENICE_STRICT_PARSING", "1")
    fake.script("GET", "/models", Reply(json={"object": "list", "data": "not-a-list"}))
    with pytest.raises(e.ResponseValidationError) as caught:
        client.call(list_models)
    assert b"not-a-list" in caught.value.body and "GET /models" in str(caught.value)


def test_async_twin(fake: FakeVenice, clock: FakeClock) -> None:
    async def main() -> tuple[object, int]:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            fake.script("GET", "/models", Reply(429, json={"error": "x"}, headers={"Retry-After": "1"}))
            models = await client.call(list_models)
            response = await client.call_with_response(list_models)
            return models, response.status_code

    models, status = asyncio.run(main())
    assert isinstance(models, ListModelsResponse) and status == 200
    assert len(fake.requests_to("GET", "/models")) == 3 and clock.sleeps == [1.0]


def test_close_releases_the_pool(fake: FakeVenice) -> None:
    client = Venice(api_key=API_KEY, base_url=fake.base_url)
    client.call(list_models)
    client.close()
    with pytest.raises(RuntimeError):
        client.http_client.get("models")


def test_adopting_an_httpx_client_keeps_retries_and_auth(fake: FakeVenice, clock: FakeClock) -> None:
    mine = httpx.Client()
    fake.script("GET", "/models", Reply(503, json={"error": "busy"}))
    with Venice(api_key=API_KEY, base_url=fake.base_url, http_client=mine, hooks=clock.hooks()) as client:
        assert client.http_client is mine
        assert isinstance(client.call(list_models), ListModelsResponse)
    assert len(fake.requests_to("GET", "/models")) == 2


SECRET = "sk-venice-MARKER-7f3a9c1e"


def test_the_key_never_leaks_into_reprs_logs_or_errors(
    fake: FakeVenice, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    fake.api_key = SECRET
    seen: list[str] = []
    with caplog.at_level(logging.DEBUG):
        client = Venice(api_key=SECRET, base_url=fake.base_url, hooks=clock.hooks())
        seen += [repr(client), str(client), repr(client.raw), repr(client.http_client.headers), repr(client._config)]
        fake.script(
            "POST",
            "/chat/completions",
            Reply(503, json={"error": "busy"}),
            Reply(400, json={"error": "Invalid request parameters"}),
        )
        fake.script("GET", "/models", Reset(), Reply(401, json={"error": "Authentication failed"}))
        for call in (lambda: client.call(create_chat_completion, body=CHAT_BODY), lambda: client.call(list_models)):
            with pytest.raises(e.VeniceError) as caught:
                call()
            error = caught.value
            seen += [str(error), repr(error), repr(vars(error)), repr(error.__cause__), repr(error.__context__)]
        with pytest.raises(e.APIConnectionError) as refused:
            Venice(api_key=SECRET, base_url="http://127.0.0.1:9/api/v1", max_retries=0).call(list_models)
        seen += [str(refused.value), repr(refused.value.__cause__)]
        client.close()
    seen += [record.getMessage() for record in caplog.records] + [repr(r.__dict__) for r in caplog.records]
    gc.collect()
    assert caplog.records, "DEBUG logging of httpx/httpcore must have produced records to search"
    leaks = [text for text in seen if SECRET in text]
    assert leaks == []
    assert any(r.headers.get("authorization") == f"Bearer {SECRET}" for r in fake.requests), "the key did travel"


def test_async_client_over_the_aiohttp_transport_keeps_the_retry_policy(fake: FakeVenice, clock: FakeClock) -> None:
    from venice_ext import aiohttp_transport

    async def main() -> object:
        transport = aiohttp_transport()
        async with AsyncVenice(
            api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks(), transport=transport
        ) as client:
            fake.script("GET", "/models", Reply(503, json={"error": "busy"}))
            return await client.call(list_models)

    assert isinstance(asyncio.run(main()), ListModelsResponse)
    assert len(fake.requests_to("GET", "/models")) == 2 and clock.sleeps == [0.375]


def test_proxies_from_the_environment_carry_the_requests_and_their_retries(
    fake: FakeVenice, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake answers as the proxy: an absolute-form request line names the real target.
    target = "http://venice.invalid/api/v1/models"
    fake.script("GET", target, Reply(503), Reply(200, json={"object": "list", "type": "text", "data": []}))
    monkeypatch.setenv("HTTP_PROXY", fake.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with Venice(
        api_key=API_KEY, base_url="http://venice.invalid/api/v1", allow_insecure_http=True, hooks=clock.hooks()
    ) as client:
        assert isinstance(client.call(list_models), ListModelsResponse)
    assert [request.path for request in fake.requests] == [target, target], "the retry went through the proxy too"
    # NO_PROXY exempts a host: a proxy nobody listens on is then never tried.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with Venice(api_key=API_KEY, base_url=fake.base_url, max_retries=0) as client:
        assert isinstance(client.call(list_models), ListModelsResponse)


NOT_GZIP = b"this is not gzip at all"


@pytest.mark.parametrize("status", [200, 400, 503])
@pytest.mark.parametrize("transport", ["httpx", "aiohttp"])
def test_a_body_that_is_not_the_gzip_it_declares_is_a_typed_error(
    fake: FakeVenice, clock: FakeClock, status: int, transport: str
) -> None:
    reply = Reply(
        status, body=NOT_GZIP, headers={"content-encoding": "gzip", "cf-ray": "ray-gz"}, content_type="application/json"
    )
    fake.script("GET", "/models", *[reply] * 4)
    expected = e.ResponseValidationError if status == 200 else e.APIStatusError
    from venice_ext import aiohttp_transport

    error: BaseException
    if transport == "httpx":
        with (
            Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks(), max_retries=0) as client,
            pytest.raises(expected) as caught,
        ):
            client.call(list_models)
        error = caught.value
    else:

        async def run() -> BaseException:
            async with AsyncVenice(
                api_key=API_KEY,
                base_url=fake.base_url,
                hooks=clock.hooks(),
                max_retries=0,
                transport=aiohttp_transport(),
            ) as client:
                with pytest.raises(expected) as caught:
                    await client.call(list_models)
                return caught.value

        error = asyncio.run(run())
    assert getattr(error, "status_code", None) == status and getattr(error, "request_id", None) == "ray-gz"
    assert "Content-Encoding" in str(error)


@pytest.mark.parametrize("key", [f"{API_KEY}\u200b", f"\u201c{API_KEY}\u201d", f"{API_KEY}é"])
def test_a_key_with_a_character_headers_cannot_carry_is_refused_without_showing_it(key: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Venice(api_key=key, base_url="http://127.0.0.1:9/api/v1")
    assert API_KEY not in str(caught.value) and API_KEY not in repr(caught.value)
    assert "position" in str(caught.value)


def test_userinfo_in_the_base_url_is_refused_without_showing_the_password() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Venice(api_key=API_KEY, base_url="https://user:hunter2-pw@api.venice.ai/api/v1")
    assert "hunter2" not in str(caught.value) and "user name or password" in str(caught.value)


def test_an_invalid_header_is_a_local_typed_error_that_sends_nothing(fake: FakeVenice, clock: FakeClock) -> None:
    with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
        before = len(fake.requests)
        for bad in ({"X-Note": "caf\u00e9"}, {"X-Note": "a\r\nInjected: 1"}, {"Bad Name": "x"}):
            with pytest.raises(e.RequestValidationError) as caught:
                client.call(list_models, extra_headers=bad)
            assert "connection failed" not in str(caught.value)
        assert len(fake.requests) == before
        assert client.failure_budget.failures(clock.now) == 0
    with pytest.raises(ConfigurationError):
        Venice(api_key=API_KEY, base_url=fake.base_url, default_headers={"X-Note": "caf\u00e9"})


def test_repr_of_a_client_whose_constructor_failed_does_not_raise() -> None:
    half = Venice.__new__(Venice)
    with pytest.raises(ConfigurationError):
        half.__init__(api_key="", base_url="http://127.0.0.1:9/api/v1")  # type: ignore[misc]
    assert "not configured" in repr(half)
    assert "not configured" in repr(AsyncVenice.__new__(AsyncVenice))


def _drifted_chat_reply() -> dict[str, object]:
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "finish_reason": "stop", "logprobs": None, "message": {"role": "assistant", "content": "hi"}}
        ],
        "usage": {"prompt_tokens": "1", "completion_tokens": 1, "total_tokens": 2},
    }


def test_a_2xx_body_that_drifted_from_the_spec_is_returned_as_read_with_one_warning_per_path(
    fake: FakeVenice, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from venice_ext._core import _drift

    monkeypatch.delenv("VENICE_STRICT_PARSING", raising=False)
    monkeypatch.setattr(_drift, "_warned", set())
    fake.script("POST", "/chat/completions", *[Reply(json=_drifted_chat_reply())] * 2)

    async def twice_async() -> list[object]:
        async with AsyncVenice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            return [await client.call(create_chat_completion, body=CHAT_BODY)]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Venice(api_key=API_KEY, base_url=fake.base_url, hooks=clock.hooks()) as client:
            answers: list[object] = [client.call(create_chat_completion, body=CHAT_BODY)]
        answers += asyncio.run(twice_async())
    drift = [w for w in caught if issubclass(w.category, _drift.SpecDriftWarning)]
    assert len(drift) == 1, [str(w.message) for w in caught]
    assert "usage.prompt_tokens" in str(drift[0].message) and "venice spec diff" in str(drift[0].message)
    for answer in answers:
        assert isinstance(answer, _drift.DriftedBody)
        assert answer.choices[0].message.content == "hi" and answer.object_ == "chat.completion"
        assert answer.raw["usage"]["prompt_tokens"] == "1"
        with pytest.raises(AttributeError, match="venice_parameters"):
            _ = answer.venice_parameters
    assert len(fake.requests_to("POST", "/chat/completions")) == 2
