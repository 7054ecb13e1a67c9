"""Where each operation's method goes in the generated resources: `spec/resources.yaml`,
then a default rule for the operations it does not name.

The default rule is what lets an operation added in a later spec revision get a
method from a plain regeneration; it warns (the name may not be the one a release
would pick) and never fails.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_python_client.strings import snake_case
from ruamel.yaml import YAML

from scripts.transforms import iter_operations

__all__ = [
    "CONFIG_FILE",
    "NamingConfig",
    "OperationKey",
    "ResourceConfigError",
    "ResourcePlan",
    "load_config",
    "plan_resources",
]

CONFIG_FILE = Path(__file__).resolve().parent.parent / "spec" / "resources.yaml"

# Names every resource class defines itself.
RESERVED = frozenset({"with_raw_response"})

OperationKey = tuple[str, str]  # (METHOD, path as the spec spells it)


class ResourceConfigError(Exception):
    """spec/resources.yaml is malformed or names two things the same."""


@dataclass(frozen=True)
class NamingConfig:
    tags: Mapping[str, str] = field(default_factory=dict)
    operations: Mapping[str, str] = field(default_factory=dict)
    deprecated: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ResourcePlan:
    """Each operation's dotted method path, the deprecation warnings, and what the default rule chose."""

    names: dict[OperationKey, tuple[str, ...]] = field(default_factory=dict)
    deprecations: dict[OperationKey, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Operation:
    key: OperationKey
    operation_id: str
    tags: tuple[str, ...]
    deprecated: bool
    description: str


def load_config(path: Path = CONFIG_FILE) -> NamingConfig:
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")) or {}
    sections: dict[str, dict[str, str]] = {}
    for section in ("tags", "operations", "deprecated"):
        value = data.get(section) or {}
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ResourceConfigError(f"{path.name}: `{section}` must map strings to strings")
        sections[section] = value
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise ResourceConfigError(f"{path.name}: unknown section(s) {', '.join(unknown)}")
    for where, dotted in [*(("tags", v) for v in sections["tags"].values()), *sections["operations"].items()]:
        _check_path(dotted, f"{path.name} ({where})")
    return NamingConfig(sections["tags"], sections["operations"], sections["deprecated"])


def _check_path(dotted: str, where: str) -> tuple[str, ...]:
    parts = tuple(dotted.split("."))
    for part in parts:
        if not _is_name(part):
            raise ResourceConfigError(f"{where}: {dotted!r}: {part!r} is not a usable Python name")
    return parts


def _is_name(name: str) -> bool:
    return (
        name.isidentifier()
        and name.isascii()
        and not keyword.iskeyword(name)
        and not name.startswith("_")
        and name not in RESERVED
    )


def _operations(spec: Mapping[str, Any]) -> list[_Operation]:
    found = []
    for path, method, operation in iter_operations(dict(spec)):
        found.append(
            _Operation(
                key=(method.upper(), path),
                operation_id=str(operation.get("operationId", "")),
                tags=tuple(str(tag) for tag in operation.get("tags") or ["default"]),
                deprecated=operation.get("deprecated") is True,
                description=str(operation.get("description") or ""),
            )
        )
    return found


def plan_resources(spec: Mapping[str, Any], config: NamingConfig) -> ResourcePlan:
    """Name every operation of a (transformed) spec: the configured names first, so they always win."""
    operations = _operations(spec)
    plan = ResourcePlan()
    tree = _Tree()
    configured = [op for op in operations if op.operation_id in config.operations]
    for op in configured:
        dotted = config.operations[op.operation_id]
        clash = tree.add(_check_path(dotted, f"operation {op.operation_id}"))
        if clash:
            raise ResourceConfigError(f"{CONFIG_FILE.name}: {op.operation_id} -> {dotted}: {clash}")
        plan.names[op.key] = tuple(dotted.split("."))
    for op in operations:
        if op.key in plan.names:
            continue
        family = _family(op, config)
        chosen = _first_free(tree, family, _default_methods(op.operation_id, family, op.tags[0]))
        plan.names[op.key] = chosen
        plan.notices.append(
            f"{CONFIG_FILE.name} names no method for {op.operation_id} ({op.key[0]} {op.key[1]}): "
            f"generated {'.'.join(chosen)} by the default rule"
        )
    for op in operations:
        message = _deprecation(op, operations, plan.names, config)
        if message:
            plan.deprecations[op.key] = message
    return plan


class _Tree:
    """Dotted names taken so far: a method's name must not also be a sub-resource's."""

    def __init__(self) -> None:
        self.methods: set[tuple[str, ...]] = set()
        self.nodes: set[tuple[str, ...]] = set()

    def clash(self, parts: tuple[str, ...]) -> str | None:
        if parts in self.methods:
            return "already the name of another operation's method"
        if parts in self.nodes:
            return "already the name of a group of methods"
        for end in range(1, len(parts)):
            if parts[:end] in self.methods:
                return f"{'.'.join(parts[:end])} is a method, not a group"
        return None

    def add(self, parts: tuple[str, ...]) -> str | None:
        problem = self.clash(parts) if len(parts) >= 2 else "a method needs a family: family.method"
        if problem is None:
            self.methods.add(parts)
            self.nodes.update(parts[:end] for end in range(1, len(parts)))
        return problem


def _family(op: _Operation, config: NamingConfig) -> tuple[str, ...]:
    tag = op.tags[0]
    if tag in config.tags:
        return tuple(config.tags[tag].split("."))
    name = snake_case(tag)
    return (name if _is_name(name) else f"tag_{name}",)


def _default_methods(operation_id: str, family: tuple[str, ...], tag: str) -> list[str]:
    """Candidate method names, best first: the operationId without the family's words, then all of it."""
    words = [word for word in snake_case(operation_id).split("_") if word]
    family_words = {variant for part in family for word in part.split("_") for variant in _forms(word)}
    family_words |= {variant for word in snake_case(tag).split("_") for variant in _forms(word)}
    kept = [word for word in words if word not in family_words] or words
    candidates = ["_".join(kept), "_".join(words)]
    return [name if _is_name(name) else f"op_{name}" for name in candidates if name]


def _forms(word: str) -> set[str]:
    """A word and its plural or singular, so `image` strips from `images` and the other way round."""
    return {word, f"{word}s", word[:-1] if word.endswith("s") else word}


def _first_free(tree: _Tree, family: tuple[str, ...], candidates: list[str]) -> tuple[str, ...]:
    for name in candidates:
        if tree.add((*family, name)) is None:
            return (*family, name)
    base = candidates[-1]
    counter = 2
    while tree.add((*family, f"{base}_{counter}")) is not None:
        counter += 1
    return (*family, f"{base}_{counter}")


_OPERATION_MENTION = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE)\s+(?:/api/v\d+)?(/[\w\-/{}.]*\w)")


def _deprecation(
    op: _Operation, operations: list[_Operation], names: Mapping[OperationKey, tuple[str, ...]], config: NamingConfig
) -> str | None:
    """The warning a deprecated operation's method gives: the spec's reason and its replacement."""
    dotted = ".".join(names[op.key])
    if op.deprecated:
        reason = _first_sentence(op.description) or "the spec marks this operation deprecated."
    elif op.operation_id in config.deprecated:
        reason = config.deprecated[op.operation_id]
    else:
        return None
    message = f"{dotted}() is deprecated: {reason}"
    known = {other.key for other in operations if other.key != op.key}
    for match in _OPERATION_MENTION.finditer(op.description):
        key = (match.group(1), match.group(2))
        if key in known:
            message += f" Use {'.'.join(names[key])}() instead."
            break
    return message


def _first_sentence(text: str) -> str:
    paragraph = text.strip().split("\n\n", 1)[0]
    sentence = re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0]
    return " ".join(sentence.split())
