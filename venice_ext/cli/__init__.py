"""The `venice` command line (also `python -m venice_ext`); needs the `cli` extra (click, rich)."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["cli", "main"]


def _load() -> Any:
    # Importing the command modules registers their commands on the group.
    from venice_ext.cli import _auth, _batch, _commands, _demo, _spec, _video  # noqa: F401
    from venice_ext.cli._app import cli

    return cli


def main() -> None:
    try:
        group = _load()
    except ImportError as exc:
        if exc.name in ("click", "rich"):
            print(f"error: the venice command needs {exc.name}: pip install 'venice-client[cli]'", file=sys.stderr)
            sys.exit(2)
        raise
    from venice_ext.cli._app import run_main

    run_main(group)


def __getattr__(name: str) -> Any:
    if name == "cli":
        return _load()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
