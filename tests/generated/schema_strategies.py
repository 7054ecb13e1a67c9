"""Hypothesis strategies for the OpenAPI 3.0 schemas of Venice's spec.

`from_schema(schema, spec)` draws JSON-compatible values (dicts, lists, str, int, float,
bool, None) that the schema accepts. It covers the part of OpenAPI 3.0 the spec uses,
and refuses everything else: a keyword it does not know raises `UnsupportedSchema`
naming the keyword and the JSON pointer of the schema, so a new spec feature surfaces
as a clear error instead of values that quietly ignore a constraint.

Supported: local `$ref` (each reference followed at most `max_ref_depth` times along one
path, so recursive schemas stay finite), `type` (string, number, integer, boolean,
object, array; absent means any JSON value), `nullable`, `enum` (a single value is
OpenAPI 3.0's `const`), `properties`/`required` (optional properties drawn or left out),
`additionalProperties` (bool or schema), `items`, `minItems`/`maxItems`,
`minLength`/`maxLength`, `pattern` (`^...$`-anchored, no alternation, ASCII `\\d`),
`minimum`/`maximum` with the boolean `exclusiveMinimum`/`exclusiveMaximum`, `multipleOf`,
`anyOf`/`oneOf` (one member drawn; a value that fits two `oneOf` members is not
filtered out, but test_schema_roundtrip validates every draw and would report it),
`allOf` (object members merged, other members intersected by filtering), the formats
date-time, date, uri, uuid, email and byte, and annotations (description, example,
default, title, deprecated, readOnly, writeOnly, externalDocs, `x-*`).

`format: binary` has no JSON form: it raises `NotJSON`, which an optional property,
a union member or an array simply leaves out; only a value that must be binary fails.

Values stay small (a few items, short strings) so that hundreds of schemas can be
exercised in seconds. Strings drawn for `format: date-time` are `DateTimeStr`, a `str`
subclass that lets comparisons find them again (see test_schema_roundtrip.py).
"""

from __future__ import annotations

import base64
import datetime
import functools
import math
import re
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

__all__ = [
    "SPEC_URI",
    "DateTimeStr",
    "NotJSON",
    "UnsupportedSchema",
    "any_json",
    "from_schema",
    "json_types",
    "to_json_schema",
    "unknown_key",
    "validator_at",
]

ANNOTATIONS = frozenset(
    {"description", "example", "examples", "default", "title", "deprecated", "readOnly", "writeOnly", "externalDocs"}
)
_BY_TYPE = {
    "string": frozenset({"minLength", "maxLength", "pattern", "format"}),
    "number": frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}),
    "integer": frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}),
    "boolean": frozenset(),
    "array": frozenset({"items", "minItems", "maxItems"}),
    "object": frozenset({"properties", "required", "additionalProperties"}),
}
_GENERAL = frozenset({"type", "nullable", "enum", "$ref", "allOf", "anyOf", "oneOf"})
KNOWN = ANNOTATIONS | _GENERAL | frozenset().union(*_BY_TYPE.values())

MAX_ITEMS = 3
MAX_TEXT = 8
MAX_EXTRA_KEYS = 2
UNKNOWN_KEY_PREFIX = "zz_unknown_"


class UnsupportedSchema(ValueError):
    """The schema uses something this builder does not implement."""

    def __init__(self, pointer: str, detail: str) -> None:
        self.pointer = pointer
        super().__init__(f"{pointer}: {detail}")


class NotJSON(UnsupportedSchema):
    """The schema describes a value JSON cannot carry (`format: binary`)."""


class _TooDeep(Exception):
    """A reference was followed `max_ref_depth` times along the current path."""


class DateTimeStr(str):
    """A string drawn for `format: date-time`; compares and serializes as a plain str."""

    __slots__ = ()


# --- small building blocks -----------------------------------------------------------

_text = st.text(st.characters(codec="utf-8"), max_size=MAX_TEXT)
_scalars = (
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | _text
)


@functools.cache
def any_json(max_leaves: int = 4) -> SearchStrategy[Any]:
    """Any JSON value, kept small."""
    return st.recursive(
        _scalars,
        lambda inner: st.lists(inner, max_size=MAX_ITEMS) | st.dictionaries(_text, inner, max_size=MAX_ITEMS),
        max_leaves=max_leaves,
    )


