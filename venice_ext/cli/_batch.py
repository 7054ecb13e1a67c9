"""`venice batch requests.jsonl -o results.jsonl [--concurrency N] [--resume] [--max-usd N]`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from venice_ext.cli._app import Settings, cli, handle_errors
from venice_ext.cli._output import emit_json, json_option


@cli.command("batch")
@click.argument("requests", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Results JSONL.")
@click.option("--concurrency", default=16, show_default=True, type=click.IntRange(1, 256), help="Requests out at once.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run into the same output; nothing is resent.")
@click.option(
    "--max-usd",
    type=click.FloatRange(min=0),
    default=None,
    help="Spend at most this many USD; the batch stops dispatching at the cap (rerun with --resume to go on).",
)
@click.option("--allow-unpriced", is_flag=True, help="Under --max-usd, send requests that cannot be priced too.")
@json_option("The summary as one JSON document on stdout (the progress line stays on stderr).")
@click.pass_obj
@handle_errors
def batch(
    settings: Settings,
    requests: Path,
    output: Path,
    concurrency: int,
    resume: bool,
    max_usd: float | None,
    allow_unpriced: bool,
    as_json: bool,
) -> None:
    """Send every request of an OpenAI-format batch file within the key's rate limits."""
    from venice_ext import AsyncVenice
    from venice_ext.batch import arun_file

    total = sum(1 for line in requests.read_bytes().splitlines() if line.strip())

    spend: list[Any] = []
    clients: list[Any] = []

    widest = [0]

    def progress(result: Any, summary: Any) -> None:
        done = summary.done + summary.skipped
        # Metered under a cap only: an uncapped client prices nothing.
        spent = f", ${clients[0].spend.spent:.4f} spent" if clients and max_usd is not None else ""
        line = f"{done}/{total} done, {summary.failed} failed, {summary.in_flight} in flight{spent}"
        widest[0] = max(widest[0], len(line))  # a shorter line overwrites all of the longer one
        click.echo(f"\r{line.ljust(widest[0])}", nl=False, err=True)

    async def run() -> Any:
        async with AsyncVenice(
            api_key=settings.api_key, base_url=settings.base_url, max_usd=max_usd, allow_unpriced=allow_unpriced
        ) as client:
            clients.append(client)
            try:
                return await arun_file(
                    client.requester, requests, output, max_concurrency=concurrency, resume=resume, on_result=progress
                )
            finally:
                spend.append(client.spend)

    summary = asyncio.run(run())
    click.echo("", err=True)
    not_dispatched = total - summary.done - summary.skipped - len(summary.refused_at_cap) - len(summary.ambiguous)
    if as_json:
        emit_json(
            {
                "output": str(output),
                "answered": summary.done,
                "failed": summary.failed,
                "already_answered": summary.skipped,
                "ambiguous": list(summary.ambiguous),
                "refused_at_cap": len(summary.refused_at_cap),
                "not_dispatched": not_dispatched if summary.refused_at_cap else 0,
                "spent_usd": spend[0].spent if max_usd is not None else None,
                "max_usd": max_usd,
            }
        )
        return
    click.echo(
        f"{summary.done} answered ({summary.failed} failed), {summary.skipped} already answered, "
        f"{len(summary.ambiguous)} ambiguous (sent before, no answer recorded; not resent)"
    )
    for custom_id in summary.ambiguous:
        click.echo(f"ambiguous: {custom_id}")
    if max_usd is not None:
        click.echo(f"spent ${spend[0].spent:.6f} of max_usd ${max_usd:.6f}")
    if summary.refused_at_cap:
        click.echo(
            f"stopped at the spend cap: {len(summary.refused_at_cap)} refused and {not_dispatched} "
            "not dispatched; nothing of them was sent (rerun with --resume and a higher --max-usd)"
        )
