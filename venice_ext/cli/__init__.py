"""The `venice` command line (also `python -m venice_ext`)."""

from __future__ import annotations

from venice_ext.cli import _commands as _commands
from venice_ext.cli._app import cli


def main() -> None:
    cli(prog_name="venice")


__all__ = ["cli", "main"]
