"""The report, for people (text grouped by operation) and for programs (JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from itertools import groupby
from typing import TYPE_CHECKING, Any

from venice_spec.diff._change import Change

if TYPE_CHECKING:
    from venice_spec.repairs import Repair

__all__ = ["render_json", "render_text", "summarize", "summary_line"]

_MARKS = {"breaking": "BREAKING", "notable": "notable", "compatible": "ok"}
_ORDER = {"breaking": 0, "notable": 1, "compatible": 2}
_ENUM_KINDS = {"enum-value-added": "added", "enum-value-removed": "removed"}
_MAX_VALUES = 12


def summarize(changes: Sequence[Change]) -> dict[str, int]:
    return {
        "changes": len(changes),
        "breaking": sum(change.breaking for change in changes),
        "notable": sum(change.notable for change in changes),
        "compatible": sum(change.verdict == "compatible" for change in changes),
        "operations": len({change.operation for change in changes}),
        "operations_added": sum(change.kind == "operation-added" for change in changes),
        "operations_removed": sum(change.kind == "operation-removed" for change in changes),
    }


def summary_line(changes: Sequence[Change]) -> str:
    counts = summarize(changes)
    if not counts["changes"]:
        return "0 changes"
    operations = f"{counts['operations']} operation{'s' if counts['operations'] != 1 else ''}"
    added_removed = f"{counts['operations_added']} added, {counts['operations_removed']} removed"
    return (
        f"{counts['changes']} change{'s' if counts['changes'] != 1 else ''} in {operations} ({added_removed}): "
        f"{counts['breaking']} breaking, {counts['notable']} notable, {counts['compatible']} compatible"
    )


def render_text(
    changes: Sequence[Change],
    old_version: str,
    new_version: str,
    *,
    old_repairs: Sequence[Repair] = (),
    new_repairs: Sequence[Repair] = (),
) -> str:
    """Grouped by operation, breaking changes first, each with why it breaks (or deserves a look).

    The repairs come first when either side needed any: the changes are between the
    repaired specs.
    """
    lines = [f"Venice API spec {old_version} -> {new_version}", ""]
    if old_repairs or new_repairs:
        for side, version, repairs in (("old", old_version, old_repairs), ("new", new_version, new_repairs)):
            lines.append(f"Repairs to the {side} spec ({version}): {len(repairs) or 'none'}")
            lines.extend(f"  {repair}" for repair in repairs)
        lines.append("")
    if not changes:
        lines.append("No changes that a client can see.")
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.operation, []).append(change)
    width = max(len(mark) for mark in _MARKS.values())
    for operation, group in groups.items():
        breaking = sum(change.breaking for change in group)
        lines.append(operation + (f"  [{breaking} breaking]" if breaking else ""))
        for change, detail in _compact(sorted(group, key=lambda change: _ORDER[change.verdict])):
            where = f"{change.location}: " if change.location else ""
            lines.append(f"  {_MARKS[change.verdict]:<{width}}  {where}{detail}")
            if change.verdict != "compatible":
                lines.append(f"  {'':<{width}}  why: {change.reason}")
        lines.append("")
    lines.append(f"Summary: {summary_line(changes)}.")
    return "\n".join(lines) + "\n"


def _compact(changes: Sequence[Change]) -> Iterator[tuple[Change, str]]:
    """Each change with its text; enum values added or removed at one place share a line.

    Venice adds model and voice names by the dozen: one line each would bury the rest.
    """
    for (kind, _location), run in groupby(changes, key=lambda change: (change.kind, change.location)):
        batch = list(run)
        if kind not in _ENUM_KINDS or len(batch) == 1:
            yield from ((change, change.detail) for change in batch)
            continue
        values = [change.detail.removeprefix("enum value ").rsplit(" ", 1)[0] for change in batch]
        shown = ", ".join(values[:_MAX_VALUES]) + (f", ... ({len(values)} in all)" if len(values) > _MAX_VALUES else "")
        yield batch[0], f"enum values {_ENUM_KINDS[kind]}: {shown}"


def render_json(
    changes: Sequence[Change],
    old_version: str,
    new_version: str,
    *,
    old_repairs: Sequence[Repair] = (),
    new_repairs: Sequence[Repair] = (),
) -> str:
    document: dict[str, Any] = {
        "old_version": old_version,
        "new_version": new_version,
        "repairs": {
            "old": [asdict(repair) for repair in old_repairs],
            "new": [asdict(repair) for repair in new_repairs],
        },
        "summary": summarize(changes),
        "changes": [{**asdict(change), "verdict": change.verdict} for change in changes],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