@functools.cache
def unknown_key() -> SearchStrategy[str]:
    """A key no Venice schema declares (the prefix keeps it clear of real properties)."""
    return st.text("abcxyz019", max_size=4).map(UNKNOWN_KEY_PREFIX.__add__)


def _date_times() -> SearchStrategy[str]:
    # RFC 3339: `T`/`t`, `Z`/`z` or a numeric offset, and 0, 3 or 6 fraction digits (more than
    # microseconds would be lost by any `datetime`, which is not what these tests are about).
    moments = st.datetimes(datetime.datetime(1970, 1, 1), datetime.datetime(2100, 1, 1))
    offsets = st.integers(-14 * 60, 14 * 60) | st.just(0)
    fractions = st.sampled_from((0, 3, 6))
    letters = st.sampled_from(("TZ", "TZ", "TZ", "tz"))

    def render(moment: datetime.datetime, offset: int, digits: int, zulu: bool, case: str) -> str:
        text = moment.strftime("%Y-%m-%d") + case[0] + moment.strftime("%H:%M:%S")
        if digits:
            text += "." + f"{moment.microsecond:06d}"[:digits]
        if offset == 0 and zulu:
            return DateTimeStr(text + case[1])
        sign = "-" if offset < 0 else "+"
        hours, minutes = divmod(abs(offset), 60)
        return DateTimeStr(f"{text}{sign}{hours:02d}:{minutes:02d}")

    return st.builds(render, moments, offsets, fractions, st.booleans(), letters)


_FORMATS: dict[str, SearchStrategy[str]] = {
    "date-time": _date_times(),
    "date": st.dates(datetime.date(1970, 1, 1), datetime.date(2100, 1, 1)).map(datetime.date.isoformat),
    "uri": st.from_regex(re.compile(r"https://[a-z]{1,8}\.example/[a-z0-9/]{0,8}", re.ASCII), fullmatch=True),
    "uuid": st.uuids().map(str),
    "email": st.from_regex(re.compile(r"[a-z]{1,6}@[a-z]{1,6}\.example", re.ASCII), fullmatch=True),
    "byte": st.binary(max_size=6).map(lambda raw: base64.b64encode(raw).decode()),
}


def json_types(value: Any) -> str:
    """The JSON type name of a decoded JSON value: `integer` for an int, `number` for a float."""
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
    raise TypeError(f"not a JSON value: {value!r}")


# --- the builder ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    extra_keys: bool
    max_ref_depth: int


_BUILDERS: dict[tuple[int, _Options], _Builder] = {}


def from_schema(
    schema: Any,
    spec: dict[str, Any],
    *,
    pointer: str = "#",
    extra_keys: bool = False,
    max_ref_depth: int = 2,
) -> SearchStrategy[Any]:
    """Values `schema` accepts, `$ref`s resolved against `spec`.

    `pointer` is where `schema` sits in `spec`; errors name it. With `extra_keys`, every
    object whose schema leaves `additionalProperties` open may also get keys the schema
    does not declare (`unknown_key()`), to check that unknown fields survive.
    """
    options = _Options(extra_keys, max_ref_depth)
    builder = _BUILDERS.get((id(spec), options))
    if builder is None or builder.spec is not spec:
        # Shared across calls: Hypothesis validates each strategy object once, and the
        # components every model references are then built and validated only once.
        builder = _BUILDERS[(id(spec), options)] = _Builder(spec, options)
    try:
        return builder.build(schema, pointer, ())
    except _TooDeep:
        raise UnsupportedSchema(pointer, f"needs more than {max_ref_depth} levels of recursion") from None


