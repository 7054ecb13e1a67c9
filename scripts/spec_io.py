"""Reading and writing spec documents.

Reading is `venice_spec.load`'s: YAML 1.2 rules (`on`/`off`/`yes`/`no` and ISO dates
stay strings), then OpenAPI validation, with the named repairs of `venice_spec.repairs`
or a one-line refusal. `load_spec_*` give the document alone; `parse_spec` and
`read_spec` also say which repairs it needed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from venice_spec.load import LoadedSpec, SpecError, SpecRefused, parse_spec, read_spec

__all__ = [
    "LoadedSpec",
    "SpecError",
    "SpecRefused",
    "dump_json",
    "load_spec_bytes",
    "load_spec_file",
    "parse_spec",
    "read_spec",
    "sha256_hex",
]


def load_spec_bytes(data: bytes) -> dict[str, Any]:
    return parse_spec(data).document


def load_spec_file(path: Path) -> dict[str, Any]:
    return read_spec(path).document


def dump_json(document: Any) -> str:
    """Deterministic JSON text (insertion order kept: the order is part of the spec)."""
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
