"""What the fake server can be told to do for one request: answers and faults.

Plain immutable values, so a test reads as a script:

    fake.script("POST", "/chat/completions",
                Reply(429, json={"error": "slow down"}, headers={"Retry-After": "1"}),
                Reply(json=completion))
"""

from __future__ import annotations

import json as _json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SSE", "Action", "DropAfter", "RecordedRequest", "Reply", "Reset", "Respond", "Stall"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake server saw it (path relative to /api/v1, or whole for paths outside it)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    connection: int
    received_at: float
    action: str

    def json(self) -> Any:
        return _json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """An HTTP answer. `json` wins over `body`; `chunks` sends the body in pieces.

    `body_from(offset)` makes a body as it is sent, from `offset` on, so a test can serve
    hundreds of megabytes without holding them; with `body_size` it goes out with a
    Content-Length, else chunked. `honour_range` answers a `Range: bytes=N-` request
    with 206 and the rest of the body from byte N (416 past the end).
    """

    status: int = 200
    json: Any = None
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None
    chunks: Sequence[bytes] | None = None
    chunk_delay: float = 0.0
    body_from: Callable[[int], Iterable[bytes]] | None = None
    body_size: int | None = None
    honour_range: bool = False

    def payload(self) -> bytes:
        """The whole body, in memory (a `body_from` body is made in full)."""
        if self.json is not None:
            return _json.dumps(self.json).encode()
        if self.body_from is not None:
            return b"".join(self.body_from(0))
        if self.chunks is not None:
            return b"".join(self.chunks)
        return self.body.encode() if isinstance(self.body, str) else self.body

    def media_type(self) -> str:
        if self.content_type:
            return self.content_type
        if self.json is not None:
            return "application/json"
        return "text/plain; charset=utf-8" if isinstance(self.body, str) else "application/octet-stream"


@dataclass(frozen=True)
class SSE:
    """A `text/event-stream` answer.

    Each event is a dict (sent as `data: <json>`), a str (sent verbatim, so tests can
    write comments, `event:`/`id:` fields or odd line endings), bytes (verbatim), or
    a function returning one of those, called at the moment it is sent (to stamp a
    time, say). `done` appends `data: [DONE]`. `delay` pauses before each event
    after the first; `delays`, if given, is the pause before each event instead.
    """

    events: Sequence[Event | Callable[[], Event]]
    done: bool = True
    delay: float = 0.0
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    delays: Sequence[float] | None = None

    def frames(self) -> Iterator[bytes]:
        """The encoded events, each made when asked for."""
        for event in self.events:
            yield _frame(event() if callable(event) else event)
        if self.done:
            yield b"data: [DONE]\n\n"

    def pause_before(self, index: int) -> float:
        if self.delays is not None:
            return self.delays[index] if index < len(self.delays) else 0.0
        return self.delay if index else 0.0


Event = Mapping[str, Any] | str | bytes


def _frame(event: Event) -> bytes:
    if isinstance(event, bytes):
        return event
    if isinstance(event, str):
        return event.encode()
    return b"data: " + _json.dumps(event).encode() + b"\n\n"


@dataclass(frozen=True)
class Reset:
    """Abort the connection with a TCP reset and no answer.

    `read_body=False` resets right after the request line and headers, before the
    body is read; `read_body=True` reads the whole request first (the server has
    seen it: an ambiguous failure for the client).
    """

    read_body: bool = True


@dataclass(frozen=True)
class DropAfter:
    """Send the status line and headers of `reply` and the first `nbytes` of its body
    (as it goes on the wire: chunk framing included when streamed), then reset."""

    nbytes: int
    reply: Reply | SSE


@dataclass(frozen=True)
class Stall:
    """Wait `seconds` before answering with `reply` (or, with no reply, before closing)."""

    seconds: float
    reply: Reply | SSE | None = None


@dataclass(frozen=True)
class Respond:
    """An answer computed from the request (after its body is read): `make(request) -> Action`."""

    make: Callable[[RecordedRequest], Action]


Action = Reply | SSE | Reset | DropAfter | Stall | Respond