class _Builder:
    def __init__(self, spec: dict[str, Any], options: _Options) -> None:
        self.spec = spec
        self.options = options
        # (pointer, refs) -> [(schema, strategy)]: schemas compared by identity, as a
        # pointer can stand for a derived copy too (a merged allOf, a de-nulled member).
        self.memo: dict[tuple[str, tuple[str, ...]], list[tuple[Any, SearchStrategy[Any]]]] = {}

    def build(self, schema: Any, pointer: str, refs: tuple[str, ...]) -> SearchStrategy[Any]:
        entries = self.memo.setdefault((pointer, refs), [])
        for known, strategy in entries:
            if known is schema:
                return strategy
        strategy = self._build(schema, pointer, refs)
        entries.append((schema, strategy))
        return strategy

    def _build(self, schema: Any, pointer: str, refs: tuple[str, ...]) -> SearchStrategy[Any]:
        if not isinstance(schema, dict):
            raise UnsupportedSchema(pointer, f"a schema must be an object, got {type(schema).__name__}")
        unknown = sorted(key for key in schema if key not in KNOWN and not key.startswith("x-"))
        if unknown:
            raise UnsupportedSchema(pointer, f"unsupported keyword(s) {', '.join(unknown)}")
        if "$ref" in schema:
            return self._ref(schema, pointer, refs)
        nullable = schema.get("nullable", False)
        if not isinstance(nullable, bool):
            raise UnsupportedSchema(pointer, f"nullable must be a boolean, got {nullable!r}")
        if "enum" in schema:
            return self._enum(schema, pointer, nullable)
        if "allOf" in schema:
            strategy = self._all_of(schema, pointer, refs)
        elif "anyOf" in schema or "oneOf" in schema:
            strategy = self._union(schema, pointer, refs)
        else:
            strategy = self._typed(schema, pointer, refs)
        return st.none() | strategy if nullable else strategy

    # $ref, enum, combinators

    def _ref(self, schema: dict[str, Any], pointer: str, refs: tuple[str, ...]) -> SearchStrategy[Any]:
        siblings = sorted(set(schema) - {"$ref"} - ANNOTATIONS)
        if siblings:
            # OpenAPI 3.0 ignores them; a spec that relies on them means something else.
            raise UnsupportedSchema(pointer, f"keywords beside $ref are ignored by OpenAPI 3.0: {', '.join(siblings)}")
        target = schema["$ref"]
        if not isinstance(target, str) or not target.startswith("#/"):
            raise UnsupportedSchema(pointer, f"only local references are supported, got {target!r}")
        if refs.count(target) >= self.options.max_ref_depth:
            raise _TooDeep(target)
        try:
            resolved = _resolve_pointer(self.spec, target)
        except (KeyError, IndexError, ValueError):
            raise UnsupportedSchema(pointer, f"unresolvable reference {target}") from None
        return self.build(resolved, target, (*refs, target))

    def _enum(self, schema: dict[str, Any], pointer: str, nullable: bool) -> SearchStrategy[Any]:
        values = schema["enum"]
        if not isinstance(values, list) or not values:
            raise UnsupportedSchema(pointer, "enum must be a non-empty list")
        extra = sorted(set(schema) - {"enum", "type", "nullable"} - ANNOTATIONS)
        if extra:
            raise UnsupportedSchema(pointer, f"enum combined with {', '.join(extra)}")
        kind = schema.get("type")
        for value in values:
            if value is not None and kind is not None and not _has_type(value, kind):
                raise UnsupportedSchema(pointer, f"enum value {value!r} is not of type {kind}")
        # Null is a value when the enum lists it (the transforms' spelling of a nullable enum,
        # see to_json_schema) or when `nullable` says so (OpenAPI 3.0's own).
        if nullable and None not in values:
            values = [*values, None]
        return st.sampled_from(values)

    def _union(self, schema: dict[str, Any], pointer: str, refs: tuple[str, ...]) -> SearchStrategy[Any]:
        if "anyOf" in schema and "oneOf" in schema:
            raise UnsupportedSchema(pointer, "anyOf together with oneOf")
        keyword = "anyOf" if "anyOf" in schema else "oneOf"
        extra = sorted(set(schema) - {keyword, "nullable"} - ANNOTATIONS)
        if extra:
            raise UnsupportedSchema(pointer, f"{keyword} combined with {', '.join(extra)} (intersection not supported)")
        members = schema[keyword]
        if not isinstance(members, list) or not members:
            raise UnsupportedSchema(pointer, f"{keyword} must be a non-empty list")
        strategies, skipped = [], []
        for index, member in enumerate(members):
            try:
                strategies.append(self.build(member, f"{pointer}/{keyword}/{index}", refs))
            except (NotJSON, _TooDeep) as exc:
                skipped.append(exc)
        if not strategies:
            raise skipped[0]
        return st.one_of(strategies)

    def _all_of(self, schema: dict[str, Any], pointer: str, refs: tuple[str, ...]) -> SearchStrategy[Any]:
        extra = sorted(set(schema) - {"allOf", "nullable"} - ANNOTATIONS)
        if extra:
            raise UnsupportedSchema(pointer, f"allOf combined with {', '.join(extra)}")
        members = schema["allOf"]
        if not isinstance(members, list) or not members:
            raise UnsupportedSchema(pointer, "allOf must be a non-empty list")
        if len(members) == 1:
            return self.build(members[0], f"{pointer}/allOf/0", refs)
        resolved = [self._deref(member, f"{pointer}/allOf/{i}", refs) for i, member in enumerate(members)]
        if not all(_is_plain_object(member) or "allOf" in member for member, _, _ in resolved):
            return self._intersection(resolved, pointer)
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for member, member_pointer, member_refs in resolved:
            for part, part_pointer in self._object_parts(member, member_pointer, member_refs):
                for name in part.get("properties") or {}:
                    # A reference to where the property is declared keeps error pointers real.
                    here = {"$ref": f"{part_pointer}/properties/{_escape(name)}"}
                    known = merged["properties"].get(name)
                    merged["properties"][name] = here if known is None else {"allOf": [known, here]}
                merged["required"] += [name for name in part.get("required") or [] if name not in merged["required"]]
                if part.get("additionalProperties") not in (None, True, {}):
                    # Each member's restriction would apply to the others' properties too.
                    raise UnsupportedSchema(part_pointer, "allOf member restricts additionalProperties")
        return self._object(merged, pointer, refs)

    def _object_parts(
        self, schema: dict[str, Any], pointer: str, refs: tuple[str, ...]
    ) -> list[tuple[dict[str, Any], str]]:
        if "allOf" not in schema:
            if not _is_plain_object(schema):
                raise UnsupportedSchema(pointer, "allOf member is not a plain object schema")
            return [(schema, pointer)]
        extra = sorted(set(schema) - {"allOf"} - ANNOTATIONS)
        if extra:
            raise UnsupportedSchema(pointer, f"allOf combined with {', '.join(extra)}")
        parts = []
        for index, member in enumerate(schema["allOf"]):
            member, member_pointer, member_refs = self._deref(member, f"{pointer}/allOf/{index}", refs)
            parts += self._object_parts(member, member_pointer, member_refs)
        return parts

    def _intersection(self, members: list[tuple[Any, str, tuple[str, ...]]], pointer: str) -> SearchStrategy[Any]:
        """Values of one member (an enum if there is one) that all the others accept."""
        order = sorted(range(len(members)), key=lambda i: "enum" not in members[i][0])
        first, first_pointer, first_refs = members[order[0]]
        others = [members[i][1] for i in order[1:]]
        check = _validator(self.spec, {"allOf": [{"$ref": f"{SPEC_URI}{other}"} for other in others]})
        return self.build(first, first_pointer, first_refs).filter(check.is_valid)

    def _deref(self, schema: Any, pointer: str, refs: tuple[str, ...]) -> tuple[Any, str, tuple[str, ...]]:
        while isinstance(schema, dict) and "$ref" in schema:
            target = schema["$ref"]
            if refs.count(target) >= self.options.max_ref_depth:
                raise _TooDeep(target)
            try:
                resolved = _resolve_pointer(self.spec, target)
            except (KeyError, IndexError, ValueError):
                raise UnsupportedSchema(pointer, f"unresolvable reference {target}") from None
            schema, pointer, refs = resolved, target, (*refs, target)
        return schema, pointer, refs

    # typed schemas

    def _typed(self, schema: dict[str, Any], pointer: str, refs: tuple[str, ...]) -> SearchStrategy[Any]:
        kind = schema.get("type")
        if kind is None and ("properties" in schema or "additionalProperties" in schema or "required" in schema):
            kind = "object"
        if kind is None:
            constraints = sorted(set(schema) - {"nullable"} - ANNOTATIONS)
            if constraints:
                raise UnsupportedSchema(pointer, f"{', '.join(constraints)} without a type")
            return any_json()
        if not isinstance(kind, str) or kind not in _BY_TYPE:
            raise UnsupportedSchema(pointer, f"unsupported type {kind!r}")
        misplaced = sorted((set().union(*_BY_TYPE.values()) - _BY_TYPE[kind]) & set(schema))
        if misplaced:
            raise UnsupportedSchema(pointer, f"{', '.join(misplaced)} does not apply to type {kind}")
        if kind == "string":
            return self._string(schema, pointer)
        if kind == "integer":
            return self._integer(schema, pointer)
        if kind == "number":
            return self._number(schema, pointer)
        if kind == "boolean":
            return st.booleans()
        if kind == "array":
            return self._array(schema, pointer, refs)
        return self._object(schema, pointer, refs)

    def _string(self, schema: dict[str, Any], pointer: str) -> SearchStrategy[str]:
        min_length = _non_negative(schema, "minLength", pointer, 0)
        max_length = _non_negative(schema, "maxLength", pointer, None)
        if max_length is not None and max_length < min_length:
            raise UnsupportedSchema(pointer, "maxLength below minLength")
        fmt, pattern = schema.get("format"), schema.get("pattern")
        if fmt is not None and pattern is not None:
            raise UnsupportedSchema(pointer, "format together with pattern")
        if fmt == "binary":
            raise NotJSON(pointer, "format binary has no JSON form")
        if fmt is not None:
            if fmt not in _FORMATS:
                raise UnsupportedSchema(pointer, f"unsupported format {fmt!r}")
            strategy = _FORMATS[fmt]
        elif pattern is not None:
            strategy = st.from_regex(_compile_pattern(pattern, pointer), fullmatch=True)
        else:
            top = min_length + MAX_TEXT if max_length is None else min(max_length, min_length + MAX_TEXT)
            return st.text(st.characters(codec="utf-8"), min_size=min_length, max_size=top)
        if min_length or max_length is not None:
            longest = math.inf if max_length is None else max_length
            strategy = strategy.filter(lambda text: min_length <= len(text) <= longest)
        return strategy

    def _bounds(self, schema: dict[str, Any], pointer: str) -> tuple[Any, Any, bool, bool]:
        low, high = schema.get("minimum"), schema.get("maximum")
        exclusive_low, exclusive_high = schema.get("exclusiveMinimum", False), schema.get("exclusiveMaximum", False)
        for name, value in (("exclusiveMinimum", exclusive_low), ("exclusiveMaximum", exclusive_high)):
            if not isinstance(value, bool):
                # A number here is OpenAPI 3.1 / draft 6+ syntax, which 3.0 does not have.
                raise UnsupportedSchema(pointer, f"{name} must be a boolean in OpenAPI 3.0, got {value!r}")
        for name, value in (("minimum", low), ("maximum", high)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise UnsupportedSchema(pointer, f"{name} must be a number, got {value!r}")
        return low, high, exclusive_low and low is not None, exclusive_high and high is not None

    def _integer(self, schema: dict[str, Any], pointer: str) -> SearchStrategy[int]:
        low, high, exclusive_low, exclusive_high = self._bounds(schema, pointer)
        lo = None if low is None else (math.floor(low) + 1 if exclusive_low or low != math.floor(low) else int(low))
        hi = None if high is None else (math.ceil(high) - 1 if exclusive_high or high != math.ceil(high) else int(high))
        # JSON numbers beyond 2**53 lose precision in most decoders; Venice's never get there.
        lo = -(2**53) if lo is None else lo
        hi = 2**53 if hi is None else hi
        if lo > hi:
            raise UnsupportedSchema(pointer, "no integer satisfies minimum/maximum")
        step = schema.get("multipleOf")
        if step is None:
            return st.integers(lo, hi)
        if not isinstance(step, int) or isinstance(step, bool) or step <= 0:
            raise UnsupportedSchema(pointer, f"integer multipleOf must be a positive integer, got {step!r}")
        first, last = -(-lo // step), hi // step
        if first > last:
            raise UnsupportedSchema(pointer, "no multiple of multipleOf within minimum/maximum")
        return st.integers(first, last).map(lambda k: k * step)

    def _number(self, schema: dict[str, Any], pointer: str) -> SearchStrategy[float | int]:
        low, high, exclusive_low, exclusive_high = self._bounds(schema, pointer)
        step = schema.get("multipleOf")
        if step is not None:
            if isinstance(step, bool) or not isinstance(step, int | float) or step <= 0:
                raise UnsupportedSchema(pointer, f"multipleOf must be a positive number, got {step!r}")
            first = -(2**20) if low is None else math.ceil(low / step)
            last = 2**20 if high is None else math.floor(high / step)
            multiples = st.integers(first, last).map(lambda k: k * step)
            return multiples.filter(lambda v: _within(v, low, high, exclusive_low, exclusive_high))
        floats = st.floats(
            min_value=low,
            max_value=high,
            exclude_min=exclusive_low,
            exclude_max=exclusive_high,
            allow_nan=False,
            allow_infinity=False,
        )
        # Integral JSON numbers (`50`) are what Venice mostly sends for `number` fields.
        try:
            integral = self._integer(schema, pointer)
        except UnsupportedSchema:
            integral = st.nothing()
        return floats | integral

    def _array(self, schema: dict[str, Any], pointer: str, refs: tuple[str, ...]) -> SearchStrategy[list[Any]]:
        if "items" not in schema:
            raise UnsupportedSchema(pointer, "array without items")
        min_items = _non_negative(schema, "minItems", pointer, 0)
        max_items = _non_negative(schema, "maxItems", pointer, None)
        top = min_items + MAX_ITEMS if max_items is None else min(max_items, min_items + MAX_ITEMS)
        if top < min_items:
            raise UnsupportedSchema(pointer, "maxItems below minItems")
        try:
            items = self.build(schema["items"], f"{pointer}/items", refs)
        except (NotJSON, _TooDeep):
            if min_items:
                raise
            return st.just([])
        return st.lists(items, min_size=min_items, max_size=top)

    def _object(self, schema: dict[str, Any], pointer: str, refs: tuple[str, ...]) -> SearchStrategy[dict[str, Any]]:
        properties = schema.get("properties") or {}
        required = schema.get("required") or []
        if not isinstance(properties, dict) or not isinstance(required, list):
            raise UnsupportedSchema(pointer, "properties must be an object and required a list")
        missing = [name for name in required if name not in properties]
        if missing and schema.get("additionalProperties") is False:
            raise UnsupportedSchema(pointer, f"required {missing} are neither declared nor allowed")
        mandatory: dict[str, SearchStrategy[Any]] = {}
        optional: dict[str, SearchStrategy[Any]] = {}
        for name, prop in properties.items():
            prop_pointer = f"{pointer}/properties/{_escape(name)}"
            try:
                strategy = self.build(prop, prop_pointer, refs)
            except (NotJSON, _TooDeep):
                if name in required:
                    raise
                continue
            (mandatory if name in required else optional)[name] = strategy
        for name in missing:
            # Required but undeclared: any value satisfies the schema.
            mandatory[name] = any_json()
        fixed = st.fixed_dictionaries(mandatory, optional=optional)
        extra_schema = schema.get("additionalProperties")
        extras: SearchStrategy[dict[str, Any]] | None = None
        if isinstance(extra_schema, dict) and extra_schema:
            values = self.build(extra_schema, f"{pointer}/additionalProperties", refs)
            keys = _text.filter(lambda key: key not in properties)
            extras = st.dictionaries(keys, values, max_size=MAX_EXTRA_KEYS)
        elif extra_schema is True or extra_schema == {}:
            extras = st.dictionaries(unknown_key(), any_json(), max_size=MAX_EXTRA_KEYS)
        elif extra_schema is not None and extra_schema is not False:
            raise UnsupportedSchema(pointer, f"additionalProperties must be a bool or a schema, got {extra_schema!r}")
        if self.options.extra_keys and (extra_schema is None or extra_schema is True or extra_schema == {}):
            extras = st.dictionaries(unknown_key(), any_json(3), max_size=MAX_EXTRA_KEYS)
        if extras is None:
            return fixed
        return st.builds(lambda declared, more: {**more, **declared}, fixed, extras)


# --- OpenAPI 3.0 -> JSON Schema draft 4 ------------------------------------------------

SPEC_URI = "urn:venice-spec"
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})


