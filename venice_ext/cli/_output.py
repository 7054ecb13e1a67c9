"""Where a command's result goes: files (checked before paying, written atomically), stdout, JSON, tables.

An output path is checked before any billable request: a paid image lost to a typo in
the path, or written over yesterday's one, is money wasted. `-o -` writes to standard
output; an existing file is replaced only with `--force`; anything but a regular file
(a directory, a device node, a FIFO) is refused.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = [
    "emit_json",
    "emit_json_line",
    "emit_table",
    "force_option",
    "json_option",
    "prepare_output",
    "saved_line",
    "write_output",
]

F = TypeVar("F", bound=Callable[..., Any])
STDOUT = Path("-")


def json_option(help_text: str) -> Callable[[F], F]:
    return click.option("--json", "as_json", is_flag=True, help=help_text)


def force_option(command: F) -> F:
    decorated: F = click.option("--force", "-f", is_flag=True, help="Replace OUTPUT if it exists.")(command)
    return decorated


def prepare_output(output: Path, *, force: bool) -> Path | None:
    """`output` once it is known to be writable; None for `-` (standard output). Raises a usage error otherwise."""
    from venice_ext._core._media import OutputPathError, check_output_path

    if output == STDOUT:
        return None
    if output.exists() and output.is_file() and not force:
        raise click.UsageError(f"{output} exists; add --force to replace it")
    try:
        return check_output_path(output, overwrite=True)
    except OutputPathError as exc:
        raise click.UsageError(str(exc)) from exc


def write_output(target: Path | None, data: bytes) -> None:
    """The bytes, atomically to `target` (never a half-written file), or to standard output for None."""
    if target is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from venice_ext._core._files import AtomicFile

    file = AtomicFile(target)
    try:
        file.write(data)
        file.commit()
    except BaseException:
        file.discard()
        raise


def saved_line(target: Path | None, size: int, *, as_json: bool, **extra: Any) -> None:
    """What a command that wrote a file prints: a line for people, or one JSON document."""
    if as_json:
        emit_json({"path": str(target) if target is not None else "-", "bytes": size, **extra})
    elif target is not None:
        click.echo(f"saved {target} ({size:,} bytes)")
    else:
        click.echo(f"wrote {size:,} bytes to standard output", err=True)


def emit_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


def emit_json_line(document: Any) -> None:
    """One compact line of JSON, flushed at once: a reader of the stream sees each line as it comes."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def emit_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """A table for a terminal; tab-separated values, whole cells and a header line, for a pipe."""
    rows = list(rows)
    if not sys.stdout.isatty():
        for row in [headers, *rows]:
            click.echo("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in row))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    table.add_column(headers[0], no_wrap=True)
    for title in headers[1:]:
        table.add_column(title)
    for row in rows:
        table.add_row(*row)
    Console(soft_wrap=True).print(table)
