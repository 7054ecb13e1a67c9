"""The requester behind every `Venice` and `AsyncVenice`: send, parse, map errors.

One instance per client (and per `with_options` copy, sharing the same pool),
holding the configured httpx client, the generated client, the transport hooks and
the default per-call options. Resources reach it only through the `Requester` protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx

from venice_ext._core._api_response import APIResponse, warn_if_deprecated
from venice_ext._core._bodies import _bodies, operation_body, split_call_arguments
from venice_ext._core._config import header_problem
from venice_ext._core._drift import drifted_or_raise
from venice_ext._core._errors_from import (
    connection_error_from,
    error_from_response,
    undecodable_body_error,
)
from venice_ext._core._requester import Operation, RequestOptions
from venice_ext._core._symbols import ModelParseError
from venice_ext._core._transport import EXTENSION, TransportHooks
from venice_ext.errors import RequestValidationError

if TYPE_CHECKING:
    from venice_api.client import AuthenticatedClient

__all__ = ["AsyncSender", "Sender", "call_request", "http_request"]

T = TypeVar("T")

_OPTION_NAMES = (
    "timeout",
    "max_retries",
    "retry_ambiguous",
    "deadline",
    "strict_parsing",
    "extra_headers",
    "extra_query",
    "extra_body",
)


# The per-call options that travel in the request's extensions: the retry transport reads
# the first three, the sender's parse `strict_parsing`.
_TRANSPORT_OPTIONS: tuple[Literal["retry_ambiguous", "max_retries", "deadline", "strict_parsing"], ...] = (
    "retry_ambiguous",
    "max_retries",
    "deadline",
    "strict_parsing",
)


def options_of(**given: Any) -> RequestOptions:
    """The options among `given` that were set (None means not given, except for a timeout)."""
    options: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    return options  # type: ignore[return-value]  # keys are checked by the callers' signatures


def http_request(
    operation: Operation[Any], params: Mapping[str, Any], body: Any, options: RequestOptions
) -> dict[str, Any]:
    """The keyword arguments for `httpx.Client.request` that send `operation` with these options."""
    kwargs = dict(params)
    if body is not None:
        kwargs["body"] = body
    request: dict[str, Any] = operation.request_kwargs(**kwargs)
    extra_headers = options.get("extra_headers")
    if extra_headers:
        request["headers"] = {**request.get("headers", {}), **extra_headers}
    for name, value in (request.get("headers") or {}).items():
        if problem := header_problem(name, value):
            raise RequestValidationError(problem)
    extra_query = options.get("extra_query")
    if extra_query:
        request["params"] = {**(request.get("params") or {}), **extra_query}
    transport_options = {name: options[name] for name in _TRANSPORT_OPTIONS if name in options}
    request["extensions"] = {EXTENSION: transport_options}
    if "timeout" in options:
        request["timeout"] = options["timeout"]
    return request


def generated_request(
    operation: Operation[Any], params: Mapping[str, Any], body: Mapping[str, Any] | None, options: RequestOptions
) -> dict[str, Any]:
    """`http_request` for what a generated resource method hands over: body fields as JSON."""
    model = operation_body(operation, body, options.get("extra_body")) if body is not None else None
    return http_request(operation, params, model, options)


def call_request(operation: Operation[Any], options: RequestOptions, kwargs: dict[str, Any]) -> dict[str, Any]:
    """`http_request` for `client.call(operation, ...)`: the body as a model, a dict, or keyword fields."""
    body = kwargs.pop("body", None)
    params, fields = split_call_arguments(operation, kwargs)
    name = getattr(operation, "OPERATION_ID", getattr(operation, "__name__", "call"))
    if fields and (body is not None or not _bodies(operation)):
        raise RequestValidationError(
            f"{name}: unknown parameter(s) {', '.join(sorted(fields))}"
            + ("; give the body either as body= or as keyword fields" if body is not None else "")
        )
    if isinstance(body, Mapping) or (body is None and fields):
        body = operation_body(operation, body if body is not None else fields, options.get("extra_body"))
    elif body is not None:
        for key, value in (options.get("extra_body") or {}).items():
            body[key] = value
    return http_request(operation, params, body, options)


def finish(operation: Operation[T], response: httpx.Response, *, strict: bool = False) -> APIResponse[T]:
    """The typed answer to a read response, or the typed error it stands for (`strict`: drift too)."""
    if not 200 <= response.status_code < 300:
        raise error_from_response(response)
    warn_if_deprecated(response.headers)
    parsed: Any
    try:
        parsed = operation.parse_success(response)
    except (ModelParseError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        parsed = drifted_or_raise(operation.METHOD, operation.PATH, response, exc, strict=strict)
    return APIResponse(parsed, response)


def _strict(request: Mapping[str, Any], client_strict: bool) -> bool:
    """The call's `strict_parsing`, else the client's."""
    strict = request.get("extensions", {}).get(EXTENSION, {}).get("strict_parsing")
    return strict if isinstance(strict, bool) else client_strict


def merged(defaults: RequestOptions, options: RequestOptions) -> RequestOptions:
    if not defaults:
        return options
    combined: dict[str, Any] = {**defaults, **options}
    for name in ("extra_headers", "extra_query", "extra_body"):
        if name in defaults and name in options:
            combined[name] = {**defaults[name], **options[name]}
    return combined  # type: ignore[return-value]


def apply_defaults(request: httpx.Request, defaults: RequestOptions) -> None:
    """The client's default options (from `with_options`) on a request built by hand."""
    for key, value in (defaults.get("extra_headers") or {}).items():
        request.headers.setdefault(key, value)
    options = request.extensions.get(EXTENSION)
    if isinstance(options, dict):
        for name in _TRANSPORT_OPTIONS:
            if name in defaults:
                options.setdefault(name, defaults[name])


