"""Tool schemas from signatures and docstrings; argument checking; explicit schemas."""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
from typing import Any, Literal, Optional, TypedDict

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from venice_ext.tools._check import validate
from venice_ext.tools._schema import ArgumentError, UnsupportedTypeError, shape_of
from venice_ext.tools._tool import Tool, ToolArgumentsError, as_tool, schema_tool, tool


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


@dataclasses.dataclass
class Place:
    city: str
    country: str = "FR"


@attrs.define
class Window:
    start: int
    end: int | None = None


def get_weather(
    place: Place,
    unit: Unit = Unit.CELSIUS,
    days: int = 1,
    detail: Literal["low", "high"] = "low",
    window: Window | None = None,
    tags: list[str] | None = None,
    extra: dict[str, float] | None = None,
    verbose: Optional[bool] = None,  # noqa: UP045 - Optional is part of the contract
) -> dict[str, Any]:
    """Get the weather forecast for a place.

    Args:
        place: Where to look.
        unit (Unit): Temperature unit,
            celsius or fahrenheit.
        days: How many days ahead.
    """
    return {"city": place.city, "unit": unit.value, "days": days}


def test_schema_from_signature_and_google_docstring() -> None:
    definition = tool(get_weather).definition()
    function = definition["function"]
    assert definition["type"] == "function" and function["name"] == "get_weather"
    assert function["description"] == "Get the weather forecast for a place."
    params = function["parameters"]
    assert params["required"] == ["place"] and params["additionalProperties"] is False
    props = params["properties"]
    assert props["place"] == {
        "type": "object",
        "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
        "description": "Where to look.",
    }
    assert props["unit"] == {
        "type": "string",
        "enum": ["celsius", "fahrenheit"],
        "description": "Temperature unit, celsius or fahrenheit.",
    }
    assert props["days"] == {"type": "integer", "description": "How many days ahead."}
    assert props["detail"] == {"type": "string", "enum": ["low", "high"]}
    assert props["window"]["anyOf"][1] == {"type": "null"}
    assert props["tags"] == {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]}
    assert props["extra"]["anyOf"][0] == {"type": "object", "additionalProperties": {"type": "number"}}
    assert props["verbose"] == {"anyOf": [{"type": "boolean"}, {"type": "null"}]}


def test_rest_docstring() -> None:
    def search(query: str, limit: int = 5) -> list[str]:
        """Search the web.

        :param query: What to look for.
        :param int limit: How many results.
        :returns: titles
        """
        return []

    definition = tool(search).definition()["function"]
    assert definition["description"] == "Search the web."
    assert definition["parameters"]["properties"]["query"]["description"] == "What to look for."
    assert definition["parameters"]["properties"]["limit"]["description"] == "How many results."


def test_arguments_are_checked_and_converted() -> None:
    weather = tool(get_weather)
    kwargs = weather.arguments('{"place": {"city": "Paris"}, "unit": "fahrenheit", "window": {"start": 1}}')
    assert kwargs == {"place": Place("Paris"), "unit": Unit.FAHRENHEIT, "window": Window(1)}
    assert weather(**kwargs)["unit"] == "fahrenheit"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"unit": "celsius"}', "place: required field is missing"),
        ('{"place": {"city": 7}}', "place.city: expected string, got integer"),
        ('{"place": {"city": "Paris"}, "unit": "kelvin"}', "unit: expected one of"),
        ('{"place": {"city": "Paris"}, "days": "two"}', "days: expected integer"),
        ('{"place": {"city": "Paris"}, "days": true}', "days: expected integer, got boolean"),
        ('{"place": {"city": "Paris"}, "colour": "red"}', "unknown field(s) colour"),
        ('{"place": {"city": "Paris"}, "tags": ["a", 1]}', "tags[1]: expected string, got integer"),
    ],
)
def test_bad_arguments_name_the_problem(raw: str, message: str) -> None:
    with pytest.raises(ToolArgumentsError, match=re.escape(message)):
        tool(get_weather).arguments(raw)


@pytest.mark.parametrize(
    "annotation",
    [set[str], tuple[int, int], bytes, complex, dict[int, str], type(None).__class__, Any.__class__],
    ids=["set", "tuple", "bytes", "complex", "int-keys", "type", "special-form"],
)
def test_unsupported_annotations_fail_at_definition(annotation: Any) -> None:
    def handler(value):  # type: ignore[no-untyped-def]
        return value

    handler.__annotations__ = {"value": annotation}
    with pytest.raises(UnsupportedTypeError, match="parameter 'value'"):
        tool(handler)


def test_missing_annotation_and_star_args_fail_at_definition() -> None:
    def untyped(x):  # type: ignore[no-untyped-def]
        return x

    def star(*args: int) -> None:
        return None

    with pytest.raises(UnsupportedTypeError, match="needs a type annotation"):
        tool(untyped)
    with pytest.raises(UnsupportedTypeError, match=r"\*args"):
        tool(star)


