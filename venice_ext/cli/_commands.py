"""`venice chat`, `models`, `image`, `speak`, `transcribe`, `embed`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from venice_ext.cli._app import Settings, cli, handle_errors, read_prompt, venice_client
from venice_ext.cli._output import (
    emit_json,
    emit_json_line,
    emit_table,
    force_option,
    json_option,
    prepare_output,
    saved_line,
    write_output,
)

# Defaults follow the traits Venice publishes (`default`, `fastest`...); any id works.
CHAT_MODEL = "zai-org-glm-5-2"
IMAGE_MODEL = "z-image-turbo"
SPEECH_MODEL = "tts-kokoro"
TRANSCRIPTION_MODEL = "nvidia/parakeet-tdt-0.6b-v3"
EMBEDDING_MODEL = "text-embedding-bge-m3"
MODEL_TYPES = {
    "text": {"text"},
    "image": {"image", "inpaint", "upscale"},
    "video": {"video"},
    "audio": {"tts", "asr", "music"},
    "embedding": {"embedding"},
}


@cli.command()
@click.argument("prompt", required=False)
@click.option("--model", default=CHAT_MODEL, show_default=True)
@click.option("--system", help="A system message.")
@click.option("--web-search", type=click.Choice(["auto", "on", "off"]), help="Venice web search.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON lines as it streams: each chunk as Venice sent it, then the whole completion, usage included "
    "(with --no-stream: the completion as one JSON document).",
)
@click.option("--no-stream", is_flag=True, help="Wait for the whole answer instead of streaming it.")
@click.option("--e2ee", is_flag=True, help="End-to-end encrypt to an attested enclave (an e2ee-* model).")
@click.pass_obj
@handle_errors
def chat(
    settings: Settings,
    prompt: str | None,
    model: str,
    system: str | None,
    web_search: str | None,
    as_json: bool,
    no_stream: bool,
    e2ee: bool,
) -> None:
    """Ask a chat model; the answer streams as it is written. PROMPT `-` (or none, piped) reads standard input."""
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": read_prompt(prompt)})
    params: dict[str, Any] = {}
    if web_search:
        params["venice_parameters"] = {"enable_web_search": web_search}
    if e2ee:
        params["e2ee"] = True
    with venice_client(settings) as client:
        if no_stream:
            completion = client.chat.completions.create(model=model, messages=messages, **params)
            if as_json:
                emit_json(completion.to_dict())
            else:
                click.echo(completion.choices[0].message.content or "")
            return
        with client.chat.completions.stream(model=model, messages=messages, **params) as stream:
            if as_json:
                # A chunk's `object` is "chat.completion.chunk", the last line's "chat.completion".
                for chunk in stream:
                    emit_json_line(chunk.raw)
                emit_json_line(stream.final().to_dict())
                return
            for text in stream.text_deltas():
                sys.stdout.write(text)
                sys.stdout.flush()
            stream.final()
        click.echo()


def _price(spec: dict[str, Any]) -> str:
    pricing = spec.get("pricing") or {}
    if "input" in pricing and "output" in pricing:
        return f"${pricing['input'].get('usd', '?')}/${pricing['output'].get('usd', '?')} per M tokens"
    for key in ("generation", "per_image", "per_second", "input"):
        value = pricing.get(key)
        if isinstance(value, dict) and "usd" in value:
            return f"${value['usd']} per {key.replace('per_', '')}"
    return "-"


@cli.command()
@click.option("--type", "kind", type=click.Choice(sorted(MODEL_TYPES)), help="Only models of this kind.")
@json_option("The models as one JSON document (Venice's entries, filtered).")
@click.pass_obj
@handle_errors
def models(settings: Settings, kind: str | None, as_json: bool) -> None:
    """List the models: id, type, context, capabilities, price. Piped, the table is tab-separated."""
    from venice_api.api.models import list_models

    with venice_client(settings) as client:
        listing = client.call(list_models, type_="all").to_dict()
    entries = [e for e in listing.get("data", []) if not kind or e.get("type") in MODEL_TYPES[kind]]
    if as_json:
        emit_json({"object": "list", "data": entries})
        return
    rows = []
    for entry in entries:
        spec = entry.get("model_spec") or {}
        capabilities = sorted(
            name.removeprefix("supports")
            for name, on in (spec.get("capabilities") or {}).items()
            if name.startswith("supports") and on is True
        )
        context = spec.get("availableContextTokens")
        rows.append(
            (
                entry.get("id", "?"),
                entry.get("type", "?"),
                f"{context:,}" if context else "-",
                ", ".join(capabilities) or "-",
                _price(spec),
            )
        )
    emit_table(("id", "type", "context", "capabilities", "price"), rows)


OUTPUT_HELP = "Where to save it (`-`: standard output)."


@cli.command()
@click.argument("prompt", required=False)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help=OUTPUT_HELP)
@click.option("--model", default=IMAGE_MODEL, show_default=True)
@force_option
@json_option("Where the image went, as one JSON document.")
@click.pass_obj
@handle_errors
def image(settings: Settings, prompt: str | None, output: Path, model: str, force: bool, as_json: bool) -> None:
    """Generate an image from PROMPT (`-`, or none when piped: standard input)."""
    from venice_api.api.image import generate_image
    from venice_api.models import GenerateImageRequest

    target = prepare_output(output, force=force)  # before paying for the image
    body = GenerateImageRequest.from_dict(
        {
            "model": model,
            "prompt": read_prompt(prompt),
            "return_binary": True,
            "format": output.suffix.lstrip(".").lower() or "png",
        }
    )
    with venice_client(settings) as client:
        result = client.call(generate_image, body=body)
    if isinstance(result, bytes):
        data = result
    else:  # a model that answers JSON with base64 images despite return_binary
        import base64

        data = base64.b64decode(result.to_dict()["images"][0])
    write_output(target, data)
    saved_line(target, len(data), as_json=as_json, model=model)


@cli.command()
@click.argument("text", required=False)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help=OUTPUT_HELP)
@click.option("--voice", default="af_sky", show_default=True)
@click.option("--model", default=SPEECH_MODEL, show_default=True)
@force_option
@json_option("Where the audio went, as one JSON document.")
@click.pass_obj
@handle_errors
def speak(
    settings: Settings, text: str | None, output: Path, voice: str, model: str, force: bool, as_json: bool
) -> None:
    """Turn TEXT into speech, streamed to a file (its suffix picks the format) or to stdout with `-o -`."""
    target = prepare_output(output, force=force)  # before paying for the speech
    audio_format = {"mp3": "mp3", "wav": "wav", "flac": "flac", "opus": "opus", "aac": "aac"}.get(
        output.suffix.lstrip(".").lower(), "mp3"
    )
    with (
        venice_client(settings) as client,
        client.audio.speech.stream(
            input=read_prompt(text), model=model, voice=voice, response_format=audio_format
        ) as stream,
    ):
        if target is None:
            size = 0
            for chunk in stream:
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
                size += len(chunk)
        else:
            size = stream.stream_to_file(target).stat().st_size
    saved_line(target, size, as_json=as_json, model=model, voice=voice)


@cli.command()
@click.argument("audio", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", default=TRANSCRIPTION_MODEL, show_default=True)
@json_option("Venice's answer as one JSON document.")
@click.pass_obj
@handle_errors
def transcribe(settings: Settings, audio: Path, model: str, as_json: bool) -> None:
    """Transcribe an audio file."""
    from venice_api.api.audio import create_transcription
    from venice_api.models import CreateTranscriptionRequestSchema
    from venice_api.types import File

    with audio.open("rb") as handle, venice_client(settings) as client:
        # Any model id goes, also one newer than the spec's enum of them.
        any_model: Any = model
        body = CreateTranscriptionRequestSchema(
            file=File(payload=handle, file_name=audio.name), model=any_model, response_format="json"
        )
        result = client.call(create_transcription, body=body)
    document = {"text": result} if isinstance(result, str) else result.to_dict()
    if as_json:
        emit_json(document)
    else:
        click.echo(document.get("text", ""))


@cli.command()
@click.argument("text", required=False)
@click.option("--model", default=EMBEDDING_MODEL, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="The whole vector as one JSON document.")
@click.pass_obj
@handle_errors
def embed(settings: Settings, text: str | None, model: str, as_json: bool) -> None:
    """Embed TEXT; prints the dimension and the first values."""
    from venice_api.api.embeddings import create_embedding
    from venice_api.models import CreateEmbeddingRequestSchema

    body = CreateEmbeddingRequestSchema.from_dict({"model": model, "input": read_prompt(text)})
    with venice_client(settings) as client:
        vector = client.call(create_embedding, body=body).to_dict()["data"][0]["embedding"]
    if as_json:
        click.echo(json.dumps(vector))
    else:
        preview = ", ".join(f"{value:.4f}" for value in vector[:6])
        click.echo(f"{len(vector)} dimensions: [{preview}, ...]")
