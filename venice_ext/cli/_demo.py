"""`venice demo`: a tour of the client, against the bundled fake Venice or (--live) the real API.

Offline, the fake server runs in this process with scripted answers, so the tour
shows streaming, a two-step tool loop and a video job with its progress bar
without a key or a network. `make demo` regenerates the client first.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from venice_ext.cli._app import Settings, cli, handle_errors
from venice_ext.cli._commands import CHAT_MODEL

DEMO_KEY = "demo-key"


def get_weather(city: str) -> dict[str, Any]:
    """Current weather in a city (the demo's stand-in data).

    Args:
        city: The city name.
    """
    return {"city": city, "condition": "sunny", "celsius": 21}


def to_fahrenheit(celsius: float) -> float:
    """Convert a temperature from Celsius to Fahrenheit.

    Args:
        celsius: Degrees Celsius.
    """
    return round(celsius * 9 / 5 + 32, 1)


def _completion(content: str | None, calls: list[tuple[str, str, str]] | None = None) -> dict[str, Any]:
    tool_calls = [{"id": i, "type": "function", "function": {"name": n, "arguments": a}} for i, n, a in calls or []]
    return {
        "id": "chatcmpl-demo",
        "object": "chat.completion",
        "created": 1787304600,
        "model": CHAT_MODEL,
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls" if calls else "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": content, "tool_calls": tool_calls},
            }
        ],
        "usage": {"prompt_tokens": 42, "completion_tokens": 17, "total_tokens": 59},
    }


def _script(fake: Any) -> None:
    """What the fake answers during the tour: a streamed story, a tool conversation, a video job."""
    from venice_ext.testing import SSE, Reply, chat_completion_events

    story = _completion("Venice was built on wooden piles driven into the lagoon's clay, a forest upside down.")
    fake.script("POST", "/chat/completions", SSE(chat_completion_events(story), delay=0.04))
    for answer in (
        _completion(None, [("call_1", "get_weather", '{"city": "Paris"}')]),
        _completion(None, [("call_2", "to_fahrenheit", '{"celsius": 21}')]),
        _completion("It is sunny in Paris: 21 C, that is 69.8 F."),
    ):
        fake.script("POST", "/chat/completions", SSE(chat_completion_events(answer), delay=0.02))
    processing = [
        Reply(json={"status": "PROCESSING", "average_execution_time": 8000, "execution_duration": elapsed})
        for elapsed in (1000, 3500, 6000)
    ]
    fake.script("POST", "/video/retrieve", *processing)


@contextmanager
def _target(settings: Settings, live: bool) -> Iterator[Any]:
    from venice_ext import Venice

    if live:
        with Venice(api_key=settings.api_key, base_url=settings.base_url) as client:
            yield client
        return
    from venice_ext.testing import FakeVenice

    with FakeVenice(api_key=DEMO_KEY) as fake, Venice(api_key=DEMO_KEY, base_url=fake.base_url) as client:
        _script(fake)
        click.secho(f"fake Venice listening on {fake.base_url}", dim=True)
        yield client


def _heading(text: str) -> None:
    click.echo()
    click.secho(f"== {text}", bold=True)


@cli.command()
@click.option("--live", is_flag=True, help="Use the real API ($VENICE_API_KEY) instead of the fake server.")
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the tour's files go  [default: a new temporary directory, printed at the end]",
)
@click.option("--max-usd", type=float, default=2.0, show_default=True, help="Spend limit for the video.")
@click.pass_obj
@handle_errors
def demo(settings: Settings, live: bool, output_dir: Path | None, max_usd: float) -> None:
    """A tour: models, a streamed answer, a two-step tool loop, a video with a progress bar."""
    from venice_api.api.models import list_models

    if output_dir is None:
        # Not the working directory: a tour run from a checkout must leave nothing untracked there.
        output_dir = Path(tempfile.mkdtemp(prefix="venice-demo-"))

    with _target(settings, live) as client:
        _heading("models")
        listing = client.call(list_models, type_="text").to_dict()
        text_models = [entry for entry in listing.get("data", []) if entry.get("type") == "text"]
        for entry in text_models[:5]:
            context = (entry.get("model_spec") or {}).get("availableContextTokens")
            click.echo(f"  {entry['id']:<32} {context or '-':>9} tokens")

        _heading("a streamed answer")
        messages = [{"role": "user", "content": "One sentence on how Venice was built."}]
        with client.chat.completions.stream(model=CHAT_MODEL, messages=messages) as stream:
            for text in stream.text_deltas():
                sys.stdout.write(text)
                sys.stdout.flush()
            final = stream.final()
        click.echo(f"\n  ({final.usage.total_tokens} tokens)")
        output_dir.mkdir(parents=True, exist_ok=True)
        answers = output_dir / "answers.txt"
        answers.write_text(f"{final.choices[0].message.content}\n", encoding="utf-8")

        _heading("a two-step tool loop")
        question = [{"role": "user", "content": "What's the weather in Paris, in Fahrenheit?"}]
        from venice_ext import LoopFinished, TextDelta, ToolCallFinished, ToolCallStarted

        for event in client.chat.run_tools_stream(
            model=CHAT_MODEL, messages=question, tools=[get_weather, to_fahrenheit]
        ):
            if isinstance(event, ToolCallStarted):
                click.echo(f"  -> {event.name}({event.arguments})")
            elif isinstance(event, ToolCallFinished):
                click.echo(f"  <- {event.record.output}")
            elif isinstance(event, TextDelta):
                sys.stdout.write(event.text)
                sys.stdout.flush()
            elif isinstance(event, LoopFinished):
                click.echo(f"\n  ({event.result.iterations} completions)")
                with answers.open("a", encoding="utf-8") as file:
                    file.write(f"{event.result.final.choices[0].message.content}\n")

        _heading("a video, with its progress bar")
        from venice_ext.cli._video import run_video_job

        video = run_video_job(
            client,
            prompt="A gondola gliding under a stone bridge at dawn",
            output=output_dir / "gondola.mp4",
            max_usd=max_usd,
        )

        _heading("outputs")
        click.echo(f"  answers: {answers.resolve()}")
        click.echo(f"  video:   {video.resolve()}")
