"""Batch input lines: OpenAI's batch input format, or a bare chat completion body.

`{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {...}}`:
`url` is relative to the API base (a leading `/v1` or `/api/v1`, as OpenAI files carry,
is dropped). A line without `url` that has `messages` is a chat completion body; its
custom_id is its line number. Each request is resolved to the generated operation that
sends it, with the path parameters the URL fills in.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from venice_ext.errors import RequestValidationError

__all__ = ["BatchRequest", "parse_request"]

_PREFIXES = ("/api/v1", "/v1")


@dataclass(frozen=True)
class BatchRequest:
    custom_id: str
    index: int
    method: str
    path: str
    body: Mapping[str, Any] | None

    def resolve(self) -> tuple[ModuleType, dict[str, str]]:
        """The generated operation module for this request and its path parameters."""
        for method, pattern, names, module in _operations():
            if method != self.method:
                continue
            match = pattern.match(self.path)
            if match:
                return module, dict(zip(names, match.groups(), strict=True))
        raise RequestValidationError(f"batch request {self.custom_id!r}: no operation {self.method} {self.path}")

    def to_json(self) -> dict[str, Any]:
        return {"custom_id": self.custom_id, "method": self.method, "url": self.path, "body": self.body}


def parse_request(item: Any, index: int) -> BatchRequest:
    """One input item as a request; a clear RequestValidationError if it is not one."""
    if not isinstance(item, Mapping):
        raise RequestValidationError(f"batch item {index}: expected a JSON object, got {type(item).__name__}")
    if "url" not in item:
        if "messages" not in item:
            raise RequestValidationError(
                f"batch item {index}: neither a batch request (custom_id, method, url, body) nor a chat body"
            )
        return _checked(BatchRequest(str(index), index, "POST", "/chat/completions", item))
    unknown = set(item) - {"custom_id", "method", "url", "body"}
    if unknown:
        raise RequestValidationError(f"batch item {index}: unknown field(s) {', '.join(sorted(unknown))}")
    url = item["url"]
    if not isinstance(url, str) or not url.startswith("/"):
        raise RequestValidationError(f"batch item {index}: url must be a path relative to the API base, got {url!r}")
    for prefix in _PREFIXES:
        if url.startswith(prefix + "/"):
            url = url[len(prefix) :]
            break
    body = item.get("body")
    if body is not None and not isinstance(body, Mapping):
        raise RequestValidationError(f"batch item {index}: body must be a JSON object")
    custom_id = item.get("custom_id", index)
    method = item.get("method", "POST")
    if not isinstance(method, str):
        raise RequestValidationError(f"batch item {index}: method must be a string")
    return _checked(BatchRequest(str(custom_id), index, method.upper(), url, body))


def _checked(request: BatchRequest) -> BatchRequest:
    if request.body is not None and request.body.get("stream") is True:
        raise RequestValidationError(f"batch request {request.custom_id!r}: streamed answers cannot be batched")
    request.resolve()
    return request


@functools.cache
def _operations() -> list[tuple[str, re.Pattern[str], tuple[str, ...], ModuleType]]:
    import venice_api.api as api

    found = []
    for info in pkgutil.walk_packages(api.__path__, api.__name__ + "."):
        if info.ispkg:
            continue
        module = importlib.import_module(info.name)
        method, path = getattr(module, "METHOD", None), getattr(module, "PATH", None)
        if not isinstance(method, str) or not isinstance(path, str):
            continue
        names = tuple(re.findall(r"\{([^}]+)\}", path))
        parts = re.split(r"\{[^}]+\}", path)
        pattern = re.compile("^" + "([^/]+)".join(map(re.escape, parts)) + "$")
        found.append((method, pattern, names, module))
    # Concrete paths before templates that would also match them.
    found.sort(key=lambda entry: len(entry[2]))
    return found
