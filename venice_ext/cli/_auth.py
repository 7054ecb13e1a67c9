"""`venice auth login|logout|status`: a key kept for the next runs, so it need not sit in the environment.

The key goes to the system keyring when the `keyring` package is importable, else to
`$XDG_CONFIG_HOME/venice/config.json` (by default `~/.config/venice/`), created 0600 and
written atomically. `--api-key` and `$VENICE_API_KEY` come first; the stored key is read
only when neither is given.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from venice_ext.cli import _keystore
from venice_ext.cli._app import cli
from venice_ext.cli._keystore import KEYRING_SERVICE, KEYRING_USER, config_path, stored_key
from venice_ext.cli._output import emit_json

__all__ = ["auth"]


def _keyring() -> Any:
    return _keystore.keyring_module()  # looked up per call, so a test can replace it


def _write_private(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(document, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)  # also when the file existed with looser permissions
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


@cli.group()
def auth() -> None:
    """Keep an API key for later runs (keyring, or a 0600 config file)."""


@auth.command()
@click.option("--file", "to_file", is_flag=True, help="Use the config file even when a keyring is available.")
def login(to_file: bool) -> None:
    """Store an API key: typed (hidden) in a terminal, or read from standard input."""
    if sys.stdin is not None and sys.stdin.isatty():
        key = click.prompt("Venice API key", hide_input=True).strip()
    else:
        key = sys.stdin.read().strip() if sys.stdin is not None else ""
    if not key:
        raise click.UsageError("no key given")
    ring = None if to_file else _keyring()
    if ring is not None:
        ring.set_password(KEYRING_SERVICE, KEYRING_USER, key)
        click.echo("saved the key in the system keyring", err=True)
        return
    _write_private(config_path(), {"api_key": key})
    click.echo(f"saved the key in {config_path()} (mode 0600)", err=True)


@auth.command()
def logout() -> None:
    """Forget the stored key (keyring and config file)."""
    ring = _keyring()
    if ring is not None:
        with contextlib.suppress(Exception):
            ring.delete_password(KEYRING_SERVICE, KEYRING_USER)
    config_path().unlink(missing_ok=True)
    click.echo("the stored key is gone", err=True)


@auth.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON document.")
def status(as_json: bool) -> None:
    """Where the key the commands would use comes from (never the key itself)."""
    if os.environ.get("VENICE_API_KEY"):
        source: str | None = "environment (VENICE_API_KEY)"
    else:
        source = stored_key()[1]
    if as_json:
        emit_json({"logged_in": source is not None, "source": source})
    else:
        click.echo(f"key from {source}" if source else "no key: venice auth login, or set VENICE_API_KEY")
