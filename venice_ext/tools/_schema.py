"""Python annotations as JSON Schema, and JSON values back into those annotations.

One `Shape` per annotation does both directions, so the schema a model is shown and
the checks its answer goes through cannot disagree. Supported: str, int, float,
bool, None, Optional / `X | None`, unions, Literal, Enum, list[...], dict[str, ...],
Any, and attrs classes, dataclasses and TypedDicts as nested objects. Anything else
raises `UnsupportedTypeError` when the shape is built (when a tool is defined), never
later when the model calls it.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import attrs

from venice_ext.errors import UnsupportedTypeError

__all__ = ["ArgumentError", "Shape", "UnsupportedTypeError", "shape_of"]

_MISSING = object()


class ArgumentError(ValueError):
    """A JSON value that does not fit the shape; `path` locates it (`items[2].city`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def _json_type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    shape: Shape
    required: bool
    default: Any = _MISSING
    description: str | None = None


@dataclasses.dataclass(frozen=True)
class Shape:
    """What one annotation means in JSON: `schema()` describes it, `convert()` checks and builds it."""

    kind: str
    annotation: Any = None
    items: Shape | None = None
    options: tuple[Shape, ...] = ()
    values: tuple[Any, ...] = ()
    fields: tuple[Field, ...] = ()
    build: Callable[..., Any] | None = None

    def schema(self, *, strict: bool = False) -> dict[str, Any]:
        """JSON Schema. `strict`: every property required, optional ones nullable, no extras."""
        kind = self.kind
        if kind in ("string", "integer", "number", "boolean", "null"):
            return {"type": kind}
        if kind == "any":
            return {}
        if kind == "enum":
            types_ = sorted({_json_type_name(v) for v in self.values})
            return {"type": types_[0] if len(types_) == 1 else types_, "enum": list(self.values)}
        if kind == "array":
            assert self.items is not None
            return {"type": "array", "items": self.items.schema(strict=strict)}
        if kind == "map":
            assert self.items is not None
            return {"type": "object", "additionalProperties": self.items.schema(strict=strict)}
        if kind == "union":
            return {"anyOf": [option.schema(strict=strict) for option in self.options]}
        return self._object_schema(strict)

    def _object_schema(self, strict: bool) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for field in self.fields:
            schema = field.shape.schema(strict=strict)
            if strict and not field.required and not field.shape.accepts_null():
                schema = {"anyOf": [schema, {"type": "null"}]}
            if field.description:
                schema = {**schema, "description": field.description}
            properties[field.name] = schema
        required = [f.name for f in self.fields if f.required or strict]
        result: dict[str, Any] = {"type": "object", "properties": properties, "required": required}
        result["additionalProperties"] = False
        return result

    def takes_json_type(self, value: Any) -> bool:
        """Whether values of `value`'s JSON type can fit (the contents are not looked at)."""
        kind = _json_type_name(value)
        if self.kind in ("any", "enum"):
            return True
        if self.kind == "union":
            return any(option.takes_json_type(value) for option in self.options)
        if self.kind == "number":
            return kind in ("number", "integer")
        if self.kind == "integer":
            return kind == "integer" or (kind == "number" and float(value).is_integer())
        if self.kind in ("object", "map"):
            return kind == "object"
        return kind == {"string": "string", "boolean": "boolean", "null": "null", "array": "array"}[self.kind]

    def accepts_null(self) -> bool:
        return self.kind in ("null", "any") or any(option.accepts_null() for option in self.options)

    def convert(self, value: Any, path: str = "", *, strict: bool = False) -> Any:
        """`value` (decoded JSON) as the annotated Python value; ArgumentError if it does not fit.

        `strict`: the value answers a strict schema (see `schema(strict=True)`), where an
        optional field is required but nullable, so a null there means "absent".
        """
        kind = self.kind
        if kind == "any":
            return value
        if kind == "string":
            if isinstance(value, str):
                return value
        elif kind == "integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
        elif kind == "number":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
        elif kind == "boolean":
            if isinstance(value, bool):
                return value
        elif kind == "null":
            if value is None:
                return None
        elif kind == "enum":
            return self._convert_enum(value, path)
        elif kind == "array":
            return self._convert_array(value, path, strict)
        elif kind == "map":
            return self._convert_map(value, path, strict)
        elif kind == "union":
            return self._convert_union(value, path, strict)
        else:
            return self._convert_object(value, path, strict)
        raise ArgumentError(path, f"expected {kind}, got {_json_type_name(value)}")

    def _convert_enum(self, value: Any, path: str) -> Any:
        for allowed in self.values:
            if value == allowed and type(value) is type(allowed):
                if isinstance(self.annotation, type) and issubclass(self.annotation, enum.Enum):
                    return self.annotation(value)
                return value
        raise ArgumentError(path, f"expected one of {list(self.values)!r}, got {value!r}")

    def _convert_array(self, value: Any, path: str, strict: bool) -> list[Any]:
        if not isinstance(value, list):
            raise ArgumentError(path, f"expected array, got {_json_type_name(value)}")
        assert self.items is not None
        return [self.items.convert(item, f"{path}[{i}]", strict=strict) for i, item in enumerate(value)]

    def _convert_map(self, value: Any, path: str, strict: bool) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ArgumentError(path, f"expected object, got {_json_type_name(value)}")
        assert self.items is not None
        return {
            key: self.items.convert(item, f"{path}.{key}" if path else key, strict=strict)
            for key, item in value.items()
        }

    def _convert_union(self, value: Any, path: str, strict: bool) -> Any:
        fitting = [option for option in self.options if option.takes_json_type(value)]
        if len(fitting) == 1:
            return fitting[0].convert(value, path, strict=strict)  # its own error says what is wrong, and where
        errors = []
        for option in fitting or self.options:
            try:
                return option.convert(value, path, strict=strict)
            except ArgumentError as exc:
                errors.append(exc.message)
        raise ArgumentError(path, "fits none of the allowed types (" + "; ".join(errors) + ")")

    def _convert_object(self, value: Any, path: str, strict: bool) -> Any:
        if not isinstance(value, dict):
            raise ArgumentError(path, f"expected object, got {_json_type_name(value)}")
        known = {field.name for field in self.fields}
        unknown = sorted(set(value) - known)
        if unknown:
            where = f"{path}." if path else ""
            raise ArgumentError(path, f"unknown field(s) {', '.join(where + u for u in unknown)}")
        converted: dict[str, Any] = {}
        for field in self.fields:
            inner = f"{path}.{field.name}" if path else field.name
            if field.name in value:
                if strict and value[field.name] is None and not field.required and not field.shape.accepts_null():
                    continue
                converted[field.name] = field.shape.convert(value[field.name], inner, strict=strict)
            elif field.required:
                raise ArgumentError(inner, "required field is missing")
        assert self.build is not None
        return self.build(**converted)


def _none_shape() -> Shape:
    return Shape("null", type(None))


def _record_fields(cls: type) -> tuple[tuple[str, Any, bool, Any], ...]:
    """(name, annotation, required, default) of an attrs class, dataclass or TypedDict."""
    hints = get_type_hints(cls)
    if attrs.has(cls):
        return tuple((a.name, hints.get(a.name, Any), a.default is attrs.NOTHING, a.default) for a in attrs.fields(cls))
    if dataclasses.is_dataclass(cls):
        result = []
        for f in dataclasses.fields(cls):
            has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            result.append((f.name, hints.get(f.name, Any), not has_default, f.default))
        return tuple(result)
    required_keys = getattr(cls, "__required_keys__", frozenset(hints))
    return tuple((name, hints[name], name in required_keys, _MISSING) for name in hints)


def _is_typed_dict(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, dict) and hasattr(annotation, "__total__")


def _build_record(cls: type) -> Callable[..., Any]:
    if _is_typed_dict(cls):
        return lambda **kwargs: dict(kwargs)
    return cls


def shape_of(annotation: Any, *, where: str = "annotation", _seen: tuple[Any, ...] = ()) -> Shape:
    """The Shape of a type annotation; UnsupportedTypeError names `where` and the type."""
    if annotation is Any or annotation is object:
        return Shape("any", annotation)
    if annotation is None or annotation is type(None):
        return _none_shape()
    if annotation is str:
        return Shape("string", str)
    if annotation is bool:
        return Shape("boolean", bool)
    if annotation is int:
        return Shape("integer", int)
    if annotation is float:
        return Shape("number", float)
    origin = get_origin(annotation)
    if origin is Literal:
        values = get_args(annotation)
        if not all(isinstance(v, (str, int, bool)) or v is None for v in values):
            raise UnsupportedTypeError(f"{where}: Literal values must be str, int, bool or None")
        return Shape("enum", annotation, values=values)
    if origin in (Union, types.UnionType):
        options = tuple(shape_of(arg, where=where, _seen=_seen) for arg in get_args(annotation))
        return Shape("union", annotation, options=options)
    if origin in (list, typing.List, typing.Sequence) or annotation in (list,):  # noqa: UP006
        (item,) = get_args(annotation) or (Any,)
        return Shape("array", annotation, items=shape_of(item, where=where, _seen=_seen))
    if origin in (dict, typing.Dict, Mapping) or annotation in (dict,):  # noqa: UP006
        key, value = get_args(annotation) or (str, Any)
        if key is not str:
            raise UnsupportedTypeError(f"{where}: dict keys must be str in JSON, got {key!r}")
        return Shape("map", annotation, items=shape_of(value, where=where, _seen=_seen))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        values = tuple(member.value for member in annotation)
        if not all(isinstance(v, (str, int)) for v in values):
            raise UnsupportedTypeError(f"{where}: {annotation.__name__} values must be str or int")
        return Shape("enum", annotation, values=values)
    if isinstance(annotation, type) and (
        attrs.has(annotation) or dataclasses.is_dataclass(annotation) or _is_typed_dict(annotation)
    ):
        if annotation in _seen:
            raise UnsupportedTypeError(
                f"{where}: {annotation.__name__} refers to itself; recursive types are not supported"
            )
        fields = tuple(
            Field(name, shape_of(hint, where=f"{where}.{name}", _seen=(*_seen, annotation)), required, default)
            for name, hint, required, default in _record_fields(annotation)
        )
        return Shape("object", annotation, fields=fields, build=_build_record(annotation))
    raise UnsupportedTypeError(
        f"{where}: {annotation!r} has no JSON Schema form; use str, int, float, bool, Literal, an Enum, "
        "list[...], dict[str, ...], Optional, or an attrs class / dataclass / TypedDict"
    )
