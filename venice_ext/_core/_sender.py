"""The requester behind every `Venice` and `AsyncVenice`: send, parse, map errors.

One instance per client, holding the configured httpx client, the generated client
that parses answers, and the transport hooks. Resources reach it only through the
`Requester` protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from venice_ext._core._api_response import APIResponse, warn_if_deprecated
from venice_ext._core._errors_from import connection_error_from, error_from_response, request_id_of
from venice_ext._core._symbols import ModelParseError
from venice_ext._core._transport import EXTENSION, TransportHooks
from venice_ext.errors import ResponseValidationError

if TYPE_CHECKING:
    from venice_api.client import AuthenticatedClient

__all__ = ["AsyncSender", "Sender", "request_options"]


def request_options(
    operation: Any,
    kwargs: dict[str, Any],
    *,
    timeout: float | httpx.Timeout | None,
    extra_headers: Mapping[str, str] | None,
    retry_ambiguous: bool | None,
    max_retries: int | None,
) -> dict[str, Any]:
    """The keyword arguments for `httpx.Client.request` that send `operation` with these options."""
    request: dict[str, Any] = operation.request_kwargs(**kwargs)
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


def finish(operation: Any, response: httpx.Response, raw: AuthenticatedClient) -> APIResponse[Any]:
    """The typed answer to a read response, or the typed error it stands for."""
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


# unasync: begin async source
class AsyncSender:
    """Implements `AsyncRequester` over one configured httpx client."""

    def __init__(self, http: httpx.AsyncClient, raw: AuthenticatedClient, hooks: TransportHooks) -> None:
        self._http = http
        self._raw = raw
        self._hooks = hooks

    @property
    def http_client(self) -> httpx.AsyncClient:
        return self._http

    @property
    def hooks(self) -> TransportHooks:
        return self._hooks

    async def call(
        self,
        operation: Any,
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        **kwargs: Any,
    ) -> Any:
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
        operation: Any,
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        **kwargs: Any,
    ) -> APIResponse[Any]:
        request = request_options(
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
        return finish(operation, response, self._raw)

    async def send_stream(self, request: httpx.Request) -> httpx.Response:
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


# unasync: end async source


# unasync: begin sync twin (generated by scripts/unasync.py from the async source above; do not edit)
class Sender:
    """Implements `Requester` over one configured httpx client."""

    def __init__(self, http: httpx.Client, raw: AuthenticatedClient, hooks: TransportHooks) -> None:
        self._http = http
        self._raw = raw
        self._hooks = hooks

    @property
    def http_client(self) -> httpx.Client:
        return self._http

    @property
    def hooks(self) -> TransportHooks:
        return self._hooks

    def call(
        self,
        operation: Any,
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        **kwargs: Any,
    ) -> Any:
        response = self.call_with_response(
            operation,
            timeout=timeout,
            extra_headers=extra_headers,
            retry_ambiguous=retry_ambiguous,
            max_retries=max_retries,
            **kwargs,
        )
        return response.parsed

    def call_with_response(
        self,
        operation: Any,
        /,
        *,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry_ambiguous: bool | None = None,
        max_retries: int | None = None,
        **kwargs: Any,
    ) -> APIResponse[Any]:
        request = request_options(
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
        return finish(operation, response, self._raw)

    def send_stream(self, request: httpx.Request) -> httpx.Response:
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


# unasync: end sync twin
