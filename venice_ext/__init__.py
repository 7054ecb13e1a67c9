"""Venice.ai client: the ergonomic layer over the generated `venice_api` package.

    from venice_ext import Venice
    from venice_api.api.models import list_models

    with Venice() as client:                 # key from $VENICE_API_KEY
        models = client.call(list_models)    # typed result, or a typed error

Errors live in `venice_ext.errors` (its docstring draws the tree); the fake Venice
server for tests is `venice_ext.testing`.
"""

import importlib
from typing import TYPE_CHECKING, Any

from venice_ext._aiohttp import aiohttp_transport
from venice_ext._budget import FailureBudget
from venice_ext._client import AsyncVenice, Operation, Venice
from venice_ext._config import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, ConfigurationError
from venice_ext._headers import Balances, RateLimits
from venice_ext._response import APIResponse, ModelDeprecationWarning
from venice_ext._retry import OPERATION_SAFETY, RetryPolicy, Safety
from venice_ext._transport import TransportHooks
from venice_ext.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ContentPolicyError,
    DownloadError,
    GoneError,
    InsufficientBalanceError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    ModelAtCapacityError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PermissionDeniedError,
    QueueOutcomeUnknownError,
    RateLimitError,
    ResponseValidationError,
    RetryBudgetExceededError,
    ServerError,
    SpendLimitError,
    UnsupportedMediaTypeError,
    VeniceError,
)

if TYPE_CHECKING:
    from venice_ext._job_resources import AsyncAudioJobs, AsyncVideo, AudioJobs, GeneratedMedia, Video
    from venice_ext._jobs import AsyncAudioJob, AsyncVideoJob, AudioJob, VideoJob
    from venice_ext._parse import ParsedCompletion, StructuredOutputError
    from venice_ext._poll import JobProgress
    from venice_ext._responses import AsyncResponseStream, ResponseStream, ResponseStreamEvent
    from venice_ext._speech import AsyncSpeechStream, SpeechStream
    from venice_ext._tool_calls import MaxIterationsError, ToolCallRecord, ToolLoopResult
    from venice_ext._tool_loop import LoopFinished, TextDelta, ToolCallFinished, ToolCallStarted
    from venice_ext._tools import Tool, tool
    from venice_ext._typeschema import UnsupportedTypeError

# Loaded on first use (PEP 562): tools, jobs and the other streams are not needed to
# import the client, and importing them all cost more than the client itself.
_LAZY: dict[str, str] = {
    "AsyncAudioJob": "venice_ext._jobs",
    "AsyncAudioJobs": "venice_ext._job_resources",
    "AsyncResponseStream": "venice_ext._responses",
    "AsyncSpeechStream": "venice_ext._speech",
    "AsyncVideo": "venice_ext._job_resources",
    "AsyncVideoJob": "venice_ext._jobs",
    "AudioJob": "venice_ext._jobs",
    "AudioJobs": "venice_ext._job_resources",
    "GeneratedMedia": "venice_ext._job_resources",
    "JobProgress": "venice_ext._poll",
    "LoopFinished": "venice_ext._tool_loop",
    "MaxIterationsError": "venice_ext._tool_calls",
    "ParsedCompletion": "venice_ext._parse",
    "ResponseStream": "venice_ext._responses",
    "ResponseStreamEvent": "venice_ext._responses",
    "SpeechStream": "venice_ext._speech",
    "StructuredOutputError": "venice_ext._parse",
    "TextDelta": "venice_ext._tool_loop",
    "Tool": "venice_ext._tools",
    "ToolCallFinished": "venice_ext._tool_loop",
    "ToolCallRecord": "venice_ext._tool_calls",
    "ToolCallStarted": "venice_ext._tool_loop",
    "ToolLoopResult": "venice_ext._tool_calls",
    "UnsupportedTypeError": "venice_ext._typeschema",
    "Video": "venice_ext._job_resources",
    "VideoJob": "venice_ext._jobs",
    "tool": "venice_ext._tools",
}

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "OPERATION_SAFETY",
    "APIConnectionError",
    "APIResponse",
    "APIStatusError",
    "APITimeoutError",
    "AsyncAudioJob",
    "AsyncAudioJobs",
    "AsyncResponseStream",
    "AsyncSpeechStream",
    "AsyncVenice",
    "AsyncVideo",
    "AsyncVideoJob",
    "AudioJob",
    "AudioJobs",
    "AuthenticationError",
    "BadRequestError",
    "Balances",
    "ConfigurationError",
    "ConflictError",
    "ContentPolicyError",
    "DownloadError",
    "FailureBudget",
    "GeneratedMedia",
    "GoneError",
    "InsufficientBalanceError",
    "JobError",
    "JobFailedError",
    "JobProgress",
    "JobTimeoutError",
    "LoopFinished",
    "MaxIterationsError",
    "ModelAtCapacityError",
    "ModelDeprecationWarning",
    "NotFoundError",
    "Operation",
    "ParsedCompletion",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "QueueOutcomeUnknownError",
    "RateLimitError",
    "RateLimits",
    "ResponseStream",
    "ResponseStreamEvent",
    "ResponseValidationError",
    "RetryBudgetExceededError",
    "RetryPolicy",
    "Safety",
    "ServerError",
    "SpeechStream",
    "SpendLimitError",
    "StructuredOutputError",
    "TextDelta",
    "Tool",
    "ToolCallFinished",
    "ToolCallRecord",
    "ToolCallStarted",
    "ToolLoopResult",
    "TransportHooks",
    "UnsupportedMediaTypeError",
    "UnsupportedTypeError",
    "Venice",
    "VeniceError",
    "Video",
    "VideoJob",
    "aiohttp_transport",
    "tool",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
