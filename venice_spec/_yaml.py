"""YAML 1.2 loading that records duplicated mapping keys instead of refusing the document.

YAML forbids a key twice in one mapping, and ruamel.yaml refuses such a document by
default; yet Venice has served specs with a property listed twice, and most YAML
readers (browsers' JSON.parse too) keep the last value. So the document is composed
first, the node tree is searched for duplicates (each with its JSON pointer and lines),
and the data is then built with the last value winning. Whether a duplicate is harmless
is decided in `venice_spec.repairs`, not here.

Timestamps stay strings: YAML 1.2's core schema has none, and JSON could not carry them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["DuplicateKey", "YamlDocument", "YamlSyntaxError", "json_pointer", "load_yaml"]

_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlSyntaxError(ValueError):
    """Not YAML at all; the message is the parser's first line."""


@dataclass(frozen=True)
class DuplicateKey:
    """One key that a mapping lists more than once; `values[-1]` is the one kept."""

    pointer: str  # JSON pointer of the duplicated key (its mapping plus the key)
    key: str
    lines: tuple[int, ...]  # 1-based, one per occurrence, in document order
    values: tuple[Any, ...]


@dataclass(frozen=True)
class YamlDocument:
    data: Any
    duplicates: tuple[DuplicateKey, ...]


class _LastValueWins(SafeConstructor):
    """ruamel keeps the first value when duplicates are allowed; readers that accept them keep the last."""

    def check_mapping_key(self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any) -> bool:
        return True


_LastValueWins.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),
)


def json_pointer(tokens: Iterator[str] | list[str] | tuple[str, ...]) -> str:
    return "".join("/" + str(token).replace("~", "~0").replace("/", "~1") for token in tokens)


def load_yaml(text: str) -> YamlDocument:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    yaml.Constructor = _LastValueWins
    try:
        root = yaml.compose(text)
        if root is None:
            return YamlDocument(None, ())
        found = list(_find_duplicates(root))
        data = yaml.constructor.construct_document(root)
        duplicates = tuple(
            DuplicateKey(
                json_pointer([*path, key]),
                key,
                tuple(node.start_mark.line + 1 for node, _value in occurrences),
                tuple(yaml.constructor.construct_object(value, deep=True) for _node, value in occurrences),
            )
            for path, key, occurrences in found
        )
    except YAMLError as exc:
        message = str(exc).strip()
        raise YamlSyntaxError(message.splitlines()[0] if message else type(exc).__name__) from exc
    return YamlDocument(data, duplicates)


def _find_duplicates(root: Node) -> Iterator[tuple[list[str], str, list[tuple[Node, Node]]]]:
    """(path of the mapping, key, [(key node, value node), ...]) for each key seen twice."""
    stack: list[tuple[Node, list[str]]] = [(root, [])]
    seen: set[int] = set()  # an alias shares its anchor's node: visit it once
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend((item, [*path, str(index)]) for index, item in reversed(list(enumerate(node.value))))
        if not isinstance(node, MappingNode):
            continue
        by_key: dict[tuple[str, str], list[tuple[Node, Node]]] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag != _MERGE_TAG:
                by_key.setdefault((str(key_node.tag), key_node.value), []).append((key_node, value_node))
        for (_tag, key), occurrences in by_key.items():
            if len(occurrences) > 1:
                yield path, key, occurrences
        # Children in reverse, so that the stack gives them back in document order.
        for (_tag, key), occurrences in reversed(by_key.items()):
            stack.append((occurrences[-1][1], [*path, key]))
