"""The `venice` command: shared options, the client, and how errors are shown.

Errors print one line (status, Venice code, message, request id) and exit 1 for
API errors, 2 for usage errors; `--debug` shows the traceback instead. Nothing
heavy is imported until a command runs, so `venice --help` stays quick.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["Settings", "cli", "handle_errors", "venice_client"]


@dataclass
class Settings:
    api_key: str | None
    base_url: str | None
    debug: bool
    wallet_key_file: str | None = None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--api-key", envvar="VENICE_API_KEY", help="API key (default: $VENICE_API_KEY).", show_envvar=True)
@click.option("--base-url", envvar="VENICE_BASE_URL", help="API base URL (default: $VENICE_BASE_URL, then Venice).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.option("--wallet-key-file", help="Sign in with the wallet whose hex private key is in this file, not a key.")
@click.pass_context
def cli(
    ctx: click.Context, api_key: str | None, base_url: str | None, debug: bool, wallet_key_file: str | None
) -> None:
    """Venice.ai from the terminal: chat, models, images, speech, transcription, embeddings, video."""
    ctx.obj = Settings(api_key, base_url, debug, wallet_key_file)


def venice_client(settings: Settings) -> Any:
    from venice_ext import Venice

    if settings.wallet_key_file:  # the wallet signs instead of a key, even with $VENICE_API_KEY set
        from venice_ext.wallet import PrivateKeySigner

        return Venice(wallet=PrivateKeySigner.from_file(settings.wallet_key_file), base_url=settings.base_url)
    return Venice(api_key=settings.api_key, base_url=settings.base_url)


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handle_errors(command: F) -> F:
    """One line and an exit code for every failure a user can cause or meet."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from venice_ext import ConfigurationError, VeniceError
        from venice_ext.errors import RequestValidationError

        settings = click.get_current_context().find_object(Settings)
        try:
            return command(*args, **kwargs)
        except (ConfigurationError, RequestValidationError) as exc:
            if settings is not None and settings.debug:
                raise
            fail(str(exc), 2)
        except VeniceError as exc:
            if settings is not None and settings.debug:
                raise
            fail(str(exc).splitlines()[0], 1)
        except OSError as exc:
            if settings is not None and settings.debug:
                raise
            fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), 1)

    return wrapper  # type: ignore[return-value]
