"""Union parsers pick the member that trying every member strictly, then every member leniently, would pick.

A generated union parser makes one lenient pass (spec/templates/property_templates/
union_property.py.jinja): it counts the unlisted enum values each member lets through
(errors.TALLY), skips members that cannot fit and puts off those whose discriminator
names another value. Whatever it does must come to the same answer as the plain rule,
written out here as `reference`: the first member that reads the value with listed
enum values only (`strict`, errors.unlisted_enum made to raise), else the first member
that reads it at all. The parser must also leave the count as it found it exactly when
that strict reading exists, since an enclosing union relies on the count.

Values are drawn per member (a valid instance of a model member's schema, a listed or
unlisted literal), then their top-level strings are mixed up with every member's
discriminator values and an unlisted one, so that members compete for them.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _specs import SCHEMA_SETTINGS, model_schemas, model_strategy, object_parts, require_spec, transformed_spec
from hypothesis import given, note
from hypothesis import strategies as st
from schema_strategies import any_json

import venice_api.errors as errors
import venice_api.models
from venice_api.types import Unset

require_spec()

UNLISTED = "zz-unlisted"
PRIMITIVES: dict[Any, Callable[[Any], bool]] = {
    str: lambda value: isinstance(value, str),
    bool: lambda value: isinstance(value, bool),
    int: lambda value: isinstance(value, int) and not isinstance(value, bool),
    float: lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
}
FAILURES = (TypeError, ValueError, AttributeError, KeyError)


def union_parsers() -> list[tuple[str, Callable[[Any], Any], tuple[Any, ...]]]:
    """Every module-level union parser of the models package whose members this file can read itself."""
    found = []
    for info in pkgutil.iter_modules(venice_api.models.__path__):
        module = importlib.import_module(f"venice_api.models.{info.name}")
        if hasattr(module, "_bind_lazy_imports"):
            module._bind_lazy_imports()  # the annotations name classes imported on first use
        for name, parser in sorted(vars(module).items()):
            if not (name.startswith("_parse_") and isinstance(parser, types.FunctionType)):
                continue
            members = typing.get_args(typing.get_type_hints(parser)["return"])
            typed = [member for member in members if member not in (type(None), Unset)]
            if len(typed) > 1 and all(_readable(member) for member in typed):
                found.append((f"{info.name}.{name}", parser, members))
    return found


def _readable(member: Any) -> bool:
    if member in (type(None), Unset):
        return True
    return hasattr(member, "from_dict") or member in PRIMITIVES or typing.get_origin(member) is typing.Literal


@contextlib.contextmanager
def strict() -> Iterator[None]:
    listed_only = errors.unlisted_enum

    def refuse(value: Any, kind: type, values: frozenset[Any]) -> None:
        listed_only(value, kind, values)
        if value not in values:
            raise TypeError(f"unlisted {value!r}")

    errors.unlisted_enum = refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        errors.unlisted_enum = listed_only  # type: ignore[assignment]


def read(member: Any, value: Any, *, listed_only: bool) -> Any:
    if member in (type(None), Unset):
        if not isinstance(value, member):
            raise TypeError("not null")
        return value
    if hasattr(member, "from_dict"):
        if not isinstance(value, dict):
            raise TypeError("not an object")
        return member.from_dict(value)
    if member in PRIMITIVES:
        if not PRIMITIVES[member](value):
            raise TypeError("wrong type")
        return value
    listed = typing.get_args(member)
    if not isinstance(value, type(listed[0])) or isinstance(value, bool):
        raise TypeError("wrong type")
    if listed_only and value not in listed:
        raise TypeError("unlisted")
    return value


def reference(members: tuple[Any, ...], value: Any) -> tuple[Any, bool]:
    """The reading the plain rule picks, and whether it is a strict one."""
    for listed_only in (True, False):
        for member in members:
            try:
                with strict() if listed_only else contextlib.nullcontext():
                    return read(member, value, listed_only=listed_only), listed_only
            except FAILURES:
                pass
    raise TypeError("fits no member")


def _discriminators(members: tuple[Any, ...]) -> list[Any]:
    schemas = {schema.class_name: schema for schema in model_schemas()}
    found: set[str] = {UNLISTED}
    for member in members:
        if member in (type(None), Unset):
            continue
        if typing.get_origin(member) is typing.Literal:
            found |= {value for value in typing.get_args(member) if isinstance(value, str)}
        elif member.__name__ in schemas:
            properties, _required = object_parts(schemas[member.__name__].schema, transformed_spec())
            for prop in properties.values():
                found |= {value for value in prop.get("enum") or [] if isinstance(value, str)}
    return sorted(found)


@st.composite
def member_values(draw: st.DrawFn, members: tuple[Any, ...]) -> Any:
    schemas = {schema.class_name: schema for schema in model_schemas()}
    member = draw(st.sampled_from(members))
    if member in (type(None), Unset):
        return None if member is type(None) else Unset()
    if hasattr(member, "from_dict"):
        value = draw(model_strategy(schemas[member.__name__])) if member.__name__ in schemas else {}
    elif member in PRIMITIVES:
        value = draw(any_json(1))
    else:
        value = draw(st.sampled_from([*typing.get_args(member), UNLISTED]))
    if isinstance(value, dict):
        choices = st.sampled_from(_discriminators(members))
        for key in sorted(key for key, item in value.items() if isinstance(item, str)):
            if draw(st.booleans()):
                value[key] = draw(choices)
    return value


def same(left: Any, right: Any) -> bool:
    if hasattr(left, "to_dict"):
        return type(left) is type(right) and left.to_dict() == right.to_dict()
    return type(left) is type(right) and left == right


UNIONS = union_parsers()


def test_the_spec_has_unions_with_competing_members() -> None:
    names = [name for name, _parser, _members in UNIONS]
    assert "chat_completion_request._parse_messages_item" in names
    assert len(UNIONS) >= 10, names


@pytest.mark.parametrize(("name", "parser", "members"), UNIONS, ids=[name for name, _p, _m in UNIONS])
@SCHEMA_SETTINGS
@given(data=st.data())
def test_a_union_picks_what_strict_then_lenient_would(
    name: str, parser: Callable[[Any], Any], members: tuple[Any, ...], data: st.DataObject
) -> None:
    value = data.draw(member_values(members), label="value")
    note(f"{name}({value!r})")
    try:
        expected, strictly = reference(members, value)
    except TypeError:
        with pytest.raises(FAILURES):
            parser(value)
        return
    before = errors.TALLY.unlisted
    got = parser(value)
    assert same(got, expected), f"{name} read {got!r}, the plain rule {expected!r}"
    assert (errors.TALLY.unlisted == before) == strictly, "the count must say whether the reading is strict"


def test_a_discriminator_picks_its_member_over_an_earlier_one() -> None:
    from venice_api.models import ChatCompletionRequest

    roles = ["user", "assistant", "tool", "system", "developer"]
    messages = [{"role": role, "content": "x", **({"tool_call_id": "c1"} if role == "tool" else {})} for role in roles]
    request = ChatCompletionRequest.from_dict({"model": "m", "messages": messages})
    assert [message.role for message in request.messages] == roles
    assert len({type(message) for message in request.messages}) == len(roles), "one member per role"


def test_an_unlisted_discriminator_falls_back_to_the_first_member_that_reads_it() -> None:
    from venice_api.models import ChatCompletionRequest

    before = errors.TALLY.unlisted
    request = ChatCompletionRequest.from_dict({"model": "m", "messages": [{"role": "critic", "content": "x"}]})
    message = request.messages[0]
    assert message.role == "critic"
    assert type(message).__name__ == "ChatCompletionRequestMessagesItemType0", "the first member that reads it"
    assert request.to_dict()["messages"] == [{"role": "critic", "content": "x"}]
    assert errors.TALLY.unlisted > before, "the unlisted value is counted"
