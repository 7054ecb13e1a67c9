"""Comparing two versions of one schema, down through everything a client sees.

`compare_schemas` walks an old and a new schema side by side (properties, array items,
`additionalProperties`, alternatives) and reports what changed through `Context.report`,
which attaches the verdict from `_rules`. Children that exist on one side only are
reported once, as added or removed, and not walked: their insides are not a change.

Alternatives (`anyOf`/`oneOf`) are matched, not compared by position, so reordering them
is no change: members pair up by their signature (type, title, required set, properties
pinned to one value such as `type: text`), then by the pinned values alone, then by title,
then by type, then by pinned values one side extends; these last three only when they pair
members one to one and never across a property pinned to different values. Whatever stays
unpaired was added or removed. A schema without alternatives facing one with them counts
as a single alternative, so `string` becoming `string | array` reports one added member,
not a retyped field.

Renames are a heuristic: at one place, a field removed and a field added with the same
schema (documentation aside) and the same required-ness are reported as one rename, but
only when that schema pairs them up one to one, and, for a bare scalar schema, only when
the names look alike (`X-Sign-In-With-X` -> `SIGN-IN-WITH-X`). Two removed `string`
fields facing one added `string` field, or `version: number` replaced by
`maxTimeoutSeconds: number`, stay plain removals and additions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, NamedTuple, TypeVar

from venice_spec.diff._change import Change, Side
from venice_spec.diff._rules import judge
from venice_spec.diff._schema import (
    REFS,
    Resolver,
    fingerprint,
    normalize,
    type_name,
    variant_label,
    variant_signature,
)

__all__ = ["Context", "Place", "compare_schemas", "is_distinctive", "names_alike", "pair_renames"]

# Formats the generator turns into their own Python types (datetime, date, File, UUID):
# changing one of these changes the generated type; any other format is only a hint.
_TYPED_FORMATS = frozenset({"date", "date-time", "binary", "uuid"})

# A last resort against pathological nesting the cycle guard cannot see (a schema
# recursing through an allOf member it merges into itself).
_MAX_DEPTH = 48

# How alike two names must be (difflib ratio, case and punctuation aside) for a rename.
_ALIKE = 0.6

K = TypeVar("K")
_CycleKey = tuple[tuple[str, ...], tuple[str, ...]]


class Place(NamedTuple):
    """Where in an operation: a prefix ("request body application/json") and a field path."""

    prefix: str
    path: tuple[str, ...] = ()

    def child(self, name: str) -> Place:
        return Place(self.prefix, (*self.path, name))

    def suffixed(self, suffix: str) -> Place:
        """`[]` for array items, `{*}` for map values, `<label>` for an alternative."""
        if not self.path:
            return Place(self.prefix, (suffix,))
        return Place(self.prefix, (*self.path[:-1], self.path[-1] + suffix))

    def __str__(self) -> str:
        return f"{self.prefix}: {'.'.join(self.path)}" if self.path else self.prefix


@dataclass
class Context:
    """One operation's comparison: both specs' resolvers and the changes found so far."""

    old: Resolver
    new: Resolver
    operation: str = ""
    changes: list[Change] = field(default_factory=list)

    def report(self, kind: str, side: Side, place: Place | str, detail: str) -> None:
        rule = judge(kind, side)
        self.changes.append(
            Change(
                kind=kind,
                operation=self.operation,
                location=str(place),
                detail=detail,
                breaking=rule.verdict == "breaking",
                reason=rule.reason,
                notable=rule.verdict == "notable",
            )
        )


def compare_schemas(
    ctx: Context, old_raw: Any, new_raw: Any, place: Place, side: Side, active: frozenset[_CycleKey] = frozenset()
) -> None:
    old, new = normalize(old_raw, ctx.old), normalize(new_raw, ctx.new)
    key: _CycleKey = (tuple(old.get(REFS, ())), tuple(new.get(REFS, ())))
    if key != ((), ()):
        if key in active:
            return  # a recursive schema met again on this path: everything below was compared above
        active = active | {key}
    if len(place.path) > _MAX_DEPTH:
        return
    _compare_flags(ctx, old, new, place, side)
    if "anyOf" in old or "anyOf" in new:
        _compare_alternatives(ctx, old, new, place, side, active)
        return
    if not _compare_types(ctx, old, new, place, side):
        return  # a different type: what lies below is not comparable
    _compare_enums(ctx, old, new, place, side)
    _compare_properties(ctx, old, new, place, side, active)
    if "items" in old and "items" in new:
        compare_schemas(ctx, old["items"], new["items"], place.suffixed("[]"), side, active)
    if isinstance(old.get("additionalProperties"), Mapping) and isinstance(new.get("additionalProperties"), Mapping):
        old_values, new_values = old["additionalProperties"], new["additionalProperties"]
        compare_schemas(ctx, old_values, new_values, place.suffixed("{*}"), side, active)


def _compare_flags(ctx: Context, old: Mapping[str, Any], new: Mapping[str, Any], place: Place, side: Side) -> None:
    if old.get("nullable") is True and new.get("nullable") is not True:
        ctx.report("became-non-nullable", side, place, "no longer nullable")
    elif new.get("nullable") is True and old.get("nullable") is not True:
        ctx.report("became-nullable", side, place, "now nullable")
    if new.get("deprecated") is True and old.get("deprecated") is not True:
        ctx.report("deprecated", side, place, "now deprecated")


def _compare_types(ctx: Context, old: Mapping[str, Any], new: Mapping[str, Any], place: Place, side: Side) -> bool:
    old_type, new_type = old.get("type"), new.get("type")
    change = f"type {type_name(old, ctx.old)} -> {type_name(new, ctx.new)}"
    if old_type != new_type:
        if new_type is None or (old_type, new_type) == ("integer", "number"):
            ctx.report("type-widened", side, place, change)
        elif old_type is None or (old_type, new_type) == ("number", "integer"):
            ctx.report("type-narrowed", side, place, change)
        else:
            ctx.report("type-changed", side, place, change)
        return False
    old_format, new_format = old.get("format"), new.get("format")
    if old_format != new_format:
        typed = old_format in _TYPED_FORMATS or new_format in _TYPED_FORMATS
        ctx.report("type-changed" if typed else "format-changed", side, place, change)
    return True


def _compare_enums(ctx: Context, old: Mapping[str, Any], new: Mapping[str, Any], place: Place, side: Side) -> None:
    old_values, new_values = old.get("enum"), new.get("enum")
    if not isinstance(old_values, list) and not isinstance(new_values, list):
        return
    if not isinstance(old_values, list):
        ctx.report("enum-constraint-added", side, place, f"now limited to {_show_values(new_values)}")
        return
    if not isinstance(new_values, list):
        ctx.report("enum-constraint-removed", side, place, f"no longer limited to {_show_values(old_values)}")
        return
    old_keys, new_keys = {_value_key(v) for v in old_values}, {_value_key(v) for v in new_values}
    for value in old_values:
        if _value_key(value) not in new_keys:
            ctx.report("enum-value-removed", side, place, f"enum value {_value_key(value)} removed")
    for value in new_values:
        if _value_key(value) not in old_keys:
            ctx.report("enum-value-added", side, place, f"enum value {_value_key(value)} added")


def _value_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


def _show_values(values: Any) -> str:
    shown = [_value_key(value) for value in values] if isinstance(values, list) else []
    return "[" + ", ".join(shown[:8]) + (f", ... {len(shown)} values]" if len(shown) > 8 else "]")


def _compare_properties(
    ctx: Context, old: Mapping[str, Any], new: Mapping[str, Any], place: Place, side: Side, active: frozenset[_CycleKey]
) -> None:
    old_props, new_props = _properties(old), _properties(new)
    if not old_props and not new_props:
        return
    old_required, new_required = _names(old.get("required")), _names(new.get("required"))
    for name in new_props:
        if name not in old_props:
            continue
        child = place.child(str(name))
        if (name in old_required) != (name in new_required):
            now = name in new_required
            ctx.report("became-required" if now else "became-optional", side, child, "now " + _required(now))
        compare_schemas(ctx, old_props[name], new_props[name], child, side, active)
    removed = [str(name) for name in old_props if name not in new_props]
    added = [str(name) for name in new_props if name not in old_props]
    renamed = pair_renames(
        removed,
        added,
        lambda name: fingerprint(old_props[name], ctx.old) + str(name in old_required),
        lambda name: fingerprint(new_props[name], ctx.new) + str(name in new_required),
        lambda old_name, new_name: (
            names_alike(old_name, new_name) or is_distinctive(normalize(old_props[old_name], ctx.old))
        ),
    )
    for old_name, new_name in renamed:
        ctx.report("field-renamed", side, place.child(new_name), f"renamed from {old_name!r} (same schema)")
    renamed_old, renamed_new = {pair[0] for pair in renamed}, {pair[1] for pair in renamed}
    for name in removed:
        if name not in renamed_old:
            was = type_name(normalize(old_props[name], ctx.old), ctx.old)
            ctx.report(
                "field-removed",
                side,
                place.child(name),
                f"field removed (was {was}, {_required(name in old_required)})",
            )
    for name in added:
        if name not in renamed_new:
            kind = "required-field-added" if name in new_required else "field-added"
            what = type_name(normalize(new_props[name], ctx.new), ctx.new)
            ctx.report(kind, side, place.child(name), f"field added ({what}, {_required(name in new_required)})")


def _properties(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    properties = schema.get("properties")
    return properties if isinstance(properties, Mapping) else {}


def _names(required: Any) -> set[str]:
    """A `required` list as names; `required: true` (a common spec mistake) names nothing."""
    return {str(name) for name in required} if isinstance(required, list) else set()


def _required(required: bool) -> str:
    return "required" if required else "optional"


def pair_renames(
    removed: list[K],
    added: list[K],
    old_key: Callable[[K], str],
    new_key: Callable[[K], str],
    plausible: Callable[[K, K], bool],
) -> list[tuple[K, K]]:
    """(old, new) for a removal and an addition that look like one rename.

    Their keys (schema fingerprint and required-ness) must match one to one, and the pair
    must be `plausible`: names alike, or a schema more distinctive than a bare scalar, so
    that two unrelated `number` fields swapped in one release are not called a rename.
    """
    if not removed or not added:
        return []
    old_groups: dict[str, list[K]] = {}
    new_groups: dict[str, list[K]] = {}
    for item in removed:
        old_groups.setdefault(old_key(item), []).append(item)
    for item in added:
        new_groups.setdefault(new_key(item), []).append(item)
    pairs = []
    for key, items in old_groups.items():
        if len(items) == 1 and len(new_groups.get(key, ())) == 1 and plausible(items[0], new_groups[key][0]):
            pairs.append((items[0], new_groups[key][0]))
    return pairs


def names_alike(old_name: str, new_name: str) -> bool:
    """`X-Sign-In-With-X` and `SIGN-IN-WITH-X`, `user_id` and `userId`: names that say the same."""
    old, new = (re.sub(r"[^a-z0-9]", "", name.lower()) for name in (old_name, new_name))
    return old in new or new in old or SequenceMatcher(None, old, new).ratio() >= _ALIKE


def is_distinctive(schema: Mapping[str, Any]) -> bool:
    """More than a bare scalar: structure or a list of values a rename is unlikely to repeat by chance."""
    return any(key in schema for key in ("properties", "items", "enum", "anyOf")) or isinstance(
        schema.get("additionalProperties"), Mapping
    )


def _compare_alternatives(
    ctx: Context, old: Mapping[str, Any], new: Mapping[str, Any], place: Place, side: Side, active: frozenset[_CycleKey]
) -> None:
    old_members, new_members = _members(old), _members(new)
    old_labels, new_labels = _labels(old_members, ctx.old), _labels(new_members, ctx.new)
    pairs = _match(old_members, new_members, ctx)
    matched_old, matched_new = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, member in enumerate(old_members):
        if i not in matched_old:
            what = _alternative(old_labels[i], type_name(member, ctx.old))
            ctx.report("variant-removed", side, place, f"alternative {what} removed")
    for j, member in enumerate(new_members):
        if j not in matched_new:
            what = _alternative(new_labels[j], type_name(member, ctx.new))
            ctx.report("variant-added", side, place, f"alternative {what} added")
    for i, j in pairs:
        member_place = place.suffixed(f"<{new_labels[j]}>")
        compare_schemas(ctx, old_members[i], new_members[j], member_place, side, active)


def _alternative(label: str, kind: str) -> str:
    return f"<{label}>" if label.split("#")[0] == kind else f"<{label}> ({kind})"


def _members(schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    if isinstance(schema.get("anyOf"), list):
        return [dict(member) for member in schema["anyOf"] if isinstance(member, Mapping)]
    # One schema facing alternatives is a single alternative; its nullability and refs
    # were handled one level up, where it was met.
    return [{key: value for key, value in schema.items() if key not in ("nullable", "deprecated", REFS)}]


def _labels(members: list[dict[str, Any]], resolver: Resolver) -> list[str]:
    labels = [variant_label(member, resolver) for member in members]
    return [f"{label}#{i + 1}" if labels.count(label) > 1 else label for i, label in enumerate(labels)]


def _match(old_members: list[dict[str, Any]], new_members: list[dict[str, Any]], ctx: Context) -> list[tuple[int, int]]:
    old_sigs = [variant_signature(member, ctx.old) for member in old_members]
    new_sigs = [variant_signature(member, ctx.new) for member in new_members]
    # From most to least specific; the looser keys only pair members one to one.
    keys: list[tuple[Callable[[tuple[Any, ...]], Any], bool]] = [
        (lambda sig: sig, False),
        (lambda sig: sig[3] or None, False),
        (lambda sig: sig[1], True),
        (lambda sig: sig[0], True),
    ]
    pairs: list[tuple[int, int]] = []
    used_old: set[int] = set()
    used_new: set[int] = set()
    for key_of, unique_only in keys:
        old_groups: dict[Any, list[int]] = {}
        new_groups: dict[Any, list[int]] = {}
        for i, sig in enumerate(old_sigs):
            if i not in used_old and key_of(sig) is not None:
                old_groups.setdefault(key_of(sig), []).append(i)
        for j, sig in enumerate(new_sigs):
            if j not in used_new and key_of(sig) is not None:
                new_groups.setdefault(key_of(sig), []).append(j)
        for key, old_indexes in old_groups.items():
            new_indexes = new_groups.get(key, [])
            if unique_only and (len(old_indexes) != 1 or len(new_indexes) != 1):
                continue
            if unique_only and _clash(old_sigs[old_indexes[0]][3], new_sigs[new_indexes[0]][3]):
                continue  # `type=image_url` is not `type=input_audio`, however alike otherwise
            for i, j in zip(old_indexes, new_indexes, strict=False):
                pairs.append((i, j))
                used_old.add(i)
                used_new.add(j)
    # Last, pinned values that grew or shrank (`code=X` became `code=X, reason=Y`), one to one.
    candidates = {
        i: [j for j, new_sig in enumerate(new_sigs) if j not in used_new and _overlap(old_sig[3], new_sig[3])]
        for i, old_sig in enumerate(old_sigs)
        if i not in used_old
    }
    for i, news in candidates.items():
        if len(news) == 1 and sum(news[0] in others for others in candidates.values()) == 1:
            pairs.append((i, news[0]))
    return sorted(pairs, key=lambda pair: pair[1])


def _clash(old_pinned: tuple[tuple[str, str], ...], new_pinned: tuple[tuple[str, str], ...]) -> bool:
    """Both pin one property, to different values."""
    new_values = dict(new_pinned)
    return any(name in new_values and new_values[name] != value for name, value in old_pinned)


def _overlap(old_pinned: tuple[tuple[str, str], ...], new_pinned: tuple[tuple[str, str], ...]) -> bool:
    old_set, new_set = set(old_pinned), set(new_pinned)
    return bool(old_set and new_set) and (old_set <= new_set or new_set <= old_set)
