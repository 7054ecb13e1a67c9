"""Canned answers for the model catalogue: /models, /models/traits, /models/compatibility_mapping.

The listing holds one or two entries per model type, copied from a real GET /models answer and
trimmed (tts-kokoro's 54 voices cut to six), among them the `venice` command's default models.
"""

from __future__ import annotations

from typing import Any

from venice_ext.testing._replies import Reply

__all__ = ["compatibility_mapping", "model_traits", "models"]

_LLM_CAPABILITIES_OFF: dict[str, Any] = {
    "optimizedForCode": False,
    "supportsAudioInput": False,
    "supportsLogProbs": False,
    "supportsTeeAttestation": False,
    "supportsE2EE": False,
    "supportsVideoInput": False,
    "supportsXSearch": False,
}

_MODELS: list[dict[str, Any]] = [
    {
        "id": "venice-uncensored-1-2",
        "type": "text",
        "created": 1775001600,
        "model_spec": {
            "name": "Venice Uncensored 1.2",
            "uncensored": True,
            "privacy": "private",
            "availableContextTokens": 128000,
            "pricing": {"input": {"usd": 0.2, "diem": 0.2}, "output": {"usd": 0.9, "diem": 0.9}},
            "traits": ["most_uncensored"],
            "capabilities": {
                **_LLM_CAPABILITIES_OFF,
                "quantization": "fp16",
                "supportsFunctionCalling": True,
                "supportsMultipleImages": True,
                "maxImages": 10,
                "supportsReasoning": False,
                "supportsReasoningEffort": False,
                "supportsResponseSchema": True,
                "supportsVision": True,
                "supportsWebSearch": True,
            },
        },
    },
    {
        "id": "zai-org-glm-5-1",
        "type": "text",
        "created": 1775520000,
        "model_spec": {
            "name": "GLM 5.1",
            "privacy": "private",
            "availableContextTokens": 200000,
            "pricing": {
                "input": {"usd": 1.54, "diem": 1.54},
                "cache_input": {"usd": 0.286, "diem": 0.286},
                "output": {"usd": 4.84, "diem": 4.84},
            },
            "traits": [],
            "capabilities": {
                **_LLM_CAPABILITIES_OFF,
                "quantization": "fp8",
                "supportsFunctionCalling": True,
                "supportsMultipleImages": False,
                "supportsReasoning": True,
                "supportsReasoningEffort": True,
                "reasoningEffortOptions": ["none", "low", "medium", "high"],
                "defaultReasoningEffort": "low",
                "supportsResponseSchema": True,
                "supportsVision": False,
                "supportsWebSearch": True,
            },
            # The documentation snapshot drops `constraints`; the live listing carries them.
            "constraints": {"temperature": {"default": 1.0}, "top_p": {"default": 0.95}},
        },
    },
    {
        "id": "qwen-image",
        "type": "image",
        "created": 1736635129,
        "model_spec": {
            "name": "Qwen Image",
            "privacy": "anonymized",
            "pricing": {
                "generation": {"usd": 0.03, "diem": 0.03},
                "upscale": {"2x": {"usd": 0.02, "diem": 0.02}, "4x": {"usd": 0.08, "diem": 0.08}},
            },
            "traits": ["highest_quality"],
            "constraints": {"promptCharacterLimit": 1500, "steps": {"default": 8, "max": 50}, "widthHeightDivisor": 16},
        },
    },
    {
        "id": "qwen-edit-uncensored",
        "type": "inpaint",
        "created": 1780531200,
        "model_spec": {
            "name": "Qwen Edit Uncensored",
            "uncensored": True,
            "privacy": "private",
            "pricing": {"inpaint": {"usd": 0.04, "diem": 0.04}},
            "traits": [],
        },
    },
    {
        "id": "kling-v3-pro-text-to-video",
        "type": "video",
        "created": 1770076800,
        "model_spec": {
            "name": "Kling V3 Pro",
            "privacy": "anonymized",
            "traits": [],
            "constraints": {
                "aspect_ratios": ["16:9", "9:16", "1:1"],
                "resolutions": ["1080p"],
                "durations": ["5s", "10s"],
                "model_type": "text-to-video",
                "audio": True,
                "audio_configurable": True,
                "prompt_character_limit": 2500,
            },
        },
    },
    {
        "id": "tts-kokoro",
        "type": "tts",
        "created": 1742418046,
        "model_spec": {
            "name": "Kokoro Text to Speech",
            "privacy": "private",
            "pricing": {"input": {"usd": 3.5, "diem": 3.5}},
            "traits": [],
            "voices": ["af_alloy", "af_bella", "af_heart", "am_adam", "bf_emma", "bm_george"],
        },
    },
    {
        "id": "nvidia/parakeet-tdt-0.6b-v3",
        "type": "asr",
        "created": 1760136444,
        "model_spec": {
            "name": "Parakeet ASR",
            "privacy": "private",
            "pricing": {"per_audio_second": {"usd": 0.0001, "diem": 0.0001}},
            "traits": [],
        },
    },
    {
        "id": "text-embedding-bge-m3",
        "type": "embedding",
        "created": 1741924661,
        "model_spec": {
            "name": "BGE-M3",
            "privacy": "private",
            "pricing": {"input": {"usd": 0.15, "diem": 0.15}, "output": {"usd": 0.6, "diem": 0.6}},
            "traits": [],
            "embeddingDimensions": 1024,
            "maxInputTokens": 8192,
            "supportsCustomDimensions": False,
        },
    },
    {
        "id": "z-image-turbo",
        "type": "image",
        "created": 1764758779,
        "model_spec": {
            "name": "Z-Image Turbo",
            "privacy": "private",
            "pricing": {
                "generation": {"usd": 0.01, "diem": 0.01},
                "upscale": {"2x": {"usd": 0.02, "diem": 0.02}, "4x": {"usd": 0.08, "diem": 0.08}},
            },
            "traits": ["default", "fastest"],
        },
    },
    {
        "id": "zai-org-glm-5-2",
        "type": "text",
        "created": 1781568000,
        "model_spec": {
            "name": "GLM 5.2",
            "privacy": "private",
            "availableContextTokens": 1000000,
            "pricing": {
                "input": {"usd": 1.4, "diem": 1.4},
                "cache_input": {"usd": 0.26, "diem": 0.26},
                "output": {"usd": 4.4, "diem": 4.4},
            },
            "traits": ["default", "function_calling_default"],
            "capabilities": {
                **_LLM_CAPABILITIES_OFF,
                "optimizedForCode": True,
                "quantization": "fp8",
                "supportsFunctionCalling": True,
                "supportsMultipleImages": False,
                "supportsReasoning": True,
                "supportsReasoningEffort": True,
                "reasoningEffortOptions": ["none", "high", "max"],
                "defaultReasoningEffort": "max",
                "supportsResponseSchema": True,
                "supportsVision": False,
                "supportsWebSearch": True,
            },
        },
    },
]