@dataclasses.dataclass
class Node:
    children: list[Node]


class Movie(TypedDict):
    title: str
    year: int


def test_recursive_types_are_refused() -> None:
    with pytest.raises(UnsupportedTypeError, match="refers to itself"):
        shape_of(Node)


def test_typed_dict_and_names_and_decorator_forms() -> None:
    @tool(name="add_movie", description="Store a movie.")
    async def add(movie: Movie) -> str:
        return movie["title"]

    assert isinstance(add, Tool) and add.name == "add_movie" and add.is_async
    assert add.arguments('{"movie": {"title": "Alien", "year": 1979}}') == {"movie": {"title": "Alien", "year": 1979}}
    with pytest.raises(ValueError, match="letters, digits"):
        tool(get_weather, name="has space")


def test_explicit_schema_tools() -> None:
    definition = {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Look up",
            "parameters": {
                "type": "object",
                "properties": {"id": {"type": "integer", "minimum": 1}},
                "required": ["id"],
                "additionalProperties": False,
            },
        },
    }
    lookup = as_tool((definition, lambda id: {"id": id}))
    assert lookup.definition() == definition
    assert lookup.arguments('{"id": 3}') == {"id": 3}
    with pytest.raises(ToolArgumentsError, match="at least 1"):
        lookup.arguments('{"id": 0}')
    with pytest.raises(UnsupportedTypeError, match="patternProperties"):
        schema_tool({"name": "x", "parameters": {"type": "object", "patternProperties": {}}}, print)


# --- hypothesis: the generated schema accepts exactly the arguments the function accepts ------

LEAVES: list[tuple[Any, st.SearchStrategy[Any]]] = [
    (str, st.text(max_size=5)),
    (int, st.integers(-5, 5)),
    (float, st.floats(-5, 5, allow_nan=False)),
    (bool, st.booleans()),
    (Literal["a", "b"], st.sampled_from(["a", "b"])),
    (Unit, st.sampled_from(list(Unit))),
]
annotations = st.recursive(
    st.sampled_from([leaf for leaf, _ in LEAVES]),
    lambda inner: st.one_of(
        inner.map(lambda t: list[t]),
        inner.map(lambda t: dict[str, t]),  # type: ignore[valid-type]
        inner.map(lambda t: Optional[t]),  # noqa: UP045
    ),
    max_leaves=3,
)
any_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(-5, 5, allow_nan=False)
    | st.text(max_size=3)
    | st.sampled_from(["a", "b", "celsius"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=5,
)


def fits(value: Any, annotation: Any) -> bool:
    """An independent reading of what a JSON value means for an annotation."""
    origin = getattr(annotation, "__origin__", None)
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:  # JSON Schema: 1.0 is an integer
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if annotation is Unit:
        return isinstance(value, str) and value in {u.value for u in Unit}
    if origin is Literal:
        return isinstance(value, str) and value in annotation.__args__
    if origin is list:
        return isinstance(value, list) and all(fits(v, annotation.__args__[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(fits(v, annotation.__args__[1]) for v in value.values())
    inner = next(a for a in annotation.__args__ if a is not type(None))
    return value is None or fits(value, inner)


@given(params=st.lists(st.tuples(annotations, st.booleans()), min_size=1, max_size=4), data=st.data())
@settings(max_examples=150, deadline=None)
def test_schema_accepts_exactly_what_the_function_accepts(params: list[tuple[Any, bool]], data: st.DataObject) -> None:
    names = [f"p{i}" for i in range(len(params))]
    ordered = sorted(zip(names, params, strict=True), key=lambda item: item[1][1])  # required ones first
    parameters = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=annotation,
            default=inspect.Parameter.empty if not has_default else None,
        )
        for name, (annotation, has_default) in ordered
    ]

    def handler(**kwargs: Any) -> Any:
        return kwargs

    handler.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    handler.__annotations__ = {name: annotation for name, (annotation, _) in ordered}
    definition = tool(handler)
    arguments = data.draw(st.dictionaries(st.sampled_from([*names, "stray"]), any_json, max_size=5))
    expected = (
        "stray" not in arguments
        and all(name in arguments or has_default for name, (_, has_default) in ordered)
        and all(fits(arguments[name], annotation) for name, (annotation, _) in ordered if name in arguments)
    )
    try:
        validate(arguments, definition.parameters)
        schema_ok = True
    except ArgumentError:
        schema_ok = False
    try:
        inspect.signature(handler).bind(**definition.shape.convert(arguments))  # type: ignore[union-attr]
        converted_ok = True
    except (ArgumentError, TypeError):
        converted_ok = False
    assert schema_ok == expected, (arguments, definition.parameters)
    assert converted_ok == expected
