"""The `venice` command line (also `python -m venice_ext`)."""

from __future__ import annotations

# Importing the command modules registers their commands on the group.
from venice_ext.cli import _commands as _commands
from venice_ext.cli import _demo as _demo
from venice_ext.cli import _spec as _spec
from venice_ext.cli import _video as _video
from venice_ext.cli._app import cli


def main() -> None:
    cli(prog_name="venice")


__all__ = ["cli", "main"]
