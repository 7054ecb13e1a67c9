"""Request building shared by the typed resources (`client.chat`, `client.responses`, `client.audio`).

Keyword arguments are checked against the generated request model, so a field
Venice adds to the spec works after a regeneration without a change here, and a
misspelt one fails before anything is sent. Streamed requests are built by hand
(not through `client.call`) because their body is read as it arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from venice_ext._core._symbols import ModelParseError
from venice_ext.errors import RequestValidationError

if TYPE_CHECKING:
    pass

__all__ = ["build_body"]


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
