"""Code as a user would write it: reading the fields Venice always sends, as they come.

No casts, asserts, isinstance checks or `# type: ignore`: `test_typical_user_code.py`
type-checks this file with `mypy --strict` against the generated package, so a field
typed `X | Unset` here (not indexable, no attributes, not an `X`) fails that test, and
runs it against the fake Venice, so the code does what it says. `client.call` returns
`Any`; the annotated assignment is how typed code names what came back.
"""

from __future__ import annotations

import io
from typing import Any

from venice_api.api.api_keys import get_api_keys
from venice_api.api.audio import create_transcription
from venice_api.api.billing import get_billing_balance
from venice_api.api.characters import get_character_by_slug, list_characters
from venice_api.api.embeddings import create_embedding
from venice_api.api.image import generate_image, simple_generate_image
from venice_api.api.models import list_models
from venice_api.models import (
    CreateEmbeddingRequestSchema,
    CreateEmbeddingResponse,
    CreateTranscriptionRequestSchema,
    CreateTranscriptionResponse,
    GenerateImageRequest,
    GenerateImageResponse,
    GetApiKeysResponse,
    GetBillingBalanceResponse,
    GetCharacterBySlugResponse,
    ListCharactersResponse,
    ListModelsResponse,
    SimpleGenerateImageRequest,
    SimpleGenerateImageResponse,
)
from venice_api.types import File
from venice_ext import Venice

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


def show(content: str | list[Any] | None) -> str:
    """Message content: text, a list of parts, or None (a reply that only calls tools)."""
    return "" if content is None else str(content)


def chat(client: Venice) -> tuple[str, str, int, str]:
    completion = client.chat.completions.create(model="venice-uncensored-1-2", messages=MESSAGES)
    choice = completion.choices[0]
    return show(choice.message.content), choice.finish_reason, completion.usage.total_tokens, completion.model


def responses(client: Venice) -> tuple[str, int]:
    response = client.responses.create(model="venice-uncensored-1-2", input="What is the capital of France?")
    return response.output[0].type_, response.created_at


def first_model(client: Venice) -> tuple[str, str, str, list[str], float]:
    models: ListModelsResponse = client.call(list_models)
    model = models.data[0]
    return model.id, model.type_, model.model_spec.name, model.model_spec.traits, model.created


def embed(client: Venice) -> tuple[list[float], int, int]:
    body = CreateEmbeddingRequestSchema.from_dict({"model": "text-embedding-bge-m3", "input": "Paris"})
    embedding: CreateEmbeddingResponse = client.call(create_embedding, body=body)
    return embedding.data[0].embedding, embedding.data[0].index, embedding.usage.total_tokens


def image(client: Venice) -> tuple[int, str | None]:
    # Binary or base64 in JSON, depending on the request: Media either way.
    picture = client.images.generate(model="qwen-image", prompt="a lighthouse at dusk")
    return len(picture.files), picture.content_type


def image_call(client: Venice) -> bytes:
    # The operation itself answers either form, and says so in its type.
    body = GenerateImageRequest.from_dict({"model": "qwen-image", "prompt": "a lighthouse at dusk"})
    generated: GenerateImageResponse | bytes = client.call(generate_image, body=body)
    return generated if isinstance(generated, bytes) else generated.images[0].encode()


def openai_image(client: Venice) -> tuple[int, int]:
    body = SimpleGenerateImageRequest.from_dict({"prompt": "a lighthouse at dusk"})
    generated: SimpleGenerateImageResponse = client.call(simple_generate_image, body=body)
    return generated.created, len(generated.data)


def transcribe(client: Venice) -> str:
    audio = File(payload=io.BytesIO(b"RIFF....WAVE"), file_name="hello.wav", mime_type="audio/wav")
    transcript: CreateTranscriptionResponse = client.audio.transcriptions.create(file=audio)
    as_text = client.call(
        create_transcription, body=CreateTranscriptionRequestSchema(file=audio, response_format="text")
    )
    return transcript.text + (as_text if isinstance(as_text, str) else as_text.text)


def characters(client: Venice) -> tuple[str, str]:
    listing: ListCharactersResponse = client.call(list_characters)
    slug = listing.data[0].slug
    character: GetCharacterBySlugResponse = client.call(get_character_by_slug, slug=slug)
    return slug, character.data.name


def account(client: Venice) -> tuple[bool, str]:
    balance: GetBillingBalanceResponse = client.call(get_billing_balance)
    keys: GetApiKeysResponse = client.call(get_api_keys)
    return balance.can_consume, keys.data[0].id
