"""Every name venice_ext takes from the generated `venice_api` package, in one place.

`_SOURCES` maps each name to the generated module that defines it (`module:name` where
venice_ext gives it another name, as the generated resource classes it extends). Names load on
first use (PEP 562), so `import venice_ext` does not import every generated endpoint
and model; `resolve_all()` loads them all, which is what the tests against older
spec versions call: a regeneration that renames or drops one of these fails there,
with the name, instead of somewhere deep in the ergonomic layer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from venice_api.api.audio import complete_audio, create_speech, queue_audio, quote_audio, retrieve_audio
    from venice_api.api.billing import get_billing_usage_history
    from venice_api.api.chat import create_chat_completion
    from venice_api.api.models import list_model_traits, list_models
    from venice_api.api.responses_alpha import create_response
    from venice_api.api.video import complete_video, queue_video, quote_video, retrieve_video
    from venice_api.client import AuthenticatedClient
    from venice_api.errors import ModelParseError
    from venice_api.models import (
        ChatCompletionRequest,
        CompleteAudioRequest,
        CompleteVideoRequest,
        CreateChatCompletionResponse,
        CreateTranscriptionResponse,
        GetBillingUsageHistoryResponseDataItem,
        GetCharacterReviewsResponseDataItem,
        GetX402TransactionsResponseDataTransactionsItem,
        ListCharactersResponseDataItem,
        ListModelsResponse,
        ModelResponse,
        QueueAudioRequest,
        QueueVideoRequest,
        QuoteAudioRequest,
        QuoteVideoRequest,
        RetrieveAudioRequest,
        RetrieveVideoRequest,
    )
    from venice_api.models.create_response_response import CreateResponseResponse
    from venice_api.models.create_speech_request_schema import CreateSpeechRequestSchema
    from venice_api.models.responses_request import ResponsesRequest
    from venice_api.resources import AsyncResources as AsyncGeneratedResources
    from venice_api.resources import Resources as GeneratedResources
    from venice_api.resources.audio import AsyncAudio as AsyncGeneratedAudio
    from venice_api.resources.audio import AsyncAudioTranscriptions as AsyncGeneratedTranscriptions
    from venice_api.resources.audio import Audio as GeneratedAudio
    from venice_api.resources.audio import AudioTranscriptions as GeneratedTranscriptions
    from venice_api.resources.billing import AsyncBilling as AsyncGeneratedBilling
    from venice_api.resources.billing import Billing as GeneratedBilling
    from venice_api.resources.characters import AsyncCharacters as AsyncGeneratedCharacters
    from venice_api.resources.characters import Characters as GeneratedCharacters
    from venice_api.resources.chat import AsyncChat as AsyncGeneratedChat
    from venice_api.resources.chat import Chat as GeneratedChat
    from venice_api.resources.images import AsyncImages as AsyncGeneratedImages
    from venice_api.resources.images import Images as GeneratedImages
    from venice_api.resources.models import AsyncModels as AsyncGeneratedModels
    from venice_api.resources.models import Models as GeneratedModels
    from venice_api.resources.responses import AsyncResponses as AsyncGeneratedResponses
    from venice_api.resources.responses import Responses as GeneratedResponses
    from venice_api.resources.video import AsyncVideo as AsyncGeneratedVideo
    from venice_api.resources.video import Video as GeneratedVideo
    from venice_api.resources.x402 import X402 as GeneratedX402
    from venice_api.resources.x402 import AsyncX402 as AsyncGeneratedX402
    from venice_api.types import UNSET, File, Unset

_SOURCES: dict[str, str] = {
    "GeneratedChat": "venice_api.resources.chat:Chat",
    "AsyncGeneratedChat": "venice_api.resources.chat:AsyncChat",
    "GeneratedAudio": "venice_api.resources.audio:Audio",
    "AsyncGeneratedAudio": "venice_api.resources.audio:AsyncAudio",
    "GeneratedTranscriptions": "venice_api.resources.audio:AudioTranscriptions",
    "AsyncGeneratedTranscriptions": "venice_api.resources.audio:AsyncAudioTranscriptions",
    "CreateTranscriptionResponse": "venice_api.models",
    "GeneratedVideo": "venice_api.resources.video:Video",
    "AsyncGeneratedVideo": "venice_api.resources.video:AsyncVideo",
    "GeneratedResponses": "venice_api.resources.responses:Responses",
    "AsyncGeneratedResponses": "venice_api.resources.responses:AsyncResponses",
    "GeneratedResources": "venice_api.resources:Resources",
    "AsyncGeneratedResources": "venice_api.resources:AsyncResources",
    "GeneratedImages": "venice_api.resources.images:Images",
    "AsyncGeneratedImages": "venice_api.resources.images:AsyncImages",
    "GeneratedBilling": "venice_api.resources.billing:Billing",
    "AsyncGeneratedBilling": "venice_api.resources.billing:AsyncBilling",
    "GeneratedCharacters": "venice_api.resources.characters:Characters",
    "AsyncGeneratedCharacters": "venice_api.resources.characters:AsyncCharacters",
    "GeneratedX402": "venice_api.resources.x402:X402",
    "AsyncGeneratedX402": "venice_api.resources.x402:AsyncX402",
    "GeneratedModels": "venice_api.resources.models:Models",
    "AsyncGeneratedModels": "venice_api.resources.models:AsyncModels",
    "GetBillingUsageHistoryResponseDataItem": "venice_api.models",
    "GetCharacterReviewsResponseDataItem": "venice_api.models",
    "GetX402TransactionsResponseDataTransactionsItem": "venice_api.models",
    "ListCharactersResponseDataItem": "venice_api.models",
    "get_billing_usage_history": "venice_api.api.billing",
    "AuthenticatedClient": "venice_api.client",
    "ChatCompletionRequest": "venice_api.models",
    "CompleteAudioRequest": "venice_api.models",
    "CompleteVideoRequest": "venice_api.models",
    "CreateChatCompletionResponse": "venice_api.models",
    "CreateResponseResponse": "venice_api.models.create_response_response",
    "CreateSpeechRequestSchema": "venice_api.models.create_speech_request_schema",
    "File": "venice_api.types",
    "ListModelsResponse": "venice_api.models",
    "ModelResponse": "venice_api.models",
    "ModelParseError": "venice_api.errors",
    "QueueAudioRequest": "venice_api.models",
    "QueueVideoRequest": "venice_api.models",
    "QuoteAudioRequest": "venice_api.models",
    "QuoteVideoRequest": "venice_api.models",
    "ResponsesRequest": "venice_api.models.responses_request",
    "RetrieveAudioRequest": "venice_api.models",
    "RetrieveVideoRequest": "venice_api.models",
    "UNSET": "venice_api.types",
    "Unset": "venice_api.types",
    "complete_audio": "venice_api.api.audio",
    "complete_video": "venice_api.api.video",
    "create_chat_completion": "venice_api.api.chat",
    "create_response": "venice_api.api.responses_alpha",
    "create_speech": "venice_api.api.audio",
    "list_model_traits": "venice_api.api.models",
    "list_models": "venice_api.api.models",
    "queue_audio": "venice_api.api.audio",
    "queue_video": "venice_api.api.video",
    "quote_audio": "venice_api.api.audio",
    "quote_video": "venice_api.api.video",
    "retrieve_audio": "venice_api.api.audio",
    "retrieve_video": "venice_api.api.video",
}

__all__ = [
    "UNSET",
    "AsyncGeneratedAudio",
    "AsyncGeneratedBilling",
    "AsyncGeneratedCharacters",
    "AsyncGeneratedChat",
    "AsyncGeneratedImages",
    "AsyncGeneratedModels",
    "AsyncGeneratedResources",
    "AsyncGeneratedResponses",
    "AsyncGeneratedTranscriptions",
    "AsyncGeneratedVideo",
    "AsyncGeneratedX402",
    "AuthenticatedClient",
    "ChatCompletionRequest",
    "CompleteAudioRequest",
    "CompleteVideoRequest",
    "CreateChatCompletionResponse",
    "CreateResponseResponse",
    "CreateSpeechRequestSchema",
    "CreateTranscriptionResponse",
    "File",
    "GeneratedAudio",
    "GeneratedBilling",
    "GeneratedCharacters",
    "GeneratedChat",
    "GeneratedImages",
    "GeneratedModels",
    "GeneratedResources",
    "GeneratedResponses",
    "GeneratedTranscriptions",
    "GeneratedVideo",
    "GeneratedX402",
    "GetBillingUsageHistoryResponseDataItem",
    "GetCharacterReviewsResponseDataItem",
    "GetX402TransactionsResponseDataTransactionsItem",
    "ListCharactersResponseDataItem",
    "ListModelsResponse",
    "ModelParseError",
    "ModelResponse",
    "QueueAudioRequest",
    "QueueVideoRequest",
    "QuoteAudioRequest",
    "QuoteVideoRequest",
    "ResponsesRequest",
    "RetrieveAudioRequest",
    "RetrieveVideoRequest",
    "Unset",
    "complete_audio",
    "complete_video",
    "create_chat_completion",
    "create_response",
    "create_speech",
    "get_billing_usage_history",
    "list_model_traits",
    "list_models",
    "queue_audio",
    "queue_video",
    "quote_audio",
    "quote_video",
    "retrieve_audio",
    "retrieve_video",
]


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    source, _, attribute = source.partition(":")
    module = importlib.import_module(source)
    try:
        value = getattr(module, attribute or name)
    except AttributeError:  # an endpoint module, which its package does not import itself
        value = importlib.import_module(f"{source}.{name}")
    globals()[name] = value
    return value


def resolve_all() -> dict[str, Any]:
    """Load every name (ImportError or AttributeError naming the first one that is missing)."""
    return {name: __getattr__(name) for name in _SOURCES}