def to_json_schema(node: Any) -> Any:
    """A copy of `node` (a schema, or a whole spec) with `nullable` spelled as draft 4 can check it.

    `nullable: true` becomes `type: [T, "null"]` (and null joins an `enum`), or a
    `{type: null}` member appended to an `anyOf`/`oneOf`, so JSON pointers into the copy
    still find what they found in `node`; only a nullable `allOf` has to be wrapped in an
    `anyOf` (pointers below it move). An enum that lists null takes null even without
    `nullable`: the transforms spell a nullable enum that way (`nullable_enums_list_null`),
    as the generator reads it. A `nullable` beside a `$ref` stays: OpenAPI 3.0 ignores it
    there. Everything else draft 4 reads the way OpenAPI 3.0 does (boolean
    exclusiveMinimum, ignored $ref siblings, unknown keywords such as `example`).
    """
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: (value if key in _DATA_KEYS else to_json_schema(value)) for key, value in node.items()}
    enum = converted.get("enum")
    nullable = converted.get("nullable") is True or (isinstance(enum, list) and None in enum)
    if not nullable or "$ref" in converted:
        return converted
    converted.pop("nullable", None)
    if isinstance(enum, list) and None not in enum:
        converted["enum"] = [*enum, None]
    if isinstance(converted.get("type"), str):
        converted["type"] = [converted["type"], "null"]
    elif "anyOf" in converted or "oneOf" in converted:
        keyword = "anyOf" if "anyOf" in converted else "oneOf"
        converted[keyword] = [*converted[keyword], {"type": "null"}]
    elif "allOf" in converted:
        return {"anyOf": [{"type": "null"}, converted]}
    return converted


