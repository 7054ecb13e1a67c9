"""What the sender does around each call: the request's keyword arguments from an
operation and the per-call options, the options merged with a client's defaults,
and the typed answer (or typed error) from a read response. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import httpx

from venice_ext._core._api_response import APIResponse, warn_if_deprecated
from venice_ext._core._bodies import _bodies, operation_body, split_call_arguments
from venice_ext._core._carried import NONE_CARRIED, carries_a_number
from venice_ext._core._config import header_problem
from venice_ext._core._drift import drifted_or_raise
from venice_ext._core._errors_from import error_from_response
from venice_ext._core._json import decode_json
from venice_ext._core._requester import TRANSPORT_OPTIONS, Operation, RequestOptions
from venice_ext._core._requests import CheckedBody, send_encoded
from venice_ext._core._symbols import ModelParseError
from venice_ext._core._transport import EXTENSION
from venice_ext._core._urls import absolute_url
from venice_ext.errors import RequestValidationError

__all__ = [
    "apply_defaults",
    "call_request",
    "finish",
    "generated_request",
    "http_request",
    "merged",
    "options_of",
    "stream_request",
    "strict_of",
]

T = TypeVar("T")


def options_of(**given: Any) -> RequestOptions:
    """The options among `given` that were set (None means not given, except for a timeout)."""
    options: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    return options  # type: ignore[return-value]  # keys are checked by the callers' signatures


def http_request(
    operation: Operation[Any], params: Mapping[str, Any], body: Any, options: RequestOptions
) -> dict[str, Any]:
    """The keyword arguments for `httpx.Client.request` that send `operation` with these options."""
    if body is None and options.get("extra_body"):
        # Nothing is silently dropped: a GET (or a call given no body) has nowhere to put them.
        name = getattr(operation, "OPERATION_ID", getattr(operation, "__name__", "call"))
        raise RequestValidationError(
            f"{name}: extra_body {sorted(options['extra_body'])} has no request body to go in; "
            "this call sends none (use extra_query for query parameters)"
        )
    kwargs = dict(params)
    if body is not None:
        kwargs["body"] = body
    request: dict[str, Any] = operation.request_kwargs(**kwargs)
    extra_headers = options.get("extra_headers")
    if extra_headers:
        request["headers"] = {**request.get("headers", {}), **extra_headers}
    send_encoded(request, body)  # after the caller's headers: a Content-Type among them stays
    headers = request.get("headers") or {}
    for name, value in headers.items():
        if problem := header_problem(name, value):
            raise RequestValidationError(problem)
    extra_query = options.get("extra_query")
    if extra_query:
        request["params"] = {**(request.get("params") or {}), **extra_query}
    transport_options: dict[str, Any] = (
        {name: options[name] for name in TRANSPORT_OPTIONS if name in options} if options else {}
    )
    if not headers or not carries_a_number(headers):
        transport_options[NONE_CARRIED] = True
    request["extensions"] = {EXTENSION: transport_options}
    if "timeout" in options:
        request["timeout"] = options["timeout"]
    return request


def stream_request(
    http: httpx.Client | httpx.AsyncClient,
    operation: Operation[Any],
    body: Any,
    *,
    accept: str | None,
    idle_timeout: float | None,
    extra_headers: Mapping[str, str] | None,
    options: RequestOptions | None = None,
) -> httpx.Request:
    """`http_request` for a streamed answer, built for `requester.send_stream`: `idle_timeout`,
    when given, bounds the silence between bytes (the read phase) rather than the whole answer.

    `options` are the call's own, carried as for a whole answer; `extra_headers` given apart
    win over theirs.
    """
    given: dict[str, Any] = dict(options or {})
    given["extra_headers"] = {
        **({"Accept": accept} if accept else {}),
        **(given.get("extra_headers") or {}),
        **(extra_headers or {}),
    }
    kwargs = http_request(operation, {}, body, given)  # type: ignore[arg-type]  # keys are RequestOptions'
    base = httpx.Timeout(kwargs.pop("timeout")) if "timeout" in kwargs else http.timeout
    if idle_timeout is not None:
        base = httpx.Timeout(connect=base.connect, read=idle_timeout, write=base.write, pool=base.pool)
    kwargs["url"] = absolute_url(http, kwargs["url"])
    return http.build_request(**kwargs, timeout=base)


def generated_request(
    operation: Operation[Any],
    params: Mapping[str, Any],
    body: Mapping[str, Any] | CheckedBody[Any] | None,
    options: RequestOptions,
) -> dict[str, Any]:
    """`http_request` for what a generated resource method hands over: body fields as JSON
    (or, from a hand-written resource, a body its model already accepted)."""
    if isinstance(body, CheckedBody):
        return http_request(operation, params, _with_extra_body(body, options), options)
    model = operation_body(operation, body, options.get("extra_body")) if body is not None else None
    return http_request(operation, params, model, options)


def _with_extra_body(model: Any, options: RequestOptions) -> Any:
    """A body already built (a model, a CheckedBody) with the call's extra_body fields added."""
    for key, value in (options.get("extra_body") or {}).items():
        model[key] = value
    return model


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
        body = _with_extra_body(body, options)
    return http_request(operation, params, body, options)


def strict_of(extensions: Mapping[str, Any], client_strict: bool) -> bool:
    """The call's `strict_parsing` (in a request's extensions), else the client's."""
    strict = extensions.get(EXTENSION, {}).get("strict_parsing")
    return strict if isinstance(strict, bool) else client_strict


def finish(operation: Operation[T], response: httpx.Response, *, strict: bool = False) -> APIResponse[T]:
    """The typed answer to a read response, or the typed error it stands for (`strict`: drift too)."""
    if not 200 <= response.status_code < 300:
        raise error_from_response(response)
    warn_if_deprecated(response.headers)
    parsed: Any
    try:
        parsed = operation.parse_success(response, decode_json=decode_json)
    except (ModelParseError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        parsed = drifted_or_raise(operation.METHOD, operation.PATH, response, exc, strict=strict)
    return APIResponse(parsed, response)


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
    extra_headers = defaults.get("extra_headers") or {}
    for key, value in extra_headers.items():
        request.headers.setdefault(key, value)
    options = request.extensions.get(EXTENSION)
    if isinstance(options, dict):
        if carries_a_number(extra_headers):
            options.pop(NONE_CARRIED, None)
        for name in TRANSPORT_OPTIONS:
            if name in defaults:
                options.setdefault(name, defaults[name])
