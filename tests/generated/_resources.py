"""Shared by the resource tests: recording requesters, and what the spec says each method takes.

The expectations are read from the spec (parameters, the request body's properties)
and from spec/resources.yaml, never from the generated resources themselves.
"""

from __future__ import annotations

import importlib
import keyword
import pkgutil
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from openapi_python_client.strings import PythonIdentifier
from ruamel.yaml import YAML

import venice_api.api
from scripts.spec_io import load_spec_file
from scripts.transforms import apply_transforms, iter_operations
from venice_api.resources import AsyncResources, Resources

ROOT = Path(__file__).resolve().parents[2]
SPEC = apply_transforms(load_spec_file(ROOT / "spec" / "swagger.yaml"))
CONFIG = YAML(typ="safe", pure=True).load((ROOT / "spec" / "resources.yaml").read_text())
OPTION_NAMES = (
    "timeout",
    "max_retries",
    "retry_ambiguous",
    "deadline",
    "strict_parsing",
    "extra_headers",
    "extra_query",
    "extra_body",
)


@dataclass
class Call:
    kind: str
    operation: ModuleType
    params: dict[str, Any]
    body: dict[str, Any] | None
    options: dict[str, Any]


@dataclass
class Recorder:
    """A Requester that keeps what it was given and answers with `result` (or `raw`)."""

    result: Any = field(default_factory=object)
    raw: Any = field(default_factory=object)
    calls: list[Call] = field(default_factory=list)

    def _record(self, kind: str, operation: Any, params: Any, body: Any, options: Any) -> None:
        copied_body = None if body is None else dict(body)
        self.calls.append(Call(kind, operation, dict(params), copied_body, dict(options)))

    def request(self, operation: Any, /, *, params: Any, body: Any, options: Any) -> Any:
        self._record("request", operation, params, body, options)
        return self.result

    def request_raw(self, operation: Any, /, *, params: Any, body: Any, options: Any) -> Any:
        self._record("request_raw", operation, params, body, options)
        return self.raw


class AsyncRecorder(Recorder):
    async def request(self, operation: Any, /, *, params: Any, body: Any, options: Any) -> Any:
        return Recorder.request(self, operation, params=params, body=body, options=options)

    async def request_raw(self, operation: Any, /, *, params: Any, body: Any, options: Any) -> Any:
        return Recorder.request_raw(self, operation, params=params, body=body, options=options)


class Client(Resources):
    def __init__(self, requester: Any) -> None:
        self.fake = requester

    def _requester(self) -> Any:
        return self.fake


class AsyncClient(AsyncResources):
    def __init__(self, requester: Any) -> None:
        self.fake = requester

    def _requester(self) -> Any:
        return self.fake


def resolve(root: Any, dotted: str) -> Any:
    target = root
    for part in dotted.split("."):
        target = getattr(target, part)
    return target


def endpoint_modules() -> dict[tuple[str, str], ModuleType]:
    found = {}
    for info in pkgutil.walk_packages(venice_api.api.__path__, "venice_api.api."):
        module = importlib.import_module(info.name)
        if hasattr(module, "PATH"):
            found[(module.METHOD, module.PATH)] = module
    return found


@dataclass(frozen=True)
class Expected:
    """One keyword argument, as the spec describes it."""

    wire: str
    required: bool
    in_body: bool

    @property
    def argument(self) -> str:
        """The documented rule: the JSON name where Python allows it, else the generator's name."""
        usable = self.wire.isidentifier() and self.wire.isascii() and not self.wire.startswith("_")
        if usable and not keyword.iskeyword(self.wire) and self.wire != "self":
            return self.wire
        return str(PythonIdentifier(self.wire, "field_"))

    @property
    def key(self) -> str:
        """Where the value lands: request_kwargs' name for a parameter, the JSON name for a field."""
        return self.wire if self.in_body else str(PythonIdentifier(self.wire, "field_"))


@dataclass(frozen=True)
class Case:
    operation_id: str
    dotted: str
    module: ModuleType
    arguments: tuple[Expected, ...]
    has_body: bool

    @property
    def id(self) -> str:
        return self.dotted

    def returned(self, result: Any) -> Any:
        """What the method gives back when the requester answers `result`: nothing, for an
        operation without a success (its method is NoReturn: a real requester raises)."""
        never = typing.get_type_hints(self.module.parse_success)["return"] is typing.NoReturn
        return None if never else result


def _schema(node: Any) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        node = SPEC["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node if isinstance(node, dict) else {}


def _fields(schema: Any) -> dict[str, bool] | None:
    """An object schema's properties -> required; a union's first object member's; None if no object."""
    schema = _schema(schema)
    if "allOf" in schema:
        merged: dict[str, bool] = {}
        for part in schema["allOf"]:
            for name, required in (_fields(part) or {}).items():
                merged[name] = merged.get(name, False) or required
        return merged
    for union in ("oneOf", "anyOf"):
        if union in schema:
            return next((found for found in map(_fields, schema[union]) if found is not None), None)
    if schema.get("type") == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        return {name: name in required for name in schema.get("properties", {})}
    return None


def _body_arguments(operation: Mapping[str, Any]) -> list[Expected]:
    forms = [_fields(media.get("schema")) for media in operation["requestBody"]["content"].values()]
    objects = [form for form in forms if form is not None]
    names = list(dict.fromkeys(name for form in objects for name in form))
    return [Expected(name, all(form.get(name, False) for form in objects), in_body=True) for name in names]


def cases() -> list[Case]:
    modules = endpoint_modules()
    found = []
    for path, method, operation in iter_operations(SPEC):
        arguments = [
            Expected(parameter["name"], bool(parameter.get("required")), in_body=False)
            for parameter in operation.get("parameters", [])
        ]
        has_body = "requestBody" in operation
        if has_body:
            arguments += _body_arguments(operation)
        operation_id = operation["operationId"]
        dotted = CONFIG["operations"][operation_id]
        found.append(Case(operation_id, dotted, modules[(method.upper(), path)], tuple(arguments), has_body))
    return found
