"""From two whole specs to changes: operations, their parameters, bodies and responses.

Operations are matched by method and path template with the parameter names blanked
(`/api_keys/{id}` and `/api_keys/{keyId}` are one operation), so renaming a path
parameter reports a renamed parameter rather than an operation removed and one added.
Each operation is compared on its own, with every `$ref` resolved, so a change to a
shared component is reported at every operation that uses it: the user of one operation
learns what changes for that operation without knowing how the spec is factored.

Not compared (no client code depends on them): descriptions, examples, defaults,
validation bounds (`minimum`, `maxLength`, `pattern`...), response headers, security
requirements, servers and tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from venice_spec.diff._change import Change, Side
from venice_spec.diff._compare import Context, Place, compare_schemas, is_distinctive, names_alike, pair_renames
from venice_spec.diff._schema import Resolver, fingerprint, is_success, normalize

__all__ = ["diff_specs"]

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_Operation = tuple[str, str, Mapping[str, Any], Mapping[str, Any]]  # path, method, operation, path item


def diff_specs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every change from `old` to `new`, operation by operation (by path, then method)."""
    old_resolver, new_resolver = Resolver(old), Resolver(new)
    old_ops, new_ops = _operations(old, old_resolver), _operations(new, new_resolver)
    changes: list[Change] = []
    for key in sorted(old_ops.keys() | new_ops.keys(), key=_operation_order(old_ops, new_ops)):
        ctx = Context(old_resolver, new_resolver)
        if key not in old_ops:
            path, method, operation, _ = new_ops[key]
            ctx.operation = f"{method.upper()} {path}"
            summary = operation.get("operationId") or operation.get("summary") or ""
            ctx.report("operation-added", "operation", "", f"operation added{_quoted(summary)}")
        elif key not in new_ops:
            path, method, operation, _ = old_ops[key]
            ctx.operation = f"{method.upper()} {path}"
            summary = operation.get("operationId") or operation.get("summary") or ""
            ctx.report("operation-removed", "operation", "", f"operation removed{_quoted(summary)}")
        else:
            ctx.operation = f"{new_ops[key][1].upper()} {new_ops[key][0]}"
            _compare_operation(ctx, old_ops[key], new_ops[key])
        changes.extend(ctx.changes)
    return changes


def _quoted(summary: object) -> str:
    return f": {summary}" if isinstance(summary, str) and summary else ""


def _operations(spec: Mapping[str, Any], resolver: Resolver) -> dict[tuple[str, str], _Operation]:
    found: dict[tuple[str, str], _Operation] = {}
    paths = spec.get("paths")
    for path, raw_item in paths.items() if isinstance(paths, Mapping) else ():
        item, _ = resolver.resolve(raw_item)
        if not isinstance(item, Mapping):
            continue
        for method in _METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping):
                template = re.sub(r"\{[^}]*\}", "{}", str(path))
                found[template, method] = (str(path), method, operation, item)
    return found


def _operation_order(
    old_ops: Mapping[tuple[str, str], _Operation], new_ops: Mapping[tuple[str, str], _Operation]
) -> Any:
    def order(key: tuple[str, str]) -> tuple[str, int]:
        path = (new_ops.get(key) or old_ops[key])[0]
        return path, _METHODS.index(key[1])

    return order


def _compare_operation(ctx: Context, old: _Operation, new: _Operation) -> None:
    _, _, old_op, old_item = old
    _, _, new_op, new_item = new
    if new_op.get("deprecated") is True and old_op.get("deprecated") is not True:
        ctx.report("deprecated", "operation", "", "operation deprecated")
    _compare_parameters(ctx, _parameters(old_item, old_op, ctx.old), _parameters(new_item, new_op, ctx.new))
    _compare_request_body(ctx, old_op.get("requestBody"), new_op.get("requestBody"))
    _compare_responses(ctx, old_op.get("responses"), new_op.get("responses"))


# -- parameters --------------------------------------------------------------------------


def _parameters(item: Mapping[str, Any], operation: Mapping[str, Any], resolver: Resolver) -> dict[Any, Any]:
    """(in, name) -> parameter; the operation's override the path item's; header names case-blind."""
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for raw in [*_as_list(item.get("parameters")), *_as_list(operation.get("parameters"))]:
        parameter, _ = resolver.resolve(raw)
        if isinstance(parameter, Mapping) and isinstance(parameter.get("name"), str):
            where = str(parameter.get("in"))
            name = parameter["name"].lower() if where == "header" else parameter["name"]
            found[where, name] = parameter
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _parameter_schema(parameter: Mapping[str, Any]) -> Any:
    if "schema" in parameter:
        return parameter["schema"]
    content = parameter.get("content")
    media = next(iter(content.values()), None) if isinstance(content, Mapping) and content else None
    return media.get("schema", {}) if isinstance(media, Mapping) else {}


def _is_required(parameter: Mapping[str, Any]) -> bool:
    return parameter.get("required") is True or parameter.get("in") == "path"


