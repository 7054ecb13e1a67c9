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

from venice_ext._client import AsyncVenice, Operation, Venice
from venice_ext._core._api_response import APIResponse, ModelDeprecationWarning
from venice_ext._core._budget import FailureBudget
from venice_ext._core._config import DEFAULT_BASE_URL, DEFAULT_TIMEOUT
from venice_ext._core._drift import DriftedBody, SpecDriftWarning
from venice_ext._core._ledger import Spend
from venice_ext._core._retry import OPERATION_SAFETY, RetryPolicy, Safety
from venice_ext._core._transport import TransportHooks
from venice_ext.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    ContentPolicyError,
    CostUnknownError,
    DownloadError,
    E2EEAttestationError,
    E2EEDecryptionError,
    E2EEError,
    E2EEKeyBindingError,
    E2EENonceMismatchError,
    E2EENotInstalledError,
    E2EESignatureError,
    E2EEUnsupportedRequestError,
    FailureBudgetSpentError,
    GoneError,
    InsufficientBalanceError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    MaxIterationsError,
    ModelAtCapacityError,
    NoMatchingModelError,
    NotFoundError,
    OutputPathError,
    PayloadTooLargeError,
    PaymentOutcomeUnknownError,
    PaymentRejectedError,
    PaymentRequiredError,
    PermissionDeniedError,
    QueueOutcomeUnknownError,
    RateLimitError,
    RequestValidationError,
    ResponseValidationError,
    RetryBudgetExceededError,
    ServerError,
    SignInRejectedError,
    SpendCapExceededError,
    SpendLimitError,
    StreamInterruptedError,
    StreamTimeoutError,
    StructuredOutputError,
    ToolArgumentsError,
    TopUpRefusedError,
    UnpayableRequirementError,
    UnsupportedMediaTypeError,
    UnsupportedTypeError,
    VeniceError,
    WalletError,
    WalletNotInstalledError,
)

if TYPE_CHECKING:
    from venice_ext._core._aiohttp import aiohttp_transport
    from venice_ext._core._limits import Balances, RateLimits
    from venice_ext._core._media import Media
    from venice_ext.batch import BatchResult
    from venice_ext.cost import CostEstimate, estimate_cost
    from venice_ext.e2ee import Attestation, E2EEOptions, ResponseSignature, SignatureCheck, VerifiedAttestation
    from venice_ext.jobs._job import AsyncAudioJob, AsyncVideoJob, AudioJob, VideoJob
    from venice_ext.jobs._poll import JobProgress
    from venice_ext.jobs._resources import AsyncAudioJobs, AsyncVideo, AudioJobs, GeneratedMedia, Video
    from venice_ext.resources._response_events import ResponseStreamEvent
    from venice_ext.resources.audio import AsyncSpeechStream, SpeechStream
    from venice_ext.resources.responses import AsyncResponseStream, ResponseStream
    from venice_ext.tools._calls import ToolCallRecord, ToolLoopResult
    from venice_ext.tools._loop import LoopFinished, TextDelta, ToolCallFinished, ToolCallStarted
    from venice_ext.tools._structured import ParsedCompletion
    from venice_ext.tools._tool import Tool, tool
    from venice_ext.wallet import AutoTopUp, PrivateKeySigner, TopUpResult, Wallet, WalletSigner

