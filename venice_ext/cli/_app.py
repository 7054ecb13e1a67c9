"""The `venice` command: shared options, the client, and how errors are shown.

Exit codes: 0 success, 1 an API (or file) error, 2 a usage error, 130 interrupted
(Ctrl-C). Errors print one line (status, Venice code, message, request id), and for a
400 the details Venice sent; `--debug` shows the traceback instead. A closed pipe
(`venice models | head`) ends the command quietly, with 0. Nothing heavy is imported until a
command runs, so `venice --help` stays quick.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "EXIT_API",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "Settings",
    "cli",
    "handle_errors",
    "read_prompt",
    "venice_client",
]

EXIT_API = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT: what a shell reports for a Ctrl-C


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("venice-client")
    except PackageNotFoundError:
        return "unknown (not installed)"


@dataclass
class Settings:
    api_key: str | None
    base_url: str | None
    debug: bool
    wallet_key_file: str | None = None


# Options of the group a user may also type after the command (`venice chat hi --debug`).
_GLOBAL_WITH_VALUE = ("--api-key", "--base-url", "--wallet-key-file")
_GLOBAL_FLAGS = ("--debug",)


class _GlobalOptionsAnywhere(click.Group):
    """A group whose own options are accepted anywhere on the line, as `gh` and `llm` accept theirs."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        front: list[str] = []
        rest: list[str] = []
        index = 0
        while index < len(args):
            arg = args[index]
            if arg == "--":
                rest.extend(args[index:])
                break
            name = arg.split("=", 1)[0]
            if name in _GLOBAL_WITH_VALUE:
                if "=" in arg:
                    front.append(arg)
                elif index + 1 < len(args):
                    front.extend(args[index : index + 2])
                    index += 1
                else:
                    rest.append(arg)  # click reports the missing value
            elif arg in _GLOBAL_FLAGS:
                front.append(arg)
            else:
                rest.append(arg)
            index += 1
        return super().parse_args(ctx, front + rest)


@click.group(cls=_GlobalOptionsAnywhere, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=_version(), prog_name="venice", message="%(prog)s %(version)s")
@click.option(
    "--api-key", envvar="VENICE_API_KEY", help="API key (default: $VENICE_API_KEY, then `venice auth login`'s)."
)
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
    api_key = settings.api_key
    if not api_key:
        # After --api-key and the environment: what `venice auth login` stored.
        from venice_ext.cli._keystore import stored_key

        api_key = stored_key()[0]
    return Venice(api_key=api_key, base_url=settings.base_url)


def read_prompt(prompt: str | None) -> str:
    """PROMPT as given; `-`, or none with standard input piped, reads standard input."""
    if prompt is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise click.UsageError("give a PROMPT, or pipe it on standard input")
        prompt = "-"
    text = sys.stdin.read() if prompt == "-" else prompt
    if not text.strip():
        raise click.UsageError("the prompt is empty")
    return text


def _details(exc: Exception) -> list[str]:
    """What a 400 says was wrong, beyond "Invalid request parameters": Venice's `details` and `issues`."""
    body = getattr(exc, "body", None)
    if not isinstance(body, dict):
        return []
    lines: list[str] = []
    for key in ("details", "issues"):
        value = body.get(key)
        if isinstance(value, list):
            for issue in value:
                if isinstance(issue, dict):
                    where = ".".join(str(part) for part in issue.get("path") or [])
                    text = issue.get("message") or json.dumps(issue, ensure_ascii=False)
                    lines.append(f"  {where}: {text}" if where else f"  {text}")
                else:
                    lines.append(f"  {issue}")
        elif isinstance(value, dict):
            for field_name, problem in value.items():
                if field_name == "_errors" and not problem:
                    continue
                lines.append(f"  {field_name}: {json.dumps(problem, ensure_ascii=False)}")
        elif value:
            lines.append(f"  {value}")
    return lines


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
            from venice_ext.errors import BadRequestError

            detail = _details(exc) if isinstance(exc, BadRequestError) else []
            fail("\n".join([str(exc).splitlines()[0], *detail]), 1)
        except BrokenPipeError:
            # The reader has gone (`| head`): nothing went wrong, and nothing more is wanted.
            _quiet_broken_pipe()
            sys.exit(0)
        except OSError as exc:
            if settings is not None and settings.debug:
                raise
            fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), 1)

    return wrapper  # type: ignore[return-value]


def run_main(group: click.Group) -> None:
    """`venice`: the group with the exit codes kept (130 for Ctrl-C, not click's "Aborted!" and 1)."""
    try:
        code = group.main(prog_name="venice", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        code = EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        code = EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except BrokenPipeError:
        _quiet_broken_pipe()
        code = 0
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    sys.exit(code if isinstance(code, int) else 0)


def _quiet_broken_pipe() -> None:
    # Python would report the failed flush of stdout at exit; point it at /dev/null instead.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
