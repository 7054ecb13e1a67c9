"""A parsed answer together with what Venice says about it in the headers."""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import httpx

from venice_ext._core._headers import request_id_of

if TYPE_CHECKING:
    from venice_ext._core._limits import Balances, RateLimits

__all__ = ["APIResponse", "ModelDeprecationWarning", "warn_if_deprecated"]

T = TypeVar("T")


class ModelDeprecationWarning(UserWarning):
    """Venice announced that the model used is scheduled for deprecation."""


_warned_models: set[str] = set()
_warned_lock = threading.Lock()


def warn_if_deprecated(headers: httpx.Headers) -> None:
    """Warn once per model per process when Venice flags the model as deprecated."""
    # `in` first: httpx.Headers.get of an absent name raises and catches a KeyError inside.
    if "x-venice-model-deprecation-warning" not in headers:
        return
    message = headers.get("x-venice-model-deprecation-warning")
    if not message:
        return
    model = headers.get("x-venice-model-id") or headers.get("x-venice-model-name") or "<unknown model>"
    with _warned_lock:
        if model in _warned_models:
            return
        _warned_models.add(model)
    date = headers.get("x-venice-model-deprecation-date")
    suffix = f" (deprecation date {date})" if date else ""
    warnings.warn(f"model {model}: {message}{suffix}", ModelDeprecationWarning, stacklevel=4)


@dataclass(frozen=True)
class APIResponse(Generic[T]):
    """`parsed` is the typed body; the rest comes from the status line and headers."""

    parsed: T
    http_response: httpx.Response

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.http_response.headers)

    @property
    def rate_limits(self) -> RateLimits:
        from venice_ext._core._limits import rate_limits_of  # on first use: import time

        return rate_limits_of(self.http_response.headers)

    @property
    def balances(self) -> Balances:
        from venice_ext._core._limits import balances_of  # on first use: import time

        return balances_of(self.http_response.headers)

    @property
    def model_id(self) -> str | None:
        value: str | None = self.http_response.headers.get("x-venice-model-id")
        return value

    @property
    def model_name(self) -> str | None:
        value: str | None = self.http_response.headers.get("x-venice-model-name")
        return value

    def __repr__(self) -> str:
        return f"APIResponse(status_code={self.status_code}, request_id={self.request_id!r}, parsed={self.parsed!r})"
