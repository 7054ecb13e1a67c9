"""The generated resource classes (`venice_api/resources`), written in the same run as the rest.

`ResourceProject` is the generator's `Project` with one more step after the endpoint
modules: the resource modules, from `spec/templates/resources/`, with the names from
`scripts.resource_names` and the argument types from the generator's own parsed
properties. Everything that matters to a type checker (the success type, the
request model) stays in the endpoint module; a resource method only spreads the
request's fields into keyword arguments and names the module to send.
"""

from __future__ import annotations

import builtins
import json
import keyword
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_python_client import Project
from openapi_python_client.config import Config
from openapi_python_client.parser import GeneratorData
from openapi_python_client.parser.errors import GeneratorError
from openapi_python_client.parser.openapi import Endpoint
from openapi_python_client.parser.properties import ModelProperty
from openapi_python_client.parser.properties.file import FileProperty
from openapi_python_client.parser.properties.list_property import ListProperty
from openapi_python_client.parser.properties.union import UnionProperty
from openapi_python_client.strings import PythonIdentifier, safe_for_docstring

from scripts.resource_names import ResourcePlan

__all__ = ["ResourceProject", "generate"]

# The per-call options every method takes after the operation's own arguments.
OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("timeout", "float | httpx.Timeout | None | Unset", "UNSET"),
    ("max_retries", "int | Unset", "UNSET"),
    ("retry_ambiguous", "bool | Unset", "UNSET"),
    ("deadline", "float | Unset", "UNSET"),
    ("strict_parsing", "bool | Unset", "UNSET"),
    ("extra_headers", "Mapping[str, str] | None", "None"),
    ("extra_query", "Mapping[str, Any] | None", "None"),
    ("extra_body", "Mapping[str, Any] | None", "None"),
)
_BUILTINS = frozenset(dir(builtins))
MAPPING = "Mapping[str, Any]"


@dataclass
class Argument:
    name: str  # the keyword argument
    key: str  # the key in `params` (request_kwargs' name) or `body` (the JSON name)
    wire: str  # the name in the API
    annotation: str
    required: bool
    in_body: bool
    is_file: bool = False


@dataclass
class Method:
    name: str
    endpoint: Endpoint
    tag: str  # the endpoint module is venice_api.api.<tag>.<module>
    module: str
    arguments: list[Argument]
    has_body: bool
    doc: str
    deprecation: str | None  # a Python string literal
    imports: set[str]

    @property
    def operation(self) -> str:
        """The endpoint module's name in the resource module (private: no argument can shadow it)."""
        return f"_{self.module}"


@dataclass
class Node:
    path: tuple[str, ...]
    children: dict[str, Node] = field(default_factory=dict)
    methods: list[Method] = field(default_factory=list)

    @property
    def class_name(self) -> str:
        return "".join(part.title().replace("_", "") for part in self.path)

    @property
    def shadowed(self) -> frozenset[str]:
        """Builtins this class's own attributes hide from annotations inside its body (`list`)."""
        names = {method.name for method in self.methods} | set(self.children) | {"with_raw_response"}
        return frozenset(names & _BUILTINS)

    def walk(self) -> Iterable[Node]:
        yield self
        for child in self.children.values():
            yield from child.walk()


def qualify(annotation: str, shadowed: frozenset[str]) -> str:
    """`annotation` with every shadowed builtin spelled `builtins.<name>`."""
    if not shadowed:
        return annotation
    return re.sub(r"(?<![\w.])([A-Za-z_]\w*)", lambda m: f"builtins.{m[1]}" if m[1] in shadowed else m[1], annotation)


