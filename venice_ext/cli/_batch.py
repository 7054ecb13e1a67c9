"""`venice batch requests.jsonl -o results.jsonl [--concurrency N] [--resume]`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from venice_ext.cli._app import Settings, cli, handle_errors


@cli.command("batch")
@click.argument("requests", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Results JSONL.")
@click.option("--concurrency", default=16, show_default=True, type=click.IntRange(1, 256), help="Requests out at once.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run into the same output; nothing is resent.")
@click.pass_obj
@handle_errors
def batch(settings: Settings, requests: Path, output: Path, concurrency: int, resume: bool) -> None:
    """Send every request of an OpenAI-format batch file within the key's rate limits."""
    from venice_ext import AsyncVenice
    from venice_ext.batch import arun_file

    total = sum(1 for line in requests.read_bytes().splitlines() if line.strip())

    def progress(result: Any, summary: Any) -> None:
        done = summary.done + summary.skipped
        click.echo(f"\r{done}/{total} done, {summary.failed} failed", nl=False, err=True)

    async def run() -> Any:
        async with AsyncVenice(api_key=settings.api_key, base_url=settings.base_url) as client:
            return await arun_file(
                client.requester, requests, output, max_concurrency=concurrency, resume=resume, on_result=progress
            )

    summary = asyncio.run(run())
    click.echo("", err=True)
    click.echo(
        f"{summary.done} answered ({summary.failed} failed), {summary.skipped} already answered, "
        f"{len(summary.ambiguous)} ambiguous (sent before, no answer recorded; not resent)"
    )
    for custom_id in summary.ambiguous:
        click.echo(f"ambiguous: {custom_id}")
