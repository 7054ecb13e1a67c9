"""Check a loaded spec against OpenAPI with openapi-spec-validator, as `<JSON pointer>: <rule>` lines.

The validator does two passes: the official OpenAPI JSON schema over the whole
document, then its own checks that a JSON schema cannot express (unique operation ids,
path parameters that match the path template, schemas and defaults that are valid
JSON Schema, `$ref`s that resolve). The first pass locates its errors; the second does
not, so every keyword check here runs wrapped to record where it was looking.

A pointer names the place in the document as written: a location the validator reached
through a `$ref` is reported where the referenced object is, since that is where it
would be fixed.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.exceptions import DuplicateOperationIDError, UnresolvableParameterError
from referencing.exceptions import Unresolvable

from venice_spec._yaml import json_pointer

__all__ = ["Violation", "validate"]


@dataclass(frozen=True)
class Violation:
    pointer: str
    rule: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.rule}"


def validate(spec: Mapping[str, Any]) -> list[Violation]:
    """What the validator finds, in its order; one violation per place (both passes may see it)."""
    version = str(spec.get("openapi", ""))
    if not re.fullmatch(r"3\.[01]\.\d+", version):
        return [Violation("/openapi", f"OpenAPI version {version!r} is not 3.0.x or 3.1.x")]
    validator = _validator_class(version)(spec)
    found: list[Violation] = []
    errors = validator.iter_errors()
    try:
        for error in errors:
            found.append(_violation(spec, error))
    except Unresolvable as exc:
        # The validator stops here: a $ref it cannot follow leaves nothing behind it to check.
        found.append(_dangling(spec, exc))
    unique: dict[str, Violation] = {}
    for violation in found:
        unique.setdefault(violation.pointer, violation)
    return list(unique.values())


_LOCATED = "_venice_located"


def _located(base: type[keywords.KeywordValidator]) -> type[keywords.KeywordValidator]:
    """`base`, with each error it yields given the path of the object it was checking."""

    def __call__(self: keywords.KeywordValidator, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
        where = next((arg for arg in args if isinstance(arg, SchemaPath)), None)
        for error in base.__call__(self, *args, **kwargs):
            if where is not None and not getattr(error, _LOCATED, False):
                # Nested checks (a schema's own JSON Schema check) locate relative to what they checked.
                error.path.extendleft(reversed(where.parts))
                setattr(error, _LOCATED, True)
            yield error

    return type(f"Located{base.__name__}", (base,), {"__call__": __call__})


def _validator_class(version: str) -> type[OpenAPIV30SpecValidator | OpenAPIV31SpecValidator]:
    base = OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator
    located = {name: _located(cls) for name, cls in base.keyword_validators.items()}
    return type(f"Located{base.__name__}", (base,), {"keyword_validators": located})


def _violation(spec: Mapping[str, Any], error: ValidationError) -> Violation:
    error = _most_specific(error)
    tokens = _as_written(spec, [str(token) for token in error.absolute_path])
    if isinstance(error, DuplicateOperationIDError):
        return Violation(json_pointer([*tokens, "operationId"]), _duplicate_id_rule(error.message))
    if isinstance(error, UnresolvableParameterError):
        return Violation(json_pointer(tokens), _path_parameter_rule(error.message))
    return Violation(json_pointer(tokens), _rule(error))


def _most_specific(error: ValidationError) -> ValidationError:
    """The deepest failure below a oneOf/anyOf, the one that says what is wrong.

    The OpenAPI schema offers "a Reference or a Schema" (or a Response...) almost
    everywhere, so a bad schema fails both branches; "'$ref' is a required property"
    is the branch that was never meant.
    """
    candidates = [error]
    best = error
    while candidates:
        current = candidates.pop()
        if _rank(current) > _rank(best):
            best = current
        candidates.extend(current.context or ())
    return best


def _rank(error: ValidationError) -> tuple[int, int]:
    wants_ref = error.validator == "required" and "'$ref'" in error.message
    return len(error.absolute_path), 0 if wants_ref or error.context else 1


def _rule(error: ValidationError) -> str:
    message = error.message
    if len(message) > 200:
        # Messages quote the offending instance, which may be a whole schema.
        message = message.replace(repr(error.instance), reprlib.repr(error.instance))
    return " ".join(message.split())


def _duplicate_id_rule(message: str) -> str:
    match = re.search(r"Operation ID '(.*)' for", message)
    return f"operationId {match.group(1)!r} is used by another operation too" if match else message


def _path_parameter_rule(message: str) -> str:
    match = re.search(r"Path parameter '(.*)' for '.*' operation in '(.*)' was not resolved", message)
    if not match:
        return message
    name, template = match.groups()
    if "{" + name + "}" in template:
        return f"path parameter {name!r} of {template} is not declared"
    return f"path parameter {name!r} is declared but not in the path {template}"


def _dangling(spec: Mapping[str, Any], exc: Unresolvable) -> Violation:
    target = str(getattr(exc, "ref", ""))
    where = next(_refs_to(spec, target), [])
    written = _resolve(spec, where).get("$ref", target)
    return Violation(json_pointer([*where, "$ref"]), f"$ref {written!r} points to nothing")


def _refs_to(node: Any, target: str, path: list[str] | None = None) -> Iterator[list[str]]:
    """Where the document refers to `target` (which the resolver reports without its `#`)."""
    path = path or []
    if isinstance(node, Mapping):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.removeprefix("#") == target.removeprefix("#"):
            yield path
        for key, value in node.items():
            yield from _refs_to(value, target, [*path, str(key)])
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _refs_to(item, target, [*path, str(index)])


def _as_written(spec: Mapping[str, Any], tokens: list[str]) -> list[str]:
    """The path the validator followed, with each local `$ref` it went through replaced by its target."""
    written: list[str] = []
    node: Any = spec
    for token in tokens:
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            written = [_unescape(part) for part in node["$ref"][2:].split("/")]
            node = _resolve(spec, written)
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            node = None
        written.append(token)
    return written


def _resolve(spec: Mapping[str, Any], tokens: list[str]) -> Any:
    node: Any = spec
    for token in tokens:
        if isinstance(node, Mapping):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")
