"""Request building shared by the typed resources (`client.chat`, `client.responses`, `client.audio`).

Keyword arguments are checked against the generated request model, so a field
Venice adds to the spec works after a regeneration without a change here, and a
misspelt one fails before anything is sent. Streamed requests are built by hand
(not through `client.call`) because their body is read as it arrives.

`checked_body` sends the fields as given once the model has accepted them: the model's
`to_dict()` would write the same JSON (every request model is held to this by
tests/generated/test_request_bodies.py), so rewriting it would only cost time. The JSON
is encoded once, by msgspec, and goes out as the request's content (`send_encoded`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, NoReturn, Protocol, TypeVar

from venice_ext._core._symbols import ModelParseError
from venice_ext.errors import RequestValidationError

if TYPE_CHECKING:
    pass

__all__ = ["CheckedBody", "build_body", "checked_body", "encoded_as_given", "send_encoded"]


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


def _holds_a_float_json_cannot_carry(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Mapping):
        return any(_holds_a_float_json_cannot_carry(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_a_float_json_cannot_carry(item) for item in value)
    return False


def encoded_as_given(fields: Mapping[str, Any]) -> bytes | None:
    """The JSON of fields a request model accepted, when they can go out as they are; else None.

    For what `from_dict` accepts, the model's `to_dict()` writes the same JSON (a list
    where a list is due, a str where a date-time is), except for a Mapping that is not a
    dict, which it turns into one. msgspec encodes dicts, lists and scalars (subclasses
    too) without help and asks its hook for any other Mapping, which refuses it. It writes
    NaN and infinities as null, where httpx's json.dumps refuses them: fields holding one
    go the model's way too, and fail as they always did.
    """
    try:
        encoded = (_encode_unaided or _bind_encode_unaided())(fields)
    except Exception:  # whatever msgspec cannot encode unaided goes through the model, which is always right
        return None
    if b"null" in encoded and _holds_a_float_json_cannot_carry(fields):
        return None
    return encoded


class CheckedBody(Generic[M]):
    """A request body its generated model accepted, for the generated `request_kwargs`.

    `to_dict()` gives the fields as the caller gave them (extra_body merged, the fields
    winning, as in the model's own `to_dict`) when they can go as given, else the model's
    `to_dict()`; `encoded` is then their JSON, else None. `model` is the parsed request.
    """

    __slots__ = ("_json", "encoded", "model")

    def __init__(self, model: M, json: dict[str, Any] | None, encoded: bytes | None) -> None:
        self.model = model
        self._json = json
        self.encoded = encoded

    def to_dict(self) -> dict[str, Any]:
        return self._json if self._json is not None else self.model.to_dict()

    def __setitem__(self, key: str, value: Any) -> None:
        """One more extra_body field: it goes in through the model, whose to_dict decides who wins."""
        self.model[key] = value
        self._json = self.encoded = None


def checked_body(
    parse: Callable[[Mapping[str, Any]], M],
    fields: Mapping[str, Any],
    extra_body: Mapping[str, Any] | None,
    *,
    name: str,
) -> CheckedBody[M]:
    """`build_body`, then the JSON to send: `fields` themselves, encoded, when they can go as given."""
    model = build_body(parse, fields, extra_body, name=name)
    sent = {**extra_body, **fields} if extra_body else dict(fields)
    encoded = encoded_as_given(sent)
    return CheckedBody(model, sent if encoded is not None else None, encoded)


def send_encoded(request: dict[str, Any], body: Any) -> None:
    """`request` (keyword arguments for `build_request`) sending a CheckedBody's JSON as it was
    encoded, instead of the `json=` that httpx would encode a second time. A Content-Type the
    caller set stays, as httpx leaves it for `json=`."""
    if type(body) is not CheckedBody or body.encoded is None or "json" not in request:
        return
    del request["json"]
    request["content"] = body.encoded
    headers = request.setdefault("headers", {})
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = "application/json"
