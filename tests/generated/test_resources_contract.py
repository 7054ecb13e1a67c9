"""The Requester contract, end to end: what a resource method hands over rebuilds the same request.

A minimal requester does what the contract says venice_ext does (build the model with
`BODY.from_dict`, multipart when a file is given, then `request_kwargs`); for a valid
request of every operation and body form, calling the resource method with that
request's fields must produce exactly the request the endpoint module builds itself.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from scripts.spec_io import load_spec_file
from tests.generated._resources import Case, Client, cases, resolve
from tests.support.valid_requests import ValidRequests, valid_request_kwargs
from venice_api.types import File

ROOT = Path(__file__).resolve().parents[2]
MULTIPART = "multipart/form-data"
REQUESTS = ValidRequests(load_spec_file(ROOT / "spec" / "swagger.yaml"))
ANSWER = object()


def _forms() -> list[tuple[Case, str | None]]:
    return [(case, media_type) for case in cases() for media_type in (list(case.module.BODIES) or [None])]


def _has_file(value: Any) -> bool:
    return isinstance(value, File) or (isinstance(value, list) and any(isinstance(item, File) for item in value))


def _for_from_dict(value: Any) -> Any:
    """A file as the generated multipart `from_dict` reads it: its bytes."""
    if isinstance(value, File):
        return value.payload.read()
    if isinstance(value, list):
        return [_for_from_dict(item) for item in value]
    return value


class Sender:
    def __init__(self) -> None:
        self.sent: dict[str, Any] | None = None

    def request(self, operation: ModuleType, /, *, params: Any, body: Any, options: Any) -> Any:
        kwargs = dict(params)
        if body is not None:
            multipart = MULTIPART in operation.BODIES and any(_has_file(value) for value in body.values())
            model = operation.BODIES[MULTIPART] if multipart else operation.BODY
            kwargs["body"] = model.from_dict({key: _for_from_dict(value) for key, value in body.items()})
        self.sent = operation.request_kwargs(**kwargs)
        return ANSWER


def _wire_fields(model: Any) -> dict[str, Any]:
    """A body model's fields under their JSON names, files as `File` again (to_dict gives tuples)."""
    fields = model.to_dict()
    for key, value in fields.items():
        if isinstance(value, tuple):
            fields[key] = File(payload=value[1], file_name=value[0], mime_type=value[2])
        elif isinstance(value, list) and value and all(isinstance(item, tuple) for item in value):
            fields[key] = [File(payload=item[1], file_name=item[0], mime_type=item[2]) for item in value]
    return fields


def _request(kwargs: dict[str, Any]) -> Any:
    """`request_kwargs` output to compare: a file's name and type are the requester's to set
    (the generated multipart `from_dict` takes bare bytes), so a part compares by content."""
    if "files" in kwargs:
        kwargs = {**kwargs, "files": [(name, part[1]) for name, part in kwargs["files"]]}
    return _comparable(kwargs)


def _comparable(value: Any) -> Any:
    if isinstance(value, io.IOBase):
        value.seek(0)
        return value.read()
    if isinstance(value, Mapping):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_comparable(item) for item in value]
    return value


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(("case", "media_type"), _forms(), ids=lambda value: getattr(value, "id", str(value)))
def test_the_method_rebuilds_the_request_the_module_builds(case: Case, media_type: str | None) -> None:
    direct = valid_request_kwargs(case.module, REQUESTS, media_type)
    expected = _request(case.module.request_kwargs(**valid_request_kwargs(case.module, REQUESTS, media_type)))
    by_key = {argument.key: argument.argument for argument in case.arguments if not argument.in_body}
    by_wire = {argument.key: argument.argument for argument in case.arguments if argument.in_body}
    arguments = {by_key[name]: value for name, value in direct.items() if name != "body"}
    if "body" in direct:
        fields = _wire_fields(direct["body"])
        if media_type == MULTIPART and not any(_has_file(value) for value in fields.values()):
            pytest.skip("a multipart request without a file: the requester sends it as JSON")
        arguments.update({by_wire[wire]: value for wire, value in fields.items()})
    sender = Sender()
    assert resolve(Client(sender), case.dotted)(**arguments) is case.returned(ANSWER)
    assert sender.sent is not None
    assert _request(sender.sent) == expected
