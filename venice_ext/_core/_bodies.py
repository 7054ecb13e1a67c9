"""Request bodies from what the caller gave: JSON names and values, files of any kind.

A generated operation may accept its body in several media types (`BODIES`); files
given as bytes, paths, binary file objects or `File`s choose the multipart form
where the operation has one, and are sent base64-encoded in the JSON form where it
does not. Every body is checked against the generated request model before anything
is sent (`build_body`).
"""

from __future__ import annotations

import base64
import inspect
from collections.abc import Mapping
from typing import Any

from venice_ext._core._files import Upload, upload_of
from venice_ext._core._requests import build_body
from venice_ext.errors import RequestValidationError

__all__ = ["operation_body", "split_call_arguments"]

MULTIPART = "multipart/form-data"
JSON = "application/json"

_PARAMETERS: dict[str, frozenset[str]] = {}


def _bodies(operation: Any) -> dict[str, Any]:
    bodies = getattr(operation, "BODIES", None)
    if isinstance(bodies, Mapping) and bodies:
        return dict(bodies)
    model = getattr(operation, "BODY", None)
    return {getattr(operation, "BODY_MEDIA_TYPE", None) or JSON: model} if model is not None else {}


def _name_files(model: Any, uploads: Mapping[str, Upload]) -> None:
    # from_dict wraps bytes in a nameless File; the multipart part should carry the real name.
    for key, upload in uploads.items():
        for attribute in (key, f"{key}_", f"field_{key}"):
            value = getattr(model, attribute, None)
            if value is not None and hasattr(value, "payload") and hasattr(value, "file_name"):
                value.file_name = upload.file_name or key
                value.mime_type = upload.mime_type
                break


def operation_body(operation: Any, fields: Mapping[str, Any], extra_body: Mapping[str, Any] | None) -> Any:
    """The generated request model for `fields` (JSON names); RequestValidationError if they don't fit."""
    name = str(getattr(operation, "OPERATION_ID", "request"))
    bodies = _bodies(operation)
    if not bodies:
        raise RequestValidationError(f"{name}: this operation takes no body")
    uploads = {key: upload for key, value in fields.items() if (upload := upload_of(value)) is not None}
    multipart = bodies.get(MULTIPART)
    if multipart is not None and (uploads or len(bodies) == 1):
        data = {**fields, **{key: upload.content for key, upload in uploads.items()}}
        model = build_body(multipart.from_dict, data, extra_body, name=name)
        _name_files(model, uploads)
        return model
    json_model = bodies.get(JSON) or next(iter(bodies.values()))
    encoded = {key: base64.b64encode(upload.content).decode("ascii") for key, upload in uploads.items()}
    return build_body(json_model.from_dict, {**fields, **encoded}, extra_body, name=name)


def _parameters(operation: Any) -> frozenset[str]:
    key = f"{getattr(operation, '__name__', '')}:{getattr(operation, 'OPERATION_ID', id(operation))}"
    names = _PARAMETERS.get(key)
    if names is None:
        names = frozenset(inspect.signature(operation.request_kwargs).parameters) - {"body"}
        _PARAMETERS[key] = names
    return names


def split_call_arguments(operation: Any, kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`client.call`'s keyword arguments, split into the operation's parameters and body fields."""
    if not kwargs:
        return {}, {}  # hand-written resources pass only body=, which the caller took already
    parameters = _parameters(operation)
    params = {key: value for key, value in kwargs.items() if key in parameters}
    fields = {key: value for key, value in kwargs.items() if key not in parameters}
    return params, fields
