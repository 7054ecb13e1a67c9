"""`venice video`: quote, queue, a progress bar, the file; resumable after Ctrl-C or a crash.

A queued video is paid for, so its JSON goes next to the output (`out.mp4.job.json`)
the moment Venice has queued it, and goes away only once the video is saved and
Venice's copy deleted: `venice video --resume out.mp4.job.json` picks up where any
interruption left off, without queueing (or paying) again.
"""

from __future__ import annotations

import contextlib
import math
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from venice_ext.cli._app import EXIT_INTERRUPTED, Settings, cli, fail, handle_errors, read_prompt, venice_client
from venice_ext.cli._video_bar import job_bar
from venice_ext.cli._video_record import JOB_SUFFIX, check_new_target, interrupts_held, output_of, save_job

if TYPE_CHECKING:
    from venice_ext import JobProgress, VideoJob

__all__ = ["DEFAULT_DURATION", "EXIT_INTERRUPTED", "JOB_SUFFIX", "VIDEO_MODEL", "resume_video_job", "run_video_job"]

# A current text-to-video model (../shared/venice-spec/models-snapshot.json), and the one
# Venice's spec itself recommends when a provider's content policy turns a prompt down.
VIDEO_MODEL = "wan-2-7-text-to-video"
# The quote requires a duration; the shortest one most models offer keeps a first try cheap.
DEFAULT_DURATION = "5s"


@dataclass
class _Run:
    """How far a run got, so a Ctrl-C can say exactly what it left behind."""

    job_path: Path
    queueing: bool = False
    job: VideoJob | None = None


@cli.command()
@click.argument("prompt", required=False)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Where to save the video, e.g. out.mp4."
)
@click.option("--model", help=f"A video model id.  [default: {VIDEO_MODEL}]")
@click.option(
    "--duration", help=f"Length, e.g. 5s or 10s; which ones depends on the model.  [default: {DEFAULT_DURATION}]"
)
@click.option("--aspect-ratio", help="e.g. 16:9, 9:16, 1:1 (models that offer a choice).")
@click.option("--resolution", help="e.g. 720p, 1080p (models that offer a choice).")
@click.option("--max-usd", type=click.FloatRange(min=0), help="Queue nothing if Venice quotes more than this.")
@click.option("--json", "as_json", is_flag=True, help="The saved video as one JSON document on stdout.")
@click.option("--yes", "-y", is_flag=True, help="Without --max-usd: queue at the quoted price without asking.")
@click.option(
    "--timeout", type=click.FloatRange(min=0), help="Stop waiting after this many seconds; the job stays resumable."
)
@click.option(
    "--resume",
    "job_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE.job.json",
    help="Continue the job an earlier run saved (after Ctrl-C, a crash or --timeout).",
)
@click.pass_obj
@handle_errors
def video(
    settings: Settings,
    prompt: str | None,
    output: Path | None,
    model: str | None,
    duration: str | None,
    aspect_ratio: str | None,
    resolution: str | None,
    max_usd: float | None,
    as_json: bool,
    yes: bool,
    timeout: float | None,
    job_path: Path | None,
) -> None:
    """Generate a video from PROMPT (`-` reads standard input) and save it to -o.

    Shows Venice's quote, queues the job, and follows it with a progress bar. The job is
    saved to OUTPUT.job.json while it runs: after Ctrl-C or a crash,
    `venice video --resume OUTPUT.job.json` continues it without paying again.
    """
    if job_path is not None:
        new_job_only = {
            "PROMPT": prompt,
            "--model": model,
            "--duration": duration,
            "--aspect-ratio": aspect_ratio,
            "--resolution": resolution,
            "--max-usd": max_usd,
        }
        given = [name for name, value in new_job_only.items() if value is not None]
        if given:
            raise click.UsageError(f"--resume continues a job already queued; {', '.join(given)} cannot change it")
        with venice_client(settings) as client:
            resume_video_job(client, job_path, output=output, timeout=timeout, as_json=as_json)
        return
    if prompt is None and (sys.stdin is None or sys.stdin.isatty()):
        raise click.UsageError("give a PROMPT, or --resume FILE.job.json to continue an earlier job")
    if output is None:
        raise click.UsageError("-o/--output is required: where to save the video")
    text = read_prompt(prompt)
    with venice_client(settings) as client:
        run_video_job(
            client,
            prompt=text,
            output=output,
            model=model or VIDEO_MODEL,
            duration=duration or DEFAULT_DURATION,
            aspect_ratio=aspect_ratio,
            resolution=resolution,
            max_usd=max_usd,
            timeout=timeout,
            yes=yes,
            as_json=as_json,
        )