# Loaded on first use (PEP 562): tools, jobs and the other streams are not needed to
# import the client, and importing them all cost more than the client itself.
_LAZY: dict[str, str] = {
    "Balances": "venice_ext._core._limits",
    "RateLimits": "venice_ext._core._limits",
    "Media": "venice_ext._core._media",
    "aiohttp_transport": "venice_ext._core._aiohttp",
    "BatchResult": "venice_ext.batch",
    "CostEstimate": "venice_ext.cost",
    "estimate_cost": "venice_ext.cost",
    "AutoTopUp": "venice_ext.wallet",
    "PrivateKeySigner": "venice_ext.wallet",
    "TopUpResult": "venice_ext.wallet",
    "Wallet": "venice_ext.wallet",
    "WalletSigner": "venice_ext.wallet",
    "AsyncAudioJob": "venice_ext.jobs._job",
    "AsyncAudioJobs": "venice_ext.jobs._resources",
    "AsyncResponseStream": "venice_ext.resources.responses",
    "AsyncSpeechStream": "venice_ext.resources.audio",
    "AsyncVideo": "venice_ext.jobs._resources",
    "AsyncVideoJob": "venice_ext.jobs._job",
    "Attestation": "venice_ext.e2ee._types",
    "E2EEOptions": "venice_ext.e2ee._options",
    "ResponseSignature": "venice_ext.e2ee._types",
    "SignatureCheck": "venice_ext.e2ee._types",
    "VerifiedAttestation": "venice_ext.e2ee._types",
    "AudioJob": "venice_ext.jobs._job",
    "AudioJobs": "venice_ext.jobs._resources",
    "GeneratedMedia": "venice_ext.jobs._resources",
    "JobProgress": "venice_ext.jobs._poll",
    "LoopFinished": "venice_ext.tools._loop",
    "ParsedCompletion": "venice_ext.tools._structured",
    "ResponseStream": "venice_ext.resources.responses",
    "ResponseStreamEvent": "venice_ext.resources._response_events",
    "SpeechStream": "venice_ext.resources.audio",
    "TextDelta": "venice_ext.tools._loop",
    "Tool": "venice_ext.tools._tool",
    "ToolCallFinished": "venice_ext.tools._loop",
    "ToolCallRecord": "venice_ext.tools._calls",
    "ToolCallStarted": "venice_ext.tools._loop",
    "ToolLoopResult": "venice_ext.tools._calls",
    "Video": "venice_ext.jobs._resources",
    "VideoJob": "venice_ext.jobs._job",
    "tool": "venice_ext.tools._tool",
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
    "Attestation",
    "AudioJob",
    "AudioJobs",
    "AuthenticationError",
    "AutoTopUp",
    "BadRequestError",
    "Balances",
    "BatchResult",
    "ConfigurationError",
    "ConflictError",
    "ContentPolicyError",
    "CostEstimate",
    "CostUnknownError",
    "DownloadError",
    "DriftedBody",
    "E2EEAttestationError",
    "E2EEDecryptionError",
    "E2EEError",
    "E2EEKeyBindingError",
    "E2EENonceMismatchError",
    "E2EENotInstalledError",
    "E2EEOptions",
    "E2EESignatureError",
    "E2EEUnsupportedRequestError",
    "FailureBudget",
    "FailureBudgetSpentError",
    "GeneratedMedia",
    "GoneError",
    "InsufficientBalanceError",
    "JobError",
    "JobFailedError",
    "JobProgress",
    "JobTimeoutError",
    "LoopFinished",
    "MaxIterationsError",
    "Media",
    "ModelAtCapacityError",
    "ModelDeprecationWarning",
    "NoMatchingModelError",
    "NotFoundError",
    "Operation",
    "OutputPathError",
    "ParsedCompletion",
    "PayloadTooLargeError",
    "PaymentOutcomeUnknownError",
    "PaymentRejectedError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PrivateKeySigner",
    "QueueOutcomeUnknownError",
    "RateLimitError",
    "RateLimits",
    "RequestValidationError",
    "ResponseSignature",
    "ResponseStream",
    "ResponseStreamEvent",
    "ResponseValidationError",
    "RetryBudgetExceededError",
    "RetryPolicy",
    "Safety",
    "ServerError",
    "SignInRejectedError",
    "SignatureCheck",
    "SpecDriftWarning",
    "SpeechStream",
    "Spend",
    "SpendCapExceededError",
    "SpendLimitError",
    "StreamInterruptedError",
    "StreamTimeoutError",
    "StructuredOutputError",
    "TextDelta",
    "Tool",
    "ToolArgumentsError",
    "ToolCallFinished",
    "ToolCallRecord",
    "ToolCallStarted",
    "ToolLoopResult",
    "TopUpRefusedError",
    "TopUpResult",
    "TransportHooks",
    "UnpayableRequirementError",
    "UnsupportedMediaTypeError",
    "UnsupportedTypeError",
    "Venice",
    "VeniceError",
    "VerifiedAttestation",
    "Video",
    "VideoJob",
    "Wallet",
    "WalletError",
    "WalletNotInstalledError",
    "WalletSigner",
    "aiohttp_transport",
    "estimate_cost",
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
