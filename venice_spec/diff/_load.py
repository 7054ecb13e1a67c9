"""Reading a spec file for the change report, with YAML 1.2 rules.

ruamel.yaml is needed only here (the `spec` extra), so it is imported on first use:
YAML 1.1 readers would turn unquoted `on`/`off` enum values into booleans.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["SpecFileError", "load_spec"]


class SpecFileError(ValueError):
    """A spec file that cannot be read, or is not an OpenAPI document."""


def load_spec(path: Path) -> dict[str, Any]:
    try:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError
    except ImportError as exc:
        raise SpecFileError("reading specs needs ruamel.yaml: pip install 'venice-client[spec]'") from exc
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    # YAML 1.2's core schema has no timestamps; keep dates as the strings JSON would carry.
    yaml.constructor.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
    try:
        document = yaml.load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpecFileError(f"{path}: invalid YAML: {first}") from exc
    if not isinstance(document, dict) or "paths" not in document or not isinstance(document.get("info"), dict):
        raise SpecFileError(f"{path}: not an OpenAPI document (no 'info' and 'paths')")
    return document
