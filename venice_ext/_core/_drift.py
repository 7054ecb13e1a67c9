"""What a 2xx body that does not fit the spec becomes: the data as it came, and one warning per path.

Venice's spec drifts several times a week (a field the pinned spec marks required goes
missing, a number arrives as a string), and a production call must not fail for it.
Outside strict mode the caller gets a `DriftedBody`: the answer read as it came, with
the generated model's attribute names (`object_` for `object`), and `raw` for the JSON.
Strict mode (`Venice(strict_parsing=True)`, or `VENICE_STRICT_PARSING=1` for a whole test
run) raises ResponseValidationError.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from typing import Any

import httpx

from venice_ext._core._headers import request_id_of
from venice_ext._core._json import decode_json
from venice_ext.errors import ResponseValidationError

__all__ = [
    "STRICT_ENV",
    "STRICT_EXTENSION",
    "DriftedBody",
    "SpecDriftWarning",
    "drifted_json",
    "drifted_or_raise",
    "strict_parsing",
]

STRICT_ENV = "VENICE_STRICT_PARSING"
# Where the sender leaves a stream's effective strictness (the call's, else the client's)
# in the response's extensions, for whatever assembles the streamed answer.
STRICT_EXTENSION = "venice_ext.strict_parsing"


class SpecDriftWarning(UserWarning):
    """A 2xx answer did not fit the pinned spec; it was returned as read. `venice spec diff` shows what moved."""


_warned: set[str] = set()
_warned_lock = threading.Lock()


def strict_parsing() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class DriftedBody:
    """A success body that did not fit its model, read as it came.

    Attributes are the JSON's keys (with the generated models' trailing underscore for
    names Python reserves); a key the answer lacks raises AttributeError naming it.
    `raw` (and `to_dict()`) is the decoded JSON, `drift` the schema path that did not fit.
    """

    __slots__ = ("_data", "drift")

    def __init__(self, data: dict[str, Any], drift: str) -> None:
        self._data = data
        self.drift = drift

    @property
    def raw(self) -> dict[str, Any]:
        return self._data

    @property
    def additional_properties(self) -> dict[str, Any]:
        return {}

    def to_dict(self) -> dict[str, Any]:
        return self._data

    def __getattr__(self, name: str) -> Any:
        data = object.__getattribute__(self, "_data")
        key = name[:-1] if name.endswith("_") and name not in data and name[:-1] in data else name
        if key not in data:
            raise AttributeError(f"{name!r} is not in this answer (it did not fit the spec at {self.drift})")
        return _view(data[key], self.drift)

    def __getitem__(self, key: str) -> Any:
        return _view(self._data[key], self.drift)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __repr__(self) -> str:
        return f"DriftedBody(drift={self.drift!r}, keys={sorted(self._data)!r})"


def _view(value: Any, drift: str) -> Any:
    if isinstance(value, dict):
        return DriftedBody(value, drift)
    if isinstance(value, list):
        return [_view(item, drift) for item in value]
    return value


def _schema_path(exc: BaseException) -> str:
    path = getattr(exc, "path", None)
    # One warning per place in the schema, whichever list item showed it.
    return re.sub(r"\[\d+\]", "[]", path) if isinstance(path, str) else type(exc).__name__


def drifted_or_raise(
    method: str, path: str, response: httpx.Response, exc: BaseException, *, strict: bool = False
) -> DriftedBody:
    """The body as read, after one SpecDriftWarning per schema path; or, strict (the client's
    `strict_parsing=True` or the environment's) or not JSON, the error."""
    data: Any = None
    if not (strict or strict_parsing()):
        try:
            data = decode_json(response.content)
        except (ValueError, RecursionError, UnicodeDecodeError):
            data = None
    return drifted_json(
        f"{method} {path}",
        data,
        exc,
        strict=strict,
        status_code=response.status_code,
        body=response.content,
        request_id=request_id_of(response.headers),
    )


def drifted_json(
    what: str,
    data: Any,
    exc: BaseException,
    *,
    strict: bool,
    status_code: int,
    body: bytes,
    request_id: str | None,
) -> DriftedBody:
    """`data` (decoded JSON that did not fit its model) as a DriftedBody after one SpecDriftWarning
    per schema path; strict, or not a JSON object, the ResponseValidationError."""
    if strict or strict_parsing() or not isinstance(data, dict):
        raise ResponseValidationError(
            f"{what}: the {status_code} answer does not fit the spec: {exc}",
            status_code=status_code,
            body=body,
            request_id=request_id,
        ) from exc
    where = _schema_path(exc)
    with _warned_lock:
        first = where not in _warned
        _warned.add(where)
    if first:
        warnings.warn(
            f"{what}: the answer does not fit the pinned spec at {where} ({exc}); returned as read, "
            f"raw JSON in .raw. Run `venice spec diff` to see what changed; strict_parsing=True "
            f"or {STRICT_ENV}=1 makes this an error",
            SpecDriftWarning,
            stacklevel=5,
        )
    return DriftedBody(data, where)