class ResourceProject(Project):
    """The stock project, plus the resource modules, before the post hooks format everything."""

    def __init__(self, *, plan: ResourcePlan, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.env.filters["qualify"] = qualify

    # The generator's own step for `api/`; 0.29.1 is pinned (requirements/build.txt).
    def _build_api(self) -> None:
        super()._build_api()
        families = self._families()
        target = self.package_dir / "resources"
        target.mkdir()
        encoding = self.config.file_encoding
        (target / "_requester.py").write_text(
            self.env.get_template("resources/_requester.py.jinja").render(), encoding=encoding
        )
        family_template = self.env.get_template("resources/family.py.jinja")
        for family in families:
            imports = sorted(_imports(family))
            text = family_template.render(family=family, nodes=list(family.walk()), imports=imports, options=OPTIONS)
            (target / f"{family.path[0]}.py").write_text(text, encoding=encoding)
        root = self.env.get_template("resources/root.py.jinja").render(families=families)
        (target / "__init__.py").write_text(root, encoding=encoding)

    def _families(self) -> list[Node]:
        # A union's members are bare references; the parsed models carry the properties.
        models = {str(model.class_info.name): model for model in self.openapi.models}
        root = Node(())
        for tag, collection in sorted(self.openapi.endpoint_collections_by_tag.items()):
            for endpoint in collection.endpoints:
                key = (endpoint.method.upper(), _spec_path(endpoint))
                dotted = self.plan.names[key]
                node = root
                for part in dotted[:-1]:
                    node = node.children.setdefault(part, Node((*node.path, part)))
                module = str(PythonIdentifier(endpoint.name, self.config.field_prefix))
                deprecation = self.plan.deprecations.get(key)
                node.methods.append(_method(endpoint, dotted, str(tag), module, deprecation, models))
        for node in root.walk():
            node.methods.sort(key=lambda method: method.name)
            node.children = dict(sorted(node.children.items()))
        return list(root.children.values())


def _spec_path(endpoint: Endpoint) -> str:
    """The path as the spec spells it: the generator renames `{walletAddress}` to `{wallet_address}`."""
    path = endpoint.path.get_untrusted_value()
    for prop in endpoint.path_parameters:
        path = path.replace(f"{{{prop.python_name}}}", f"{{{prop.name.get_untrusted_value()}}}")
    return path


def generate(config: Config, templates: Path, plan: ResourcePlan) -> Sequence[GeneratorError]:
    """`openapi_python_client.generate`, through `ResourceProject`."""
    document = json.loads(Path(config.document_source).read_text(encoding=config.file_encoding))
    openapi = GeneratorData.from_dict(document, config=config)
    if isinstance(openapi, GeneratorError):
        return [openapi]
    return ResourceProject(plan=plan, openapi=openapi, config=config, custom_template_path=templates).build()


def _method(
    endpoint: Endpoint,
    dotted: tuple[str, ...],
    tag: str,
    module: str,
    deprecation: str | None,
    models_by_name: dict[str, ModelProperty],
) -> Method:
    taken = {name for name, _, _ in OPTIONS}
    imports: set[str] = set()
    arguments: list[Argument] = []
    parameters = endpoint.path_parameters + endpoint.query_parameters + endpoint.header_parameters
    for prop in parameters + endpoint.cookie_parameters:
        name = _argument_name(prop.name.get_untrusted_value(), prop.python_name, taken)
        annotation = _exact(prop, imports)
        wire = prop.name.get_untrusted_value()
        arguments.append(Argument(name, str(prop.python_name), wire, annotation, prop.required, in_body=False))
    forms = [_object_form(body.prop) for body in endpoint.bodies]
    models = [models_by_name.get(form.class_info.name, form) for form in forms if form is not None]
    for wire, props in _body_fields(models).items():
        name = _argument_name(wire, props[0].python_name, taken)
        parts = _union(part for prop in props for part in _split_union(_loose(prop, imports)))
        required = len(props) == len(models) and all(prop.required for prop in props)
        is_file = "FileInput" in " ".join(parts)
        arguments.append(Argument(name, wire, wire, " | ".join(parts), required, in_body=True, is_file=is_file))
    arguments.sort(key=lambda argument: not argument.required)
    for response in endpoint.responses.patterns:
        if response.status_code.range and 200 <= response.status_code.range[0] < 300:
            _exact(response.prop, imports)
    return Method(
        name=dotted[-1],
        endpoint=endpoint,
        tag=tag,
        module=module,
        arguments=arguments,
        has_body=bool(endpoint.bodies),
        doc=_docstring(endpoint, arguments, deprecation),
        deprecation=json.dumps(deprecation) if deprecation else None,
        imports=imports,
    )


def _argument_name(wire: str, python_name: str, taken: set[str]) -> str:
    """The JSON name where Python allows it (`input`, `type`), else the generator's (`from_`)."""
    usable = wire.isidentifier() and wire.isascii() and not wire.startswith("_") and wire != "self"
    name = wire if usable and not keyword.iskeyword(wire) else str(python_name)
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _object_form(prop: Any) -> ModelProperty | None:
    """The body's model, or a union body's first object member (one JSON-RPC call, not the batch)."""
    if isinstance(prop, ModelProperty):
        return prop
    if isinstance(prop, UnionProperty):
        return next((inner for inner in prop.inner_properties if isinstance(inner, ModelProperty)), None)
    return None


def _body_fields(models: list[ModelProperty]) -> dict[str, list[Any]]:
    """Each field's property in every form that has it, keyed by JSON name, in first-seen order."""
    fields: dict[str, list[Any]] = {}
    for model in models:
        for prop in (model.required_properties or []) + (model.optional_properties or []):
            fields.setdefault(prop.name.get_untrusted_value(), []).append(prop)
    return fields


def _exact(prop: Any, imports: set[str]) -> str:
    """The generator's own annotation for `prop`, recording the imports it needs."""
    for inner in _named_types(prop):
        imports.add(f"from ..models.{inner.class_info.module_name} import {inner.class_info.name}")
    imports.update(line for line in prop.get_imports(prefix="..") if " ..models." not in line)
    code: str = prop.get_type_string(no_optional=True).as_unembedded_code()
    return code


def _named_types(prop: Any) -> Iterable[Any]:
    """The model and enum classes an annotation of `prop` names."""
    if hasattr(prop, "class_info"):
        yield prop
    elif isinstance(prop, ListProperty):
        yield from _named_types(prop.inner_property)
    elif isinstance(prop, UnionProperty):
        for inner in prop.inner_properties:
            yield from _named_types(inner)


def _loose(prop: Any, imports: set[str]) -> str:
    """What a caller may pass for `prop`: a model or its dict, any file-like for a file."""
    if isinstance(prop, FileProperty):
        return "FileInput"
    if isinstance(prop, ModelProperty):
        return f"{_exact(prop, imports)} | {MAPPING}"
    if isinstance(prop, ListProperty):
        inner = _loose(prop.inner_property, imports)
        exact = prop.inner_property.get_type_string(no_optional=True).as_unembedded_code()
        # list is invariant: a list[dict[str, str]] is no list[Model | Mapping[str, Any]].
        return f"list[{inner}]" if inner == exact else f"Sequence[{inner}]"
    if isinstance(prop, UnionProperty):
        members = (part for inner in prop.inner_properties for part in _split_union(_loose(inner, imports)))
        return " | ".join(_union(members))
    return _exact(prop, imports)


def _split_union(annotation: str) -> list[str]:
    """The top-level members of `A | list[B | C]`: A and list[B | C]."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(annotation):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(annotation[start:index].strip())
            start = index + 1
    parts.append(annotation[start:].strip())
    return parts


def _union(parts: Iterable[str]) -> list[str]:
    """Members without repeats, in order, the catch-all dict form last (it reads as the fallback)."""
    unique = list(dict.fromkeys(parts))
    return [part for part in unique if part != MAPPING] + [part for part in unique if part == MAPPING]


def _imports(family: Node) -> set[str]:
    found: set[str] = set()
    for node in family.walk():
        for method in node.methods:
            found.update(method.imports)
            found.add(f"from ..api.{method.tag} import {method.module} as {method.operation}")
    return found


def _docstring(endpoint: Endpoint, arguments: list[Argument], deprecation: str | None) -> str:
    """Summary and the description's first paragraph, then what the signature does not say."""
    summary = " ".join(endpoint.summary.get_untrusted_value().split())
    description = " ".join(endpoint.description.get_untrusted_value().strip().split("\n\n", 1)[0].split())
    # Venice's summaries are often the bare path, which the last line gives anyway.
    paragraphs = list(dict.fromkeys(text for text in (summary, description) if text and not text.startswith("/")))
    if deprecation:
        paragraphs.insert(0, deprecation)
    renamed = [f"`{a.name}` is `{a.wire}`" for a in arguments if a.name != a.wire]
    if renamed:
        paragraphs.append(f"Arguments whose API name is no Python name: {'; '.join(renamed)}.")
    files = [f"`{a.name}`" for a in arguments if a.is_file]
    if files:
        paragraphs.append(
            f"{', '.join(files)} {'takes' if len(files) == 1 else 'take'} a `venice_api.types.File`, bytes, a path, "
            "a binary file object, or a str (sent as text: base64 or a URL where the spec allows it)."
        )
    paragraphs.append(f"`{endpoint.method.upper()} {_spec_path(endpoint)}`")
    text = "\n\n".join(textwrap.fill(paragraph, width=88) for paragraph in paragraphs)
    return safe_for_docstring(text)
