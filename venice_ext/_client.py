"""`Venice` and `AsyncVenice`: one configured httpx client for every operation.

Both build a single httpx client (auth, base URL, timeouts, user agent, the retry
transport) and hand the same client to the generated package as `client.raw`, so
low-level generated calls behave like `client.call(...)`.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

import httpx

from venice_ext._budget import FailureBudget
from venice_ext._config import ClientConfig, resolve_config
from venice_ext._response import APIResponse, warn_if_deprecated
from venice_ext._retry import RetryPolicy
from venice_ext._symbols import AuthenticatedClient, ModelParseError
from venice_ext._transport import EXTENSION, AsyncRetryTransport, RetryTransport, TransportHooks
from venice_ext.errors import ResponseValidationError, connection_error_from, error_from_response, request_id_of

if TYPE_CHECKING:
    from venice_ext._chat import AsyncChat, Chat
    from venice_ext._job_resources import AsyncVideo, Video
    from venice_ext._responses import AsyncResponses, Responses
    from venice_ext._speech import AsyncAudio, Audio

__all__ = ["AsyncVenice", "Operation", "Venice"]

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=32, keepalive_expiry=30.0)


def _environment_proxy(url: httpx.URL) -> str | None:
    """The proxy HTTP(S)_PROXY / ALL_PROXY name for `url`, unless NO_PROXY exempts its host.

    httpx reads these itself only for a client that builds its own transport, and then
    sends proxied requests past ours, retries and all; so ours takes the proxy instead.
    """
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass_environment(url.host, proxies):
        return None
    return proxy


class Operation(Protocol):
    """A generated endpoint module, e.g. `venice_api.api.models.list_models`."""

    METHOD: str
    PATH: str
    SUCCESS_STATUSES: tuple[int, ...]
    request_kwargs: Callable[..., dict[str, Any]]
    parse_response: Callable[..., Any]


class _RawClient(AuthenticatedClient):
    """The generated client, with the key kept out of its repr."""

    def __repr__(self) -> str:
        return f"AuthenticatedClient(base_url={self._base_url!r}, token=<redacted>)"


class _ClientBase:
    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | httpx.URL | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        retry_ambiguous: bool,
        max_retry_wait: float,
        default_headers: Mapping[str, str] | None,
        allow_insecure_http: bool,
        failure_budget: FailureBudget | None,
        hooks: TransportHooks | None,
    ) -> None:
        self._config: ClientConfig = resolve_config(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            default_headers=default_headers,
            allow_insecure_http=allow_insecure_http,
        )
        self.retry_policy = RetryPolicy(
            max_retries=max_retries, retry_ambiguous=retry_ambiguous, max_wait=max_retry_wait
        )
        self.failure_budget = failure_budget or FailureBudget()
        self._hooks = hooks or TransportHooks()

    @property
    def base_url(self) -> httpx.URL:
        return self._config.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._config.timeout

    def _new_raw(self) -> _RawClient:
        return _RawClient(
            base_url=str(self._config.base_url),
            token=self._config.api_key,
            timeout=self._config.timeout,
            raise_on_unexpected_status=False,
        )

    def _adopt(self, client: httpx.Client | httpx.AsyncClient) -> None:
        client.base_url = self._config.base_url
        client.headers.update(self._config.headers)
        client.timeout = self._config.timeout

    def _request_options(
        self,
        operation: Operation,
        kwargs: dict[str, Any],
        *,
        timeout: float | httpx.Timeout | None,
        extra_headers: Mapping[str, str] | None,
        retry_ambiguous: bool | None,
        max_retries: int | None,
    ) -> dict[str, Any]:
        request = operation.request_kwargs(**kwargs)
        if extra_headers:
            request["headers"] = {**request.get("headers", {}), **extra_headers}
        options: dict[str, object] = {}
        if retry_ambiguous is not None:
            options["retry_ambiguous"] = retry_ambiguous
        if max_retries is not None:
            options["max_retries"] = max_retries
        request["extensions"] = {EXTENSION: options}
        if timeout is not None:
            request["timeout"] = timeout
        return request

    def _finish(self, operation: Operation, response: httpx.Response, raw: _RawClient) -> APIResponse[Any]:
        if not 200 <= response.status_code < 300:
            raise error_from_response(response)
        warn_if_deprecated(response.headers)
        try:
            parsed = operation.parse_response(client=raw, response=response)
        except (ModelParseError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ResponseValidationError(
                f"{operation.METHOD} {operation.PATH}: the {response.status_code} answer does not fit the spec: {exc}",
                status_code=response.status_code,
                body=response.content,
                request_id=request_id_of(response.headers),
            ) from exc
        return APIResponse(parsed, response)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={str(self.base_url)!r}, max_retries={self.retry_policy.max_retries})"


class Venice(_ClientBase):
    """Synchronous Venice client.

    `api_key` defaults to $VENICE_API_KEY, `base_url` to $VENICE_BASE_URL, then
    https://api.venice.ai/api/v1. `timeout` is a number (seconds, for every phase)
    or an httpx.Timeout; by default connect 10 s, write 60 s, pool 60 s and read
    600 s between bytes, with no total deadline. `http_client` adopts an existing
    httpx.Client (its base URL, auth headers and timeout are set; pass `transport`
    instead to keep full control of the pool).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        retry_ambiguous: bool = False,
        max_retry_wait: float = 60.0,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        default_headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
        failure_budget: FailureBudget | None = None,
        hooks: TransportHooks | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            max_retry_wait=max_retry_wait,
            default_headers=default_headers,
            allow_insecure_http=allow_insecure_http,
            failure_budget=failure_budget,
            hooks=hooks,
        )
        if http_client is not None:
            # httpx offers no public way to wrap an existing client's transport.
            self._adopt(http_client)
            self._http = http_client
            self._http._transport = self._retrying(transport or http_client._transport)
        else:
            # Handed over at construction: a client built without one makes its own
            # default transport first, loading the CA bundle a second time.
            inner = transport or httpx.HTTPTransport(limits=DEFAULT_LIMITS, proxy=_environment_proxy(self.base_url))
            self._http = httpx.Client(
                base_url=self._config.base_url,
                headers=self._config.headers,
                timeout=self._config.timeout,
                transport=self._retrying(inner),
            )
        self.raw = self._new_raw()
        self.raw.set_httpx_client(self._http)

    def _retrying(self, inner: httpx.BaseTransport) -> RetryTransport:
        return RetryTransport(
            inner,
            policy=self.retry_policy,
            budget=self.failure_budget,
            base_path=self._config.base_url.path,
            hooks=self._hooks,
        )

    @property
    def http_client(self) -> httpx.Client:
        return self._http

    # The resources load on first use, so `import venice_ext` stays quick.
    @cached_property
    def chat(self) -> Chat:
        """Chat completions (create, stream, parse) and the tool-calling loop."""
        from venice_ext._chat import Chat

        return Chat(self)

    @cached_property
    def responses(self) -> Responses:
        """The Responses API (create, stream)."""
        from venice_ext._responses import Responses

        return Responses(self)

    @cached_property
    def audio(self) -> Audio:
        """Queued audio jobs, and `.speech`."""
        from venice_ext._speech import Audio

        return Audio(self)

    @cached_property
    def video(self) -> Video:
        """Video jobs: quote, queue, resume, generate."""
        from venice_ext._job_resources import Video

        return Video(self)

    def call(
        self,
        operation: Operation,
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send a generated operation; the typed 2xx body, or a typed error."""
        return self.call_with_response(
            operation,
            timeout=timeout,
            extra_headers=extra_headers,
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
            **kwargs,
        ).parsed

    def call_with_response(
        self,
        operation: Operation,
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        **kwargs: Any,
    ) -> APIResponse[Any]:
        """Like `call`, with status, headers, request id, rate limits and balances."""
        request = self._request_options(
            operation,
            kwargs,
            timeout=timeout,
            extra_headers=extra_headers,
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
        )
        try:
            response = self._http.request(**request)
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        return self._finish(operation, response, self.raw)

    def _send_stream(self, request: httpx.Request) -> httpx.Response:
        """Send a request whose body will be read as it arrives; a non-2xx answer raises."""
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        if not 200 <= response.status_code < 300:
            try:
                response.read()
            finally:
                response.close()
            raise error_from_response(response)
        warn_if_deprecated(response.headers)
        return response

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncVenice(_ClientBase):
    """Asynchronous twin of `Venice`: the same settings, `await` on every call."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        retry_ambiguous: bool = False,
        max_retry_wait: float = 60.0,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        default_headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
        failure_budget: FailureBudget | None = None,
        hooks: TransportHooks | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_ambiguous=retry_ambiguous,
            max_retry_wait=max_retry_wait,
            default_headers=default_headers,
            allow_insecure_http=allow_insecure_http,
            failure_budget=failure_budget,
            hooks=hooks,
        )
        if http_client is not None:
            self._adopt(http_client)
            self._http = http_client
            self._http._transport = self._retrying(transport or http_client._transport)
        else:
            inner = transport or httpx.AsyncHTTPTransport(
                limits=DEFAULT_LIMITS, proxy=_environment_proxy(self.base_url)
            )
            self._http = httpx.AsyncClient(
                base_url=self._config.base_url,
                headers=self._config.headers,
                timeout=self._config.timeout,
                transport=self._retrying(inner),
            )
        self.raw = self._new_raw()
        self.raw.set_async_httpx_client(self._http)

    def _retrying(self, inner: httpx.AsyncBaseTransport) -> AsyncRetryTransport:
        return AsyncRetryTransport(
            inner,
            policy=self.retry_policy,
            budget=self.failure_budget,
            base_path=self._config.base_url.path,
            hooks=self._hooks,
        )

    @property
    def http_client(self) -> httpx.AsyncClient:
        return self._http

    @cached_property
    def chat(self) -> AsyncChat:
        from venice_ext._chat import AsyncChat

        return AsyncChat(self)

    @cached_property
    def responses(self) -> AsyncResponses:
        from venice_ext._responses import AsyncResponses

        return AsyncResponses(self)

    @cached_property
    def audio(self) -> AsyncAudio:
        from venice_ext._speech import AsyncAudio

        return AsyncAudio(self)

    @cached_property
    def video(self) -> AsyncVideo:
        from venice_ext._job_resources import AsyncVideo

        return AsyncVideo(self)

    async def call(
        self,
        operation: Operation,
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send a generated operation; the typed 2xx body, or a typed error."""
        response = await self.call_with_response(
            operation,
            timeout=timeout,
            extra_headers=extra_headers,
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
            **kwargs,
        )
        return response.parsed

    async def call_with_response(
        self,
        operation: Operation,
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        **kwargs: Any,
    ) -> APIResponse[Any]:
        """Like `call`, with status, headers, request id, rate limits and balances."""
        request = self._request_options(
            operation,
            kwargs,
            timeout=timeout,
            extra_headers=extra_headers,
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
        )
        try:
            response = await self._http.request(**request)
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        return self._finish(operation, response, self.raw)

    async def _send_stream(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        if not 200 <= response.status_code < 300:
            try:
                await response.aread()
            finally:
                await response.aclose()
            raise error_from_response(response)
        warn_if_deprecated(response.headers)
        return response

    async def aclose(self) -> None:
        await self._http.aclose()

    async def close(self) -> None:
        await self.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
