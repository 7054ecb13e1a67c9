"""The package's import graph: no circle, and arrows pointing down only.

Every import statement counts, wherever it stands: module level, inside a function,
under `TYPE_CHECKING`. A circle held apart by a lazy import is still a circle for
the reader, and the next refactor turns it into an ImportError.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "venice_ext"

# Lower layers never import higher ones; `errors` imports nothing of the package.
LAYERS: dict[str, set[str]] = {
    "venice_ext.errors": {"venice_ext"},
    "venice_ext._core": {
        "venice_ext._client",
        "venice_ext.e2ee",
        "venice_ext.resources",
        "venice_ext.jobs",
        "venice_ext.tools",
        "venice_ext.cli",
        "venice_ext.testing",
    },
    "venice_ext.e2ee": {
        "venice_ext._client",
        "venice_ext.resources",
        "venice_ext.jobs",
        "venice_ext.tools",
        "venice_ext.cli",
        "venice_ext.testing",
    },
    "venice_ext.resources": {"venice_ext._client", "venice_ext.cli", "venice_ext.testing"},
    "venice_ext.jobs": {"venice_ext._client", "venice_ext.cli", "venice_ext.testing", "venice_ext.resources"},
    "venice_ext.tools": {
        "venice_ext._client",
        "venice_ext.cli",
        "venice_ext.testing",
        "venice_ext.resources",
        "venice_ext.jobs",
    },
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _target(name: str) -> str | None:
    """The package module `name` refers to (a module, or the module defining a name)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names = [f"{base}.{alias.name}" for alias in node.names] or [base]
        for name in names:
            if name.split(".")[0] != "venice_ext":
                continue
            target = _target(name)
            if target and target != module:
                found.add(target)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_reader_sees_a_circle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_lazy_and_type_checking_imports_count(tmp_path: Path) -> None:
    # The root imports each family inside its property and under TYPE_CHECKING only.
    assert "venice_ext.resources.chat" in GRAPH["venice_ext.resources._root"]
    assert "venice_ext._core._config" in GRAPH["venice_ext._client_base"]
    # `venice_ext/__init__.py` imports its lazy names inside __getattr__ and under TYPE_CHECKING.
    assert "venice_ext.tools._tool" in GRAPH["venice_ext"]


def test_no_import_circle() -> None:
    assert find_cycle(GRAPH) is None, " -> ".join(find_cycle(GRAPH) or [])


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_arrows_point_down(layer: str) -> None:
    forbidden = LAYERS[layer]
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module == layer or module.startswith(layer + ".")
        for target in targets
        if any(target == f or target.startswith(f + ".") for f in forbidden)
        and not (layer == "venice_ext.errors" and (target == layer or target.startswith(layer + ".")))
    )
    assert not wrong, wrong
