"""`venice spec diff OLD NEW`: what changed between two versions of Venice's spec."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from venice_ext.cli._app import cli


@cli.group()
def spec() -> None:
    """Venice's OpenAPI spec: compare versions."""


@spec.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def diff(old: Path, new: Path, as_json: bool) -> None:
    """Operations, fields, enum values and media types added, removed, renamed or retyped
    from OLD to NEW, each marked BREAKING, notable or ok for a client user."""
    from venice_spec.diff import diff_specs, render_json, render_text
    from venice_spec.diff._load import SpecFileError, load_spec

    try:
        old_spec, new_spec = load_spec(old), load_spec(new)
    except SpecFileError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    changes = diff_specs(old_spec, new_spec)
    render = render_json if as_json else render_text
    sys.stdout.write(render(changes, str(old_spec["info"]["version"]), str(new_spec["info"]["version"])))
