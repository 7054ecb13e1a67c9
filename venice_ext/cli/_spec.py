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
    from OLD to NEW, each marked BREAKING, notable or ok for a client user. A spec that
    breaks OpenAPI is repaired first (the report lists the repairs) or refused."""
    try:
        from venice_spec.diff import diff_specs, render_json, render_text
        from venice_spec.load import SpecError, read_spec
    except ImportError as exc:
        click.echo(f"error: reading specs needs {exc.name}: pip install 'venice-client[spec]'", err=True)
        sys.exit(2)
    loaded = []
    for path in (old, new):
        try:
            loaded.append(read_spec(path))
        except SpecError as exc:
            message = str(exc)
            click.echo(f"error: {message if str(path) in message else f'{path}: {message}'}", err=True)
            sys.exit(2)
    before, after = loaded
    changes = diff_specs(before.document, after.document)
    render = render_json if as_json else render_text
    report = render(changes, before.version, after.version, old_repairs=before.repairs, new_repairs=after.repairs)
    sys.stdout.write(report)
