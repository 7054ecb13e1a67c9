"""Request building shared by the typed resources (`client.chat`, `client.responses`, `client.audio`).

Keyword arguments are checked against the generated request model, so a field
Venice adds to the spec works after a regeneration without a change here, and a
misspelt one fails before anything is sent. Streamed requests are built by hand
(not through `client.call`) because their body is read as it arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx

from venice_ext._core._config import header_problem
from venice_ext._core._requester import TRANSPORT_OPTIONS
from venice_ext._core._symbols import ModelParseError
from venice_ext._core._transport import EXTENSION
from venice_ext.errors import RequestValidationError

if TYPE_CHECKING:
    from venice_ext._core._requester import Operation, RequestOptions

__all__ = ["build_body", "stream_request"]


class RequestModel(Protocol):
    """What every generated request model offers."""

    additional_properties: dict[str, Any]

    def __setitem__(self, key: str, value: Any) -> None: ...

    def to_dict(self) -> dict[str, Any]: ...


M = TypeVar("M", bound=RequestModel)


def build_body(
    parse: Callable[[Mapping[str, Any]], M],
    fields: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    *,
    name: str,
) -> M:
    """The generated request model for `fields` (JSON names); RequestValidationError if they don't fit.

    Parsing goes through `from_dict`, so callers use the spec's JSON names (`input`)
    even where the generator renamed the attribute (`input_`).
    """
    try:
        request = parse(fields)
    except ModelParseError as exc:
        raise RequestValidationError(f"{name}: {exc}") from exc
    unknown = sorted(request.additional_properties)
    if unknown:
        raise RequestValidationError(
            f"{name}: unknown parameter(s) {', '.join(unknown)}; "
            "send fields the spec does not know yet with extra_body={...}"
        )
    for key, value in (extra_body or {}).items():
        request[key] = value
    return request


def stream_request(
    http: httpx.Client | httpx.AsyncClient,
    operation: Operation[Any],
    body: RequestModel,
    *,
    accept: str | None,
    idle_timeout: float | None,
    extra_headers: Mapping[str, str] | None,
    deadline: float | None = None,
    options: RequestOptions | None = None,
) -> httpx.Request:
    """A request for `client._send_stream`: the operation's own encoding, with a read timeout
    that bounds the silence between bytes rather than the whole answer.

    `options` are the call's own (`timeout`, `max_retries`, `retry_ambiguous`, `deadline`,
    `strict_parsing`, `extra_headers`, `extra_query`), carried as `http_request` carries them
    for a whole answer; `idle_timeout`, when given, replaces the read phase of the timeout.
    """
    given: RequestOptions = options or {}
    kwargs = operation.request_kwargs(body=body)
    headers = {
        **kwargs.get("headers", {}),
        **({"Accept": accept} if accept else {}),
        **(given.get("extra_headers") or {}),
        **(extra_headers or {}),
    }
    for name, value in headers.items():
        if problem := header_problem(name, value):
            raise RequestValidationError(problem)
    kwargs["headers"] = headers
    extra_query = given.get("extra_query")
    if extra_query:
        kwargs["params"] = {**(kwargs.get("params") or {}), **extra_query}
    base = httpx.Timeout(given["timeout"]) if "timeout" in given else http.timeout
    timeout = (
        base
        if idle_timeout is None
        else httpx.Timeout(connect=base.connect, read=idle_timeout, write=base.write, pool=base.pool)
    )
    carried: dict[str, Any] = {name: given[name] for name in TRANSPORT_OPTIONS if name in given}
    if deadline is not None:
        carried["deadline"] = deadline
    return http.build_request(**kwargs, timeout=timeout, extensions={EXTENSION: carried})
