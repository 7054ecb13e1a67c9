"""What a batch answers for each request: its body or its typed error, as a JSON line."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import httpx

from venice_ext.errors import APIConnectionError, APIStatusError, VeniceError

__all__ = ["BatchResult"]


@dataclass(frozen=True)
class BatchResult:
    """`body` is the answer's JSON (or `{"base64": ...}` for a binary answer) when `error` is None."""

    custom_id: str
    index: int
    status_code: int | None = None
    request_id: str | None = None
    body: Any = None
    error: VeniceError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def of_response(cls, custom_id: str, index: int, response: httpx.Response, request_id: str | None) -> BatchResult:
        if "json" in response.headers.get("content-type", ""):
            body: Any = response.json()
        else:
            body = {
                "content_type": response.headers.get("content-type"),
                "base64": base64.b64encode(response.content).decode(),
            }
        return cls(custom_id, index, response.status_code, request_id, body)

    def to_json(self) -> dict[str, Any]:
        """OpenAI's batch output line: `response` or `error`, never both."""
        if self.error is None:
            response = {"status_code": self.status_code, "request_id": self.request_id, "body": self.body}
            return {"custom_id": self.custom_id, "index": self.index, "response": response, "error": None}
        error: dict[str, Any] = {"type": type(self.error).__name__, "message": str(self.error)}
        if isinstance(self.error, APIStatusError):
            error.update(status_code=self.error.status_code, code=self.error.code, request_id=self.error.request_id)
        if isinstance(self.error, APIConnectionError):
            error["may_have_been_processed"] = self.error.may_have_been_processed
        return {"custom_id": self.custom_id, "index": self.index, "response": None, "error": error}

    def to_line(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":")).encode() + b"\n"