def run_video_job(
    client: Any,
    *,
    prompt: str,
    output: Path,
    model: str = VIDEO_MODEL,
    duration: str = DEFAULT_DURATION,
    aspect_ratio: str | None = None,
    resolution: str | None = None,
    max_usd: float | None = None,
    timeout: float | None = None,
    yes: bool = False,
    as_json: bool = False,
) -> Path:
    """`venice video PROMPT -o OUTPUT` with the caller's client (`venice demo` uses it too).

    Prints the quote, refuses above `max_usd` (SpendLimitError, nothing queued); with no
    `max_usd` and not `yes`, asks in a terminal and refuses elsewhere. Keeps the
    job in OUTPUT.job.json until the video is saved and Venice's copy deleted, and shows a
    progress bar meanwhile. Returns OUTPUT. Ctrl-C exits 130, saying how to resume.
    """
    if max_usd is not None and not math.isfinite(max_usd):
        raise click.BadParameter("must be a finite amount", param_hint="--max-usd")
    run = _Run(Path(f"{output}{JOB_SUFFIX}"))
    check_new_target(output, run.job_path)
    params = _params(model, _duration(duration), aspect_ratio, resolution)
    try:
        run.job = _queue(client, run, prompt, params, max_usd, yes)
        _finish(run, run.job, output, timeout, as_json)
    except KeyboardInterrupt:
        _interrupted(run)
    return output


def resume_video_job(
    client: Any, job_path: Path, *, output: Path | None = None, timeout: float | None = None, as_json: bool = False
) -> Path:
    """`venice video --resume FILE.job.json`: no quote, no queue; the video goes to `output`,
    by default the job file's name without `.job.json`. Returns where it went."""
    target = output if output is not None else output_of(job_path)
    run = _Run(job_path)
    try:
        run.job = _resumed(client, job_path)
        click.echo(f"resuming video job {run.job.queue_id} ({run.job.model}) into {target}", err=True)
        _finish(run, run.job, target, timeout, as_json)
    except KeyboardInterrupt:
        _interrupted(run)
    return target


def _duration(value: str) -> str:
    # Venice writes durations as "5s"; a bare number is what people type.
    return f"{value}s" if value.isdigit() else value


def _params(model: str, duration: str, aspect_ratio: str | None, resolution: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"model": model, "duration": duration}
    # Only what was asked for: a field a model does not take is an error at Venice.
    if aspect_ratio is not None:
        params["aspect_ratio"] = aspect_ratio
    if resolution is not None:
        params["resolution"] = resolution
    return params


def _queue(client: Any, run: _Run, prompt: str, params: dict[str, Any], max_usd: float | None, yes: bool) -> VideoJob:
    from venice_ext.errors import SpendLimitError

    price = client.video.quote(**params)
    click.echo(f"quote: {_usd(price)} for {params['model']}", err=True)
    if max_usd is None and not yes:
        # A video is paid at any price once queued: without a limit, a person says yes to this one.
        if not (sys.stdin is not None and sys.stdin.isatty()):
            raise click.UsageError(
                f"Venice quotes {_usd(price)}; nothing was queued. Give --max-usd AMOUNT or --yes to queue it"
            )
        if not click.confirm(f"queue it for {_usd(price)}?", default=False, err=True):
            click.echo("nothing was queued", err=True)
            sys.exit(0)
    if max_usd is not None and price > max_usd:
        raise SpendLimitError(
            f"Venice quotes {_usd(price)} for this video with {params['model']}, above --max-usd {_usd(max_usd)}; "
            "nothing was queued",
            quote=price,
            limit=max_usd,
            model=params["model"],
        )
    with interrupts_held():
        run.queueing = True
        job: VideoJob = client.video.queue(prompt=prompt, **params)
        job.quote_usd = price
        run.job = job
        try:
            save_job(job, run.job_path)
        except OSError as exc:
            # The job is queued and paid: its JSON on screen is the last way to keep it.
            fail(f"could not save the job to {run.job_path} ({exc.strerror or exc}); it is: {job.to_json()}", 1)
    return job