def _compare_parameters(ctx: Context, old: dict[Any, Any], new: dict[Any, Any]) -> None:
    def place(parameter: Mapping[str, Any]) -> Place:
        return Place(f"{parameter.get('in')} parameter", (str(parameter["name"]),))

    for key, parameter in new.items():
        if key not in old:
            continue
        before = old[key]
        if _is_required(before) != _is_required(parameter):
            now = _is_required(parameter)
            kind, detail = ("became-required", "now required") if now else ("became-optional", "now optional")
            ctx.report(kind, "request", place(parameter), detail)
        if parameter.get("deprecated") is True and before.get("deprecated") is not True:
            ctx.report("deprecated", "request", place(parameter), "now deprecated")
        compare_schemas(ctx, _parameter_schema(before), _parameter_schema(parameter), place(parameter), "request")
    removed = [key for key in old if key not in new]
    added = [key for key in new if key not in old]

    def identity(parameters: dict[Any, Any], resolver: Resolver) -> Any:
        def key_of(key: Any) -> str:
            parameter = parameters[key]
            shape = fingerprint(_parameter_schema(parameter), resolver)
            return f"{parameter.get('in')} {_is_required(parameter)} {shape}"

        return key_of

    def plausible(old_key: Any, new_key: Any) -> bool:
        if names_alike(str(old[old_key]["name"]), str(new[new_key]["name"])):
            return True
        return is_distinctive(normalize(_parameter_schema(old[old_key]), ctx.old))

    renamed = pair_renames(removed, added, identity(old, ctx.old), identity(new, ctx.new), plausible)
    for old_key, new_key in renamed:
        detail = f"renamed from {old[old_key]['name']!r} (same schema)"
        ctx.report("parameter-renamed", "request", place(new[new_key]), detail)
    for key in removed:
        if key not in {pair[0] for pair in renamed}:
            ctx.report("parameter-removed", "request", place(old[key]), "parameter removed")
    for key in added:
        if key not in {pair[1] for pair in renamed}:
            required = _is_required(new[key])
            kind = "required-parameter-added" if required else "parameter-added"
            ctx.report(kind, "request", place(new[key]), f"{'required' if required else 'optional'} parameter added")


# -- bodies and responses ----------------------------------------------------------------


def _compare_request_body(ctx: Context, old_raw: Any, new_raw: Any) -> None:
    old, _ = ctx.old.resolve(old_raw)
    new, _ = ctx.new.resolve(new_raw)
    here = Place("request body")
    if not isinstance(old, Mapping) and not isinstance(new, Mapping):
        return
    if not isinstance(old, Mapping):
        required = new.get("required") is True
        kind = "required-request-body-added" if required else "request-body-added"
        ctx.report(kind, "request", here, f"{'required' if required else 'optional'} request body added")
        return
    if not isinstance(new, Mapping):
        ctx.report("request-body-removed", "request", here, "request body removed")
        return
    if (old.get("required") is True) != (new.get("required") is True):
        now = new.get("required") is True
        kind, detail = ("became-required", "now required") if now else ("became-optional", "now optional")
        ctx.report(kind, "request", here, detail)
    _compare_content(ctx, old.get("content"), new.get("content"), "request body", "request")


def _compare_responses(ctx: Context, old_raw: Any, new_raw: Any) -> None:
    old = dict(_responses(old_raw, ctx.old))
    new = dict(_responses(new_raw, ctx.new))
    for status, response in new.items():
        if status in old:
            old_content, new_content = old[status].get("content"), response.get("content")
            _compare_content(ctx, old_content, new_content, f"response {status}", "response")
        else:
            kind = "success-response-added" if is_success(status) else "response-added"
            ctx.report(kind, "response", f"response {status}", f"status {status} added")
    for status in old:
        if status not in new:
            kind = "success-response-removed" if is_success(status) else "response-removed"
            ctx.report(kind, "response", f"response {status}", f"status {status} removed")


def _responses(raw: Any, resolver: Resolver) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for status, raw_response in raw.items() if isinstance(raw, Mapping) else ():
        response, _ = resolver.resolve(raw_response)
        yield str(status), response if isinstance(response, Mapping) else {}


def _compare_content(ctx: Context, old_raw: Any, new_raw: Any, prefix: str, side: Side) -> None:
    """Media types added, removed, and the schema of each one both versions have."""
    old = {str(k).lower(): v for k, v in old_raw.items()} if isinstance(old_raw, Mapping) else {}
    new = {str(k).lower(): v for k, v in new_raw.items()} if isinstance(new_raw, Mapping) else {}
    for media_type, media in new.items():
        if media_type not in old:
            ctx.report("content-type-added", side, prefix, f"media type {media_type} added")
            continue
        old_schema = old[media_type].get("schema", {}) if isinstance(old[media_type], Mapping) else {}
        new_schema = media.get("schema", {}) if isinstance(media, Mapping) else {}
        compare_schemas(ctx, old_schema, new_schema, Place(f"{prefix} {media_type}"), side)
    for media_type in old:
        if media_type not in new:
            ctx.report("content-type-removed", side, prefix, f"media type {media_type} removed")
