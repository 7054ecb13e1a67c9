"""Choosing a model from `/models` and `/models/traits`: pure, no I/O.

`choose` takes the listing and the traits as JSON (what `to_dict()` gives) and
returns the index of the first model that fits, in this order of preference: the model the
asked trait names (`/models/traits`, then the models' own `traits` lists), the
type's `default` model, then the listing's order. Deprecated models come last.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from venice_ext.errors import NoMatchingModelError, RequestValidationError

__all__ = ["CAPABILITIES", "capability_key", "choose"]

# Friendly names for the `model_spec.capabilities` flags Venice publishes.
CAPABILITIES: dict[str, str] = {
    "vision": "supportsVision",
    "function_calling": "supportsFunctionCalling",
    "tools": "supportsFunctionCalling",
    "reasoning": "supportsReasoning",
    "reasoning_effort": "supportsReasoningEffort",
    "e2ee": "supportsE2EE",
    "tee": "supportsTeeAttestation",
    "web_search": "supportsWebSearch",
    "x_search": "supportsXSearch",
    "response_schema": "supportsResponseSchema",
    "structured_output": "supportsResponseSchema",
    "logprobs": "supportsLogProbs",
    "audio_input": "supportsAudioInput",
    "video_input": "supportsVideoInput",
    "multiple_images": "supportsMultipleImages",
    "code": "optimizedForCode",
}


def capability_key(name: str, known: Iterable[str] = ()) -> str:
    """The `capabilities` flag for a friendly name (`vision`) or a flag name itself (`supportsVision`)."""
    if name in CAPABILITIES:
        return CAPABILITIES[name]
    flags = set(CAPABILITIES.values()) | set(known)
    if name in flags:
        return name
    camel = "supports" + "".join(part.capitalize() for part in name.split("_"))
    if camel in flags:
        return camel
    names = ", ".join(sorted(CAPABILITIES))
    raise RequestValidationError(f"models.resolve: unknown capability {name!r}; known: {names}")


def _spec(model: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = model.get("model_spec")
    return spec if isinstance(spec, Mapping) else {}


def _has(model: Mapping[str, Any], flags: Sequence[str]) -> bool:
    capabilities = _spec(model).get("capabilities")
    if not isinstance(capabilities, Mapping):
        return not flags
    return all(capabilities.get(flag) is True for flag in flags)


def _traits_of(model: Mapping[str, Any]) -> list[str]:
    traits = _spec(model).get("traits")
    return [trait for trait in traits if isinstance(trait, str)] if isinstance(traits, list) else []


def _preferred(traits: Mapping[str, Any], capabilities: Sequence[str], trait: str | None) -> list[str]:
    """Model ids in order of preference: what the trait names, or the capabilities' defaults."""
    names = (
        [trait]
        if trait is not None
        else [name for capability in capabilities for name in (f"default_{capability}", f"{capability}_default")]
    )
    names.append("default")
    return [value for name in names if isinstance(value := traits.get(name), str)]


def _rank(model: Mapping[str, Any], preferred: Sequence[str], trait: str | None) -> tuple[int, int, int]:
    own = _traits_of(model)
    model_id = model.get("id")
    asked = 0 if trait is None or trait in own or (preferred and model_id == preferred[0]) else 1
    deprecated = 1 if _spec(model).get("deprecation") else 0
    position = preferred.index(model_id) if model_id in preferred else len(preferred) + ("default" not in own)
    return (asked, deprecated, position)


def choose(
    models: Sequence[Mapping[str, Any]],
    traits: Mapping[str, Any],
    *,
    type: str,
    capabilities: Iterable[str] = (),
    trait: str | None = None,
) -> int:
    """The index in `models` of the best model of `type` with every capability asked (and `trait`)."""
    asked_for = list(capabilities)
    known = {key for model in models for key in (_spec(model).get("capabilities") or {}) if isinstance(key, str)}
    flags = [capability_key(name, known) for name in asked_for]
    preferred = _preferred(traits, asked_for, trait)
    of_type = [index for index, model in enumerate(models) if model.get("type") == type]
    fitting = [index for index in of_type if _has(models[index], flags)]
    if trait is not None:
        fitting = [i for i in fitting if models[i].get("id") == traits.get(trait) or trait in _traits_of(models[i])]
    if not fitting:
        raise NoMatchingModelError(_no_match(type, asked_for, trait, [models[i] for i in of_type], traits))
    # Stable: among equals, the listing's order decides.
    return min(fitting, key=lambda index: _rank(models[index], preferred, trait))


def _no_match(
    type: str,
    capabilities: Sequence[str],
    trait: str | None,
    of_type: Sequence[Mapping[str, Any]],
    traits: Mapping[str, Any],
) -> str:
    wanted = [f"type={type!r}"]
    if capabilities:
        wanted.append(f"capabilities={list(capabilities)!r}")
    if trait is not None:
        wanted.append(f"trait={trait!r}")
    detail = f"{len(of_type)} model(s) of type {type!r}"
    if trait is not None and trait not in traits and not any(trait in _traits_of(model) for model in of_type):
        known = sorted({*(key for key in traits if isinstance(key, str)), *(t for m in of_type for t in _traits_of(m))})
        detail += f"; no model has the trait {trait!r} (known traits: {', '.join(known) or 'none'})"
    return f"no model fits {', '.join(wanted)} ({detail})"
