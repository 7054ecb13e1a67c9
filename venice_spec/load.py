"""Read a Venice spec: YAML 1.2, then OpenAPI validation, repair, or refusal.

    bytes -> YAML 1.2 (duplicated keys recorded) -> duplicates: keep the last, or refuse
          -> validate -> clean: done
                      -> violations: every repair of `repairs.REPAIRS` -> validate again
                                     -> clean: done, with the list of repairs
                                     -> still violations: refused, `<JSON pointer>: <rule>`

A spec that validates goes through untouched. `make spec`, `make generate`,
`make test-history`, `make update-spec` and `venice spec diff` all read specs here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from venice_spec._yaml import DuplicateKey, YamlSyntaxError, load_yaml
from venice_spec.repairs import REPAIRS, Repair, keep_last_duplicates
from venice_spec.validate import Violation, validate

__all__ = ["LoadedSpec", "SpecError", "SpecRefused", "check_spec", "parse_spec", "read_spec"]


class SpecError(Exception):
    """The spec could not be read, is not an OpenAPI document, or breaks OpenAPI beyond repair."""


class SpecRefused(SpecError):
    """A violation no repair fixes; the message is `<JSON pointer>: <rule>`."""

    def __init__(self, violation: Violation, others: int = 0) -> None:
        more = f" (and {others} more violation{'s' if others != 1 else ''})" if others else ""
        super().__init__(f"{violation}{more}")
        self.violation = violation


@dataclass(frozen=True)
class LoadedSpec:
    document: dict[str, Any]
    repairs: tuple[Repair, ...] = ()

    @property
    def version(self) -> str:
        return str(self.document["info"]["version"])


def parse_spec(data: bytes) -> LoadedSpec:
    """A YAML or JSON OpenAPI document (JSON is YAML 1.2), valid or repaired."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text ({exc})") from exc
    try:
        loaded = load_yaml(text)
    except YamlSyntaxError as exc:
        raise SpecError(f"invalid YAML: {exc}") from exc
    document = loaded.data
    if not isinstance(document, dict) or "paths" not in document or "openapi" not in document:
        raise SpecError("not an OpenAPI document (no 'openapi' and 'paths' keys)")
    info = document.get("info")
    if not isinstance(info, dict) or not isinstance(info.get("version"), (str, int, float)):
        raise SpecError("OpenAPI document has no info.version")
    return check_spec(document, loaded.duplicates)


def check_spec(document: dict[str, Any], duplicates: tuple[DuplicateKey, ...] = ()) -> LoadedSpec:
    """`document` if it is valid OpenAPI, else repaired, else refused (`duplicates`: its YAML's)."""
    repairs, refusals = keep_last_duplicates(duplicates)
    if refusals:
        raise SpecRefused(refusals[0], len(refusals) - 1)
    if not validate(document):
        return LoadedSpec(document, tuple(repairs))
    for repair in REPAIRS:
        document, applied = repair(document)
        repairs.extend(applied)
    remaining = validate(document)
    if remaining:
        raise SpecRefused(remaining[0], len(remaining) - 1)
    return LoadedSpec(document, tuple(repairs))


def read_spec(path: Path) -> LoadedSpec:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return parse_spec(data)