# unasync: begin async source
class AsyncSender:
    """Implements `AsyncRequester` over one configured httpx client."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        raw: AuthenticatedClient,
        hooks: TransportHooks,
        defaults: RequestOptions | None = None,
        *,
        strict_parsing: bool = False,
    ) -> None:
        self._http = http
        self._raw = raw
        self._hooks = hooks
        self._defaults: RequestOptions = defaults or {}
        self._strict_parsing = strict_parsing

    def with_defaults(self, options: RequestOptions) -> AsyncSender:
        """A sender on the same pool whose calls default to `options`."""
        return AsyncSender(
            self._http, self._raw, self._hooks, merged(self._defaults, options), strict_parsing=self._strict_parsing
        )

    @property
    def http_client(self) -> httpx.AsyncClient:
        return self._http

    @property
    def hooks(self) -> TransportHooks:
        return self._hooks

    @property
    def defaults(self) -> RequestOptions:
        return self._defaults

    async def request(
        self,
        operation: Operation[T],
        /,
        *,
        params: Mapping[str, Any],
        body: Mapping[str, Any] | None,
        options: RequestOptions,
    ) -> T:
        response = await self.request_raw(operation, params=params, body=body, options=options)
        return response.parsed

    async def request_raw(
        self,
        operation: Operation[T],
        /,
        *,
        params: Mapping[str, Any],
        body: Mapping[str, Any] | None,
        options: RequestOptions,
    ) -> APIResponse[T]:
        options = merged(self._defaults, options)
        return await self._send(operation, generated_request(operation, params, body, options))

    async def call(
        self,
        operation: Operation[T],
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> T:
        response = await self.call_with_response(
            operation,
            timeout=timeout,
            extra_headers=extra_headers,
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_query=extra_query,
            extra_body=extra_body,
            **kwargs,
        )
        return response.parsed

    async def call_with_response(
        self,
        operation: Operation[T],
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> APIResponse[T]:
        options = merged(
            self._defaults,
            options_of(
                timeout=timeout,
                extra_headers=extra_headers,
                retry_ambiguous=retry_ambiguous,
                max_retries=max_retries,
                deadline=deadline,
                strict_parsing=strict_parsing,
                extra_query=extra_query,
                extra_body=extra_body,
            ),
        )
        return await self._send(operation, call_request(operation, options, kwargs))

    async def _send(self, operation: Operation[T], request: dict[str, Any]) -> APIResponse[T]:
        try:
            response = await self._http.send(self._http.build_request(**request), stream=True)
            try:
                await response.aread()
            except httpx.DecodingError as exc:
                raise undecodable_body_error(response, exc) from exc
            finally:
                await response.aclose()
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        return finish(operation, response, strict=_strict(request, self._strict_parsing))

    async def send_stream(self, request: httpx.Request) -> httpx.Response:
        apply_defaults(request, self._defaults)
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        if not 200 <= response.status_code < 300:
            try:
                await response.aread()
            except httpx.DecodingError as exc:
                raise undecodable_body_error(response, exc) from exc
            finally:
                await response.aclose()
            raise error_from_response(response)
        warn_if_deprecated(response.headers)
        return response


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class Sender:
    """Implements `Requester` over one configured httpx client."""

    def __init__(
        self,
        http: httpx.Client,
        raw: AuthenticatedClient,
        hooks: TransportHooks,
        defaults: RequestOptions | None = None,
        *,
        strict_parsing: bool = False,
    ) -> None:
        self._http = http
        self._raw = raw
        self._hooks = hooks
        self._defaults: RequestOptions = defaults or {}
        self._strict_parsing = strict_parsing

    def with_defaults(self, options: RequestOptions) -> Sender:
        """A sender on the same pool whose calls default to `options`."""
        return Sender(
            self._http, self._raw, self._hooks, merged(self._defaults, options), strict_parsing=self._strict_parsing
        )

    @property
    def http_client(self) -> httpx.Client:
        return self._http

    @property
    def hooks(self) -> TransportHooks:
        return self._hooks

    @property
    def defaults(self) -> RequestOptions:
        return self._defaults

    def request(
        self,
        operation: Operation[T],
        /,
        *,
        params: Mapping[str, Any],
        body: Mapping[str, Any] | None,
        options: RequestOptions,
    ) -> T:
        response = self.request_raw(operation, params=params, body=body, options=options)
        return response.parsed

    def request_raw(
        self,
        operation: Operation[T],
        /,
        *,
        params: Mapping[str, Any],
        body: Mapping[str, Any] | None,
        options: RequestOptions,
    ) -> APIResponse[T]:
        options = merged(self._defaults, options)
        return self._send(operation, generated_request(operation, params, body, options))

    def call(
        self,
        operation: Operation[T],
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> T:
        response = self.call_with_response(
            operation,
            timeout=timeout,
            extra_headers=extra_headers,
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
            deadline=deadline,
            strict_parsing=strict_parsing,
            extra_query=extra_query,
            extra_body=extra_body,
            **kwargs,
        )
        return response.parsed

    def call_with_response(
        self,
        operation: Operation[T],
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        strict_parsing: bool | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> APIResponse[T]:
        options = merged(
            self._defaults,
            options_of(
                timeout=timeout,
                extra_headers=extra_headers,
                retry_ambiguous=retry_ambiguous,
                max_retries=max_retries,
                deadline=deadline,
                strict_parsing=strict_parsing,
                extra_query=extra_query,
                extra_body=extra_body,
            ),
        )
        return self._send(operation, call_request(operation, options, kwargs))

    def _send(self, operation: Operation[T], request: dict[str, Any]) -> APIResponse[T]:
        try:
            response = self._http.send(self._http.build_request(**request), stream=True)
            try:
                response.read()
            except httpx.DecodingError as exc:
                raise undecodable_body_error(response, exc) from exc
            finally:
                response.close()
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        return finish(operation, response, strict=_strict(request, self._strict_parsing))

    def send_stream(self, request: httpx.Request) -> httpx.Response:
        apply_defaults(request, self._defaults)
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        if not 200 <= response.status_code < 300:
            try:
                response.read()
            except httpx.DecodingError as exc:
                raise undecodable_body_error(response, exc) from exc
            finally:
                response.close()
            raise error_from_response(response)
        warn_if_deprecated(response.headers)
        return response


# unasync: end sync twin