def _resumed(client: Any, job_path: Path) -> VideoJob:
    try:
        job: VideoJob = client.video.resume(job_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"{job_path} is not a video job's JSON: {exc}", param_hint="--resume") from exc
    return job


def _finish(run: _Run, job: VideoJob, output: Path, timeout: float | None, as_json: bool = False) -> None:
    from venice_ext.errors import JobFailedError, JobTimeoutError, VeniceError

    try:
        with job_bar(job) as show:

            def on_progress(update: JobProgress) -> None:
                show(update)
                # Keep the file as current as the job (status, a download URL Venice handed out),
                # even for a crash that runs no handler; the previous version stays if this fails.
                with contextlib.suppress(OSError):
                    save_job(job, run.job_path)

            job.download(output, timeout=timeout, on_progress=on_progress)
    except JobFailedError as exc:
        # Venice says the job is over: nothing is left to resume, and the error names the job.
        run.job_path.unlink(missing_ok=True)
        if _debugging():
            raise
        fail(_one_line(exc), 1)
    except JobTimeoutError as exc:
        if _debugging():
            raise
        fail(f"{_timed_out(exc)}; {_resume_hint(run.job_path)}", 1)
    except (VeniceError, OSError) as exc:
        if _debugging():
            raise
        fail(f"{_one_line(exc)}; the job is kept: {_resume_hint(run.job_path)}", 1)
    # From here on a resume only has to clean up, not fetch the file again.
    save_job(job, run.job_path)
    try:
        cleaned = job.complete()
        why = "Venice answered success: false"
    except VeniceError as exc:
        cleaned, why = False, _one_line(exc)
    size = output.stat().st_size
    if cleaned:
        run.job_path.unlink(missing_ok=True)
    else:
        click.echo(
            f"warning: Venice's copy of the video was not deleted ({why}); "
            f"delete it with: venice video --resume {shlex.quote(str(run.job_path))}",
            err=True,
        )
    from venice_ext.cli._output import saved_line

    saved_line(output, size, as_json=as_json, queue_id=job.queue_id, model=job.model, quote_usd=job.quote_usd)


def _debugging() -> bool:
    """`venice --debug`: tracebacks instead of one-line errors."""
    context = click.get_current_context(silent=True)
    settings = context.find_object(Settings) if context is not None else None
    return settings is not None and settings.debug


def _interrupted(run: _Run) -> NoReturn:
    if run.job is not None:
        if run.job.saved_path is not None:
            state = f"the video is saved in {run.job.saved_path}, but Venice's copy is not deleted yet"
        else:
            state = "the job is still running at Venice"
        click.echo(f"interrupted: {state}; {_resume_hint(run.job_path)}", err=True)
    elif run.queueing:
        click.echo(
            "interrupted while queueing: the video may have been queued and billed; "
            "check the account's usage before queueing it again",
            err=True,
        )
    else:
        click.echo("interrupted: nothing was queued", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _resume_hint(job_path: Path) -> str:
    return f"resume with: venice video --resume {shlex.quote(str(job_path))}"


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not str(exc).strip():
        return type(exc).__name__
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror or exc}: {exc.filename}"
    lines = str(exc).splitlines()
    line = lines[0] if lines else type(exc).__name__
    # A job's failure names the job, not the answer that told of it; support wants the answer's id.
    request_id = getattr(exc, "request_id", None)
    if isinstance(request_id, str) and request_id and request_id not in line:
        line += f" (request id {request_id})"
    return line


def _timed_out(exc: Any) -> str:
    progress, job = exc.progress, exc.job
    share = (
        f", {progress.fraction:.0%} of Venice's estimate" if progress is not None and progress.estimated_total else ""
    )
    return f"video job {job.queue_id} still {job.status} after waiting {exc.timeout or 0:g} s{share}"


def _usd(amount: float) -> str:
    # Cents, unless that would print a real (tiny) price as $0.00.
    return f"${amount:.2f}" if amount == 0 or amount >= 0.01 else f"${amount:.4f}"
