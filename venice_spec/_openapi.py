"""Walking an OpenAPI document's operations, and the names derived from them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["HTTP_METHODS", "camel", "iter_operations", "operation_id_for", "pascal", "snake"]

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def iter_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (path, method, operation) in document order."""
    paths = spec.get("paths")
    for path, item in paths.items() if isinstance(paths, dict) else ():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield path, method, operation


def pascal(text: str) -> str:
    words = re.findall(r"[A-Za-z][a-z0-9]*|[0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text))
    return "".join(word[:1].upper() + word[1:] for word in words)


def camel(text: str) -> str:
    name = pascal(text)
    return name[:1].lower() + name[1:]


def snake(text: str) -> str:
    """Roughly the module name the generator makes of an id: `listModels` and `list_models` meet."""
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower()).strip("_")


def operation_id_for(method: str, path: str) -> str:
    """`getImageStyles` for GET /image/styles: it changes only when the endpoint does.

    A summary would give nicer names, but Venice rewords summaries.
    """
    return camel(f"{method} {path.replace('{', '').replace('}', '')}")
