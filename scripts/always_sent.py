"""The always-sent response fields: spec/always_sent.yaml, checked and applied.

Venice's spec leaves optional many response fields that every answer carries; the
transform here marks the listed ones required, and the helpers find each listed field
in the schemas and gather the evidence (the spec's own examples) the tests check the
list against.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from scripts.spec_keys import _DATA_KEYS
from venice_spec._openapi import iter_operations

__all__ = ["always_sent_list", "always_sent_targets", "require_always_sent_response_fields", "samples_by_schema"]

_log = logging.getLogger(__name__)

Spec = dict[str, Any]

ALWAYS_SENT_FILE = Path(__file__).resolve().parent.parent / "spec" / "always_sent.yaml"


def require_always_sent_response_fields(spec: Spec, always_sent: Mapping[str, Collection[str]] | None = None) -> Spec:
    """Mark the response fields of spec/always_sent.yaml required.

    Venice's spec leaves fields optional that every answer carries (a chat completion's
    `choices`, a model's `name`), so the generated models type them `X | Unset` and
    `completion.choices[0]` fails mypy. The list is ours, checked against the fake
    server's canned answers and captured /models answers. The spec's examples are not
    a source: one hand-written instance of a schema shows what one answer carried
    (the ModelResponse example is a text model's, with fields video models lack).

    An entry is skipped with a logged note, not applied, where this version has no such
    schema or property, where one of the spec's own examples of the schema omits the
    property (that example would no longer parse), or where the schema is part of a
    request body too (callers would then have to send it).
    """
    spec = copy.deepcopy(spec)
    entries = always_sent if always_sent is not None else always_sent_list()
    schemas = spec.get("components", {}).get("schemas", {})
    request_owned = _request_components(spec)
    samples = samples_by_schema(schemas, _examples(spec))
    skipped: dict[str, list[str]] = {}
    for address, properties in entries.items():
        for prop in properties:
            targets, problem = always_sent_targets(schemas, address, prop)
            owners = sorted({owner for owner, _node in targets} & request_owned)
            if not problem and owners:
                problem = f"{', '.join(owners)} is in a request too"
            if not problem and any(
                isinstance(sample, dict) and prop not in sample
                for _owner, node in targets
                for sample in samples.get(id(node), ())
            ):
                problem = "an example in the spec omits it"
            if problem:
                skipped.setdefault(problem, []).append(f"{address}.{prop}")
                continue
            for _owner, node in targets:
                required = node.setdefault("required", [])
                if prop not in required:
                    required.append(prop)
    if skipped:
        # One line per spec version: `make test-history` prints them between its rows.
        _log.info(
            "%s: always-sent fields left as the spec has them: %s",
            spec.get("info", {}).get("version", "?"),
            "; ".join(
                f"{problem} ({len(fields)})" if problem.startswith("no ") else f"{problem}: {', '.join(fields)}"
                for problem, fields in skipped.items()
            ),
        )
    return spec


@functools.cache
def always_sent_list() -> dict[str, tuple[str, ...]]:
    document = YAML(typ="safe", pure=True).load(ALWAYS_SENT_FILE.read_text(encoding="utf-8"))
    entries: dict[str, tuple[str, ...]] = {}
    for address, reasons in (document or {}).items():
        if not isinstance(reasons, dict) or not all(isinstance(why, str) and why.strip() for why in reasons.values()):
            raise ValueError(f"{ALWAYS_SENT_FILE.name}: {address}: each property needs a one-line reason")
        entries[str(address)] = tuple(str(prop) for prop in reasons)
    return entries


_ADDRESS = re.compile(r"([^.\[\]]+)((?:\.[^.\[\]]+|\[\])*)")
_Target = tuple[str, dict[str, Any]]


def always_sent_targets(schemas: dict[str, Any], address: str, prop: str) -> tuple[list[_Target], str]:
    """The schemas (with the component each lives in) that `prop` of `address` is in, or why there are none."""
    match = _ADDRESS.fullmatch(address)
    if match is None:
        raise ValueError(f"{ALWAYS_SENT_FILE.name}: not a schema address: {address!r}")
    root = match.group(1)
    if not isinstance(schemas.get(root), dict):
        return [], f"no schema {root}"
    nodes: list[_Target] = [(root, schemas[root])]
    for step in re.findall(r"\.([^.\[\]]+)|(\[\])", match.group(2)):
        name, items = step
        found: list[_Target] = []
        for owner, node in _union_members(schemas, nodes):
            child = node.get("items") if items else (node.get("properties") or {}).get(name)
            if isinstance(child, dict):
                found.append((owner, child))
        if not found:
            return [], f"no {root}{match.group(2)}"
        nodes = found
    targets = [
        (owner, node) for owner, node in _union_members(schemas, nodes) if prop in (node.get("properties") or {})
    ]
    return targets, "" if targets else "not in this version"


def _union_members(schemas: dict[str, Any], nodes: list[_Target]) -> list[_Target]:
    """`nodes` with references followed and unions replaced by their members, recursively."""
    result: list[_Target] = []
    stack, seen = list(reversed(nodes)), set()
    while stack:
        owner, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node.get("$ref"), str):
            name = node["$ref"].rsplit("/", 1)[-1]
            if isinstance(schemas.get(name), dict):
                stack.append((name, schemas[name]))
            continue
        members = [m for keyword in ("anyOf", "oneOf", "allOf") for m in node.get(keyword) or () if isinstance(m, dict)]
        stack.extend((owner, member) for member in reversed(members))
        if not members or "properties" in node or "items" in node:
            result.append((owner, node))
    return result


def _request_components(spec: Spec) -> set[str]:
    """Components a request body or parameter uses, directly or through other components."""
    schemas = spec.get("components", {}).get("schemas", {})
    roots: list[Any] = []
    for _path, _method, operation in iter_operations(spec):
        roots.append(operation.get("requestBody", {}))
        roots.append(operation.get("parameters", []))
    found: set[str] = set()
    stack = roots
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[-1]
                if name not in found:
                    found.add(name)
                    stack.append(schemas.get(name))
            stack.extend(value for key, value in node.items() if key not in _DATA_KEYS)
    return found


def samples_by_schema(schemas: dict[str, Any], instances: Iterable[tuple[Any, Any]]) -> dict[int, list[Any]]:
    """Where each (schema, value) pair's parts land: id(schema) -> the values seen there.

    A value is followed down through properties, items, references and every member
    of a union, so each schema collects the instances it may have described.
    """
    samples: dict[int, list[Any]] = {}
    for schema, value in instances:
        stack: list[tuple[Any, Any]] = [(schema, value)]
        visited: set[tuple[int, int]] = set()
        while stack:
            node, sample = stack.pop()
            if not isinstance(node, dict) or (id(node), id(sample)) in visited:
                continue
            visited.add((id(node), id(sample)))
            if isinstance(node.get("$ref"), str):
                stack.append((schemas.get(node["$ref"].rsplit("/", 1)[-1]), sample))
                continue
            samples.setdefault(id(node), []).append(sample)
            stack.extend((m, sample) for keyword in ("anyOf", "oneOf", "allOf") for m in node.get(keyword) or ())
            if isinstance(sample, dict):
                properties = node.get("properties") or {}
                stack.extend((properties[key], sample[key]) for key in sample if key in properties)
            elif isinstance(sample, list):
                stack.extend((node.get("items"), item) for item in sample)
    return samples


def _examples(spec: Spec) -> Iterator[tuple[dict[str, Any], Any]]:
    """(schema, example value) for every example the spec gives a schema or a response."""
    roots: list[Any] = list(spec.get("components", {}).get("schemas", {}).values())
    responses: list[Any] = list(spec.get("components", {}).get("responses", {}).values())
    for _path, _method, operation in iter_operations(spec):
        responses.extend((operation.get("responses") or {}).values())
    named = spec.get("components", {}).get("examples", {})
    for response in responses:
        for media in (response.get("content") or {}).values() if isinstance(response, dict) else ():
            schema = media.get("schema") if isinstance(media, dict) else None
            if not isinstance(schema, dict):
                continue
            roots.append(schema)
            if "example" in media:
                yield schema, media["example"]
            for example in (media.get("examples") or {}).values():
                if isinstance(example, dict) and isinstance(example.get("$ref"), str):
                    example = named.get(example["$ref"].rsplit("/", 1)[-1])
                if isinstance(example, dict) and "value" in example:
                    yield schema, example["value"]
    stack = roots
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if "example" in node:
            yield node, node["example"]
        stack.extend((node.get("properties") or {}).values())
        stack.extend(node.get(keyword) for keyword in ("items", "additionalProperties", "not"))
        stack.extend(m for keyword in ("anyOf", "oneOf", "allOf") for m in node.get(keyword) or ())