_REGISTRIES: dict[int, tuple[dict[str, Any], Any]] = {}


def _registry(spec: dict[str, Any]) -> Any:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    cached = _REGISTRIES.get(id(spec))
    if cached is None or cached[0] is not spec:
        resource = Resource.from_contents(to_json_schema(spec), default_specification=DRAFT4)
        cached = _REGISTRIES[id(spec)] = (spec, Registry().with_resource(SPEC_URI, resource))
    return cached[1]


def _validator(spec: dict[str, Any], schema: dict[str, Any], *, formats: bool = False) -> Any:
    """A draft 4 validator for `schema`, whose `urn:venice-spec#/...` refs point into `spec`."""
    from jsonschema import Draft4Validator

    checker = Draft4Validator.FORMAT_CHECKER if formats else None
    return Draft4Validator(schema, registry=_registry(spec), format_checker=checker)


def validator_at(spec: dict[str, Any], pointer: str, *, formats: bool = True) -> Any:
    """A draft 4 validator for the schema at `pointer` in `spec` (converted by to_json_schema)."""
    return _validator(spec, {"$ref": f"{SPEC_URI}{pointer}"}, formats=formats)


# --- helpers ---------------------------------------------------------------------------


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _resolve_pointer(document: Any, pointer: str) -> Any:
    node = document
    for token in [t for t in pointer[1:].split("/") if t != ""]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _non_negative(schema: dict[str, Any], keyword: str, pointer: str, default: int | None) -> int | None:
    value = schema.get(keyword, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise UnsupportedSchema(pointer, f"{keyword} must be a non-negative integer, got {value!r}")
    return value


def _compile_pattern(pattern: Any, pointer: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise UnsupportedSchema(pointer, f"pattern must be a string, got {pattern!r}")
    # JSON Schema patterns search (unanchored) and use ECMA 262 syntax. Only fully anchored
    # patterns are accepted: Python's `$` would also match before a trailing newline.
    if not (pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")):
        raise UnsupportedSchema(pointer, f"only ^...$-anchored patterns are supported, got {pattern!r}")
    if "|" in pattern:
        # `^a|b$` anchors each branch on one side only; stripping the anchors would change it.
        raise UnsupportedSchema(pointer, f"patterns with alternation are not supported, got {pattern!r}")
    try:
        # re.ASCII: ECMA's \d and \w are ASCII-only.
        return re.compile(pattern[1:-1], re.ASCII)
    except re.error as exc:
        raise UnsupportedSchema(pointer, f"pattern {pattern!r} is not a valid regular expression: {exc}") from None


def _has_type(value: Any, kind: Any) -> bool:
    actual = json_types(value)
    return actual == kind or (kind == "number" and actual == "integer")


def _within(value: float, low: Any, high: Any, exclusive_low: bool, exclusive_high: bool) -> bool:
    if low is not None and (value < low or (exclusive_low and value == low)):
        return False
    return not (high is not None and (value > high or (exclusive_high and value == high)))


def _is_plain_object(schema: Any) -> bool:
    if not isinstance(schema, dict) or schema.get("nullable") or {"anyOf", "oneOf", "enum"} & schema.keys():
        return False
    return schema.get("type") == "object" or ("type" not in schema and "properties" in schema)
