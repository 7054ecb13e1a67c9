"""The fake server's model catalogue: Venice's real `/models` listing, plus the models a test adds.

The listing is `models-snapshot.json`, shipped in this package (`make models` fetches
it: it is Venice's data, not committed). Each FakeVenice has its own catalogue, so a
model one test adds (`fake.add_model(...)`) is unknown to the next.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MODEL_TYPES", "ModelCatalogue", "new_entry", "snapshot_models"]

SNAPSHOT = "models-snapshot.json"
# The values of `GET /models?type=`, besides `all` and `code`.
MODEL_TYPES = ("asr", "embedding", "image", "music", "text", "tts", "upscale", "inpaint", "video")


# Every capability the spec requires of a text model, off: what an added model has unless told.
_TEXT_CAPABILITIES_OFF: dict[str, Any] = {
    "optimizedForCode": False,
    "quantization": "fp8",
    "supportsAudioInput": False,
    "supportsE2EE": False,
    "supportsFunctionCalling": False,
    "supportsLogProbs": False,
    "supportsMultipleImages": False,
    "supportsReasoning": False,
    "supportsReasoningEffort": False,
    "supportsResponseSchema": False,
    "supportsTeeAttestation": False,
    "supportsVideoInput": False,
    "supportsVision": False,
    "supportsWebSearch": False,
    "supportsXSearch": False,
}


@functools.cache
def _snapshot_text() -> str:
    resource = importlib.resources.files("venice_ext.testing").joinpath(SNAPSHOT)
    try:
        return resource.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuntimeError(
            f"venice_ext/testing/{SNAPSHOT} is missing: in a checkout, `make models` fetches Venice's model listing"
        ) from None


def snapshot_models() -> list[dict[str, Any]]:
    """Every model of Venice's listing, a fresh copy each call (as `GET /models?type=all` gives them)."""
    entries: list[dict[str, Any]] = json.loads(_snapshot_text())
    return entries


@functools.cache
def _shared_snapshot() -> tuple[dict[str, Any], ...]:
    # Parsed once for every catalogue: none of them changes an entry in place (an added model
    # replaces the entry in its own catalogue's index), and reads hand out copies.
    return tuple(snapshot_models())


def listed(entry: Mapping[str, Any]) -> dict[str, Any]:
    """`entry` as `/models` sends it: with `object` and `owned_by`, which the schema requires and the
    live API sends, although the documentation snapshot leaves them out."""
    return {**copy.deepcopy(dict(entry)), "object": "model", "owned_by": "venice.ai"}


def new_entry(model_id: str, model_type: str, created: int, model_spec: Mapping[str, Any]) -> dict[str, Any]:
    """A listing entry with what the spec requires filled in (a name, `privacy`, a text model's
    capabilities), under what `model_spec` says; its `capabilities` are merged, not replaced."""
    spec: dict[str, Any] = {"name": model_id, "privacy": "private", "traits": [], **model_spec}
    if model_type == "text":
        given = model_spec.get("capabilities") or {}
        spec["capabilities"] = {**_TEXT_CAPABILITIES_OFF, **given}
    return {"id": model_id, "type": model_type, "created": created, "model_spec": spec}


class ModelCatalogue:
    """Models by id, in listing order; a model added with an id already listed replaces it in place.

    Reads hand out copies (a test editing what it got cannot change the fake); the checks
    made on every request (`type_of`, `traits`) copy nothing.
    """

    def __init__(self, entries: Iterable[Mapping[str, Any]] | None = None) -> None:
        self._lock = threading.Lock()
        self._models: dict[str, dict[str, Any]] = {}
        if entries is None:
            self._models = {listed_entry["id"]: listed_entry for listed_entry in _shared_snapshot()}
        else:
            for entry in entries:
                self.add(entry)

    def add(self, entry: Mapping[str, Any]) -> None:
        model_id, model_type = entry.get("id"), entry.get("type")
        if not isinstance(model_id, str) or not model_id or not isinstance(model_type, str):
            raise ValueError(f"a model needs a non-empty string `id` and a `type`: {dict(entry)!r}")
        if not isinstance(entry.get("model_spec", {}), Mapping):
            raise ValueError(f"model {model_id!r}: `model_spec` must be a mapping")
        with self._lock:
            self._models[model_id] = copy.deepcopy(dict(entry))

    def type_of(self, model_id: str) -> str | None:
        with self._lock:
            entry = self._models.get(model_id)
            return entry["type"] if entry is not None else None

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._models.values()))

    def of_type(self, model_type: str) -> list[dict[str, Any]]:
        """The models `GET /models?type=model_type` lists: `all` of them, `code` for the text models
        optimized for code, or those of one type."""
        return copy.deepcopy(self._of_type(model_type))

    def traits(self, model_type: str) -> dict[str, str]:
        """Trait name -> the first model of `model_type` that has it, as `/models/traits` answers."""
        found: dict[str, str] = {}
        for entry in self._of_type(model_type):
            for trait in entry.get("model_spec", {}).get("traits") or []:
                if isinstance(trait, str):
                    found.setdefault(trait, entry["id"])
        return found

    def _of_type(self, model_type: str) -> list[dict[str, Any]]:
        with self._lock:
            everything = list(self._models.values())
        if model_type == "all":
            return everything
        if model_type == "code":
            return [entry for entry in everything if entry["type"] == "text" and _capability(entry, "optimizedForCode")]
        return [entry for entry in everything if entry["type"] == model_type]


def _capability(entry: Mapping[str, Any], name: str) -> bool:
    capabilities = entry.get("model_spec", {}).get("capabilities") or {}
    return isinstance(capabilities, Mapping) and capabilities.get(name) is True
