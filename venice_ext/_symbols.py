"""Every name venice_ext takes from the generated `venice_api` package, in one place.

A regeneration that renames or drops one of these fails here, at import, with the
name in the traceback, instead of somewhere deep in the ergonomic layer.
"""

from __future__ import annotations

from venice_api.api.audio import complete_audio, create_speech, queue_audio, quote_audio, retrieve_audio
from venice_api.api.chat import create_chat_completion
from venice_api.api.responses_alpha import create_response
from venice_api.api.video import complete_video, queue_video, quote_video, retrieve_video
from venice_api.client import AuthenticatedClient
from venice_api.errors import ModelParseError
from venice_api.models import (
    ChatCompletionRequest,
    CompleteAudioRequest,
    CompleteVideoRequest,
    CreateChatCompletionResponse,
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
from venice_api.types import UNSET, File, Unset

__all__ = [
    "UNSET",
    "AuthenticatedClient",
    "ChatCompletionRequest",
    "CompleteAudioRequest",
    "CompleteVideoRequest",
    "CreateChatCompletionResponse",
    "CreateResponseResponse",
    "CreateSpeechRequestSchema",
    "File",
    "ModelParseError",
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
    "queue_audio",
    "queue_video",
    "quote_audio",
    "quote_video",
    "retrieve_audio",
    "retrieve_video",
]
