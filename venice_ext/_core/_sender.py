"""The requester behind every `Venice` and `AsyncVenice`: send, parse, map errors.

One instance per client (and per `with_options` copy, sharing the same pool),
holding the configured httpx client, the generated client, the transport hooks and
the default per-call options. Resources reach it only through the `Requester` protocol.
Building each request and finishing each answer are in `_calls`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from venice_ext._core._api_response import APIResponse, warn_if_deprecated
from venice_ext._core._calls import (
    apply_defaults,
    call_request,
    finish,
    generated_request,
    http_request,
    merged,
    options_of,
    strict_of,
)
from venice_ext._core._drift import STRICT_EXTENSION
from venice_ext._core._errors_from import (
    connection_error_from,
    error_from_response,
    undecodable_body_error,
)
from venice_ext._core._requester import Operation, RequestOptions
from venice_ext._core._requests import CheckedBody
from venice_ext._core._transport import TransportHooks
from venice_ext._core._urls import absolute_url

if TYPE_CHECKING:
    from venice_api.client import AuthenticatedClient

__all__ = ["AsyncSender", "Sender", "call_request", "http_request", "options_of"]

T = TypeVar("T")


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
        body: Mapping[str, Any] | CheckedBody[Any] | None,
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
        body: Mapping[str, Any] | CheckedBody[Any] | None,
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
            request["url"] = absolute_url(self._http, request["url"])
            response = await self._http.send(self._http.build_request(**request), stream=True)
            try:
                await response.aread()
            except httpx.DecodingError as exc:
                raise undecodable_body_error(response, exc) from exc
            finally:
                await response.aclose()
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        return finish(operation, response, strict=strict_of(request["extensions"], self._strict_parsing))

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
        response.extensions[STRICT_EXTENSION] = strict_of(request.extensions, self._strict_parsing)
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
        body: Mapping[str, Any] | CheckedBody[Any] | None,
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
        body: Mapping[str, Any] | CheckedBody[Any] | None,
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
            request["url"] = absolute_url(self._http, request["url"])
            response = self._http.send(self._http.build_request(**request), stream=True)
            try:
                response.read()
            except httpx.DecodingError as exc:
                raise undecodable_body_error(response, exc) from exc
            finally:
                response.close()
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        return finish(operation, response, strict=strict_of(request["extensions"], self._strict_parsing))

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
        response.extensions[STRICT_EXTENSION] = strict_of(request.extensions, self._strict_parsing)
        return response


# unasync: end sync twin
