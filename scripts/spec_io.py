"""Reading and writing spec documents.

YAML is read with YAML 1.2 rules: `on`/`off`/`yes`/`no` stay strings, and so do
ISO dates, which JSON (the form the generator and Prism consume) cannot carry as
anything else anyway.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

__all__ = ["SpecError", "dump_json", "load_spec_bytes", "load_spec_file", "sha256_hex"]


class SpecError(Exception):
    """The spec could not be read or is not an OpenAPI document."""


def _yaml12() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    # ruamel's safe loader still resolves timestamps; YAML 1.2's core schema has none.
    yaml.constructor.add_constructor(
        "tag:yaml.org,2002:timestamp",
        lambda loader, node: loader.construct_scalar(node),
    )
    return yaml


def load_spec_bytes(data: bytes) -> dict[str, Any]:
    """Parse a YAML or JSON OpenAPI document (JSON is YAML 1.2)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text ({exc})") from exc
    try:
        document = _yaml12().load(text)
    except YAMLError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpecError(f"invalid YAML: {first_line}") from exc
    if not isinstance(document, dict) or "paths" not in document or "openapi" not in document:
        raise SpecError("not an OpenAPI document (no 'openapi' and 'paths' keys)")
    info = document.get("info")
    if not isinstance(info, dict) or not isinstance(info.get("version"), (str, int, float)):
        raise SpecError("OpenAPI document has no info.version")
    return document


def load_spec_file(path: Path) -> dict[str, Any]:
    return load_spec_bytes(path.read_bytes())


def dump_json(document: Any) -> str:
    """Deterministic JSON text (insertion order kept: the order is part of the spec)."""
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