def models() -> Reply:
    # `object` and `owned_by` are required by the schema and sent by the live API, but the
    # documentation snapshot the entries come from leaves them out.
    data = [{**entry, "object": "model", "owned_by": "venice.ai"} for entry in _MODELS]
    # The listing mixes types, which the API does only for `?type=all`.
    return Reply(json={"object": "list", "type": "all", "data": data})


def model_traits() -> Reply:
    return Reply(
        json={
            "object": "list",
            "type": "text",
            "data": {
                "default": "zai-org-glm-5-2",
                "default_code": "deepseek-v4-pro-0813",
                "default_reasoning": "kimi-k3",
                "default_vision": "qwen-3-8-27b",
                "function_calling_default": "zai-org-glm-5-2",
                "most_intelligent": "grok-4-6",
                "most_uncensored": "venice-uncensored-1-2",
            },
        }
    )


def compatibility_mapping() -> Reply:
    # OpenAI-style names that clients hard-code, mapped to the Venice model serving them.
    return Reply(
        json={
            "object": "list",
            "type": "text",
            "data": {
                "gpt-4o": "zai-org-glm-5-2",
                "gpt-4o-mini": "llama-3.2-3b",
                "o1": "kimi-k3",
                "deepseek-r1": "deepseek-v4-pro",
            },
        }
    )
