"""Request building shared by the typed resources (`client.chat`, `client.responses`, `client.audio`).

Keyword arguments are checked against the generated request model, so a field
Venice adds to the spec works after a regeneration without a change here, and a
misspelt one fails before anything is sent. Streamed requests are built by hand
(not through `client.call`) because their body is read as it arrives.

`checked_body` sends the fields as given once the model has accepted them: the model's
`to_dict()` would write the same JSON (every request model is held to this by
tests/generated/test_request_bodies.py), so rewriting it would only cost time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, NoReturn, Protocol, TypeVar

from venice_ext._core._symbols import ModelParseError
from venice_ext.errors import RequestValidationError

if TYPE_CHECKING:
    pass

__all__ = ["CheckedBody", "build_body", "checked_body", "sendable_as_given"]


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


def _refuse(value: object) -> NoReturn:
    raise TypeError(type(value).__name__)


_encode_unaided: Callable[[Any], bytes] | None = None


def _bind_encode_unaided() -> Callable[[Any], bytes]:
    global _encode_unaided
    # On first use: `import venice_ext` stays without msgspec's modules until a body is sent.
    import msgspec

    _encode_unaided = msgspec.json.Encoder(enc_hook=_refuse).encode
    return _encode_unaided


def sendable_as_given(fields: Mapping[str, Any]) -> bool:
    """Whether fields a request model accepted can go out as they are.

    For what `from_dict` accepts, the model's `to_dict()` writes the same JSON (a list
    where a list is due, a str where a date-time is), except for a Mapping that is not a
    dict, which it turns into one. msgspec encodes dicts, lists and scalars (subclasses
    too) without help and asks its hook for any other Mapping, which refuses it.
    """
    try:
        (_encode_unaided or _bind_encode_unaided())(fields)
    except Exception:  # whatever msgspec cannot encode unaided goes through the model, which is always right
        return False
    return True


class CheckedBody(Generic[M]):
    """A request body its generated model accepted, for the generated `request_kwargs`.

    `to_dict()` gives the fields as the caller gave them (extra_body merged, the fields
    winning, as in the model's own `to_dict`) when `sendable_as_given`, else the model's
    `to_dict()`. `model` is the parsed request.
    """

    __slots__ = ("_json", "model")

    def __init__(self, model: M, json: dict[str, Any] | None) -> None:
        self.model = model
        self._json = json

    def to_dict(self) -> dict[str, Any]:
        return self._json if self._json is not None else self.model.to_dict()

    def __setitem__(self, key: str, value: Any) -> None:
        """One more extra_body field: it goes in through the model, whose to_dict decides who wins."""
        self.model[key] = value
        self._json = None


def checked_body(
    parse: Callable[[Mapping[str, Any]], M],
    fields: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    *,
    name: str,
) -> CheckedBody[M]:
    """`build_body`, then the JSON to send: `fields` themselves when they are `sendable_as_given`."""
    model = build_body(parse, fields, extra_body, name=name)
    sent = {**extra_body, **fields} if extra_body else dict(fields)
    return CheckedBody(model, sent if sendable_as_given(sent) else None)
