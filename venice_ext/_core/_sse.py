"""A pure, incremental Server-Sent Events decoder: bytes in, events out, no I/O.

It follows the WHATWG event-stream rules: lines end in CRLF, LF or CR (a CR at
the end of one read may be the first half of a CRLF that ends in the next);
`data` lines accumulate, joined by LF; `event`, `id` (ignored when it contains
NUL) and `retry` (digits only) fields; lines starting with `:` are comments; a
blank line dispatches the event, unless no data arrived; a leading BOM is
dropped. Lines are split on bytes and decoded whole, so a UTF-8 character split
across reads is never cut. Any split of a byte stream into reads yields the same
events (a hypothesis property in the tests says so).

Speed matters: this runs once per network read of every stream. When no event
is half-built, a read is split where a block ends and a `data: ` line starts
(LF LF `data: `), and each piece without a LF is one plain event's data, taken
without looking at its lines; anything else (the head before the first split,
pieces holding other lines, the unfinished tail) goes through the general line
decoder, so both paths give the same events on any input and any split into reads
(hypothesis properties say so). `feed_payloads()` hands a plain event over as its
data's bytes, for a consumer that parses the bytes itself (the chat stream).
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["SSEDecoder", "ServerSentEvent"]


class ServerSentEvent(NamedTuple):
    # A NamedTuple, not a frozen dataclass: one is made per streamed token, and a
    # frozen dataclass's __init__ sets each field through object.__setattr__.
    data: str
    event: str = "message"
    id: str = ""
    retry: int | None = None


_new = tuple.__new__


class SSEDecoder:
    """Feed bytes with `feed()`, which returns the events they complete; `flush()` at the end."""

    __slots__ = ("_buffer", "_data", "_event", "_fast", "_last_id", "_pending_cr", "_retry", "_started")

    def __init__(self, *, fast_path: bool = True) -> None:
        # fast_path=False keeps to the general decoder: the tests compare the two.
        self._fast = fast_path
        self._buffer = b""
        self._pending_cr = False
        self._started = False
        self._data: list[str] = []
        self._event = ""
        self._last_id = ""
        self._retry: int | None = None

    @property
    def last_event_id(self) -> str:
        return self._last_id

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        return self._feed(chunk, False)

    def feed_payloads(self, chunk: bytes) -> list[ServerSentEvent | bytes]:
        """Like feed(), but a plain event (one `data: ` line, no other field) comes out as
        its data's bytes, undecoded: the chat stream types those bytes at once. Its `id`
        and `retry` are `last_event_id` and the last retry seen, as for any event."""
        return self._feed(chunk, True)

    def _feed(self, chunk: bytes, as_bytes: bool) -> list[Any]:
        if not chunk:
            return []
        if self._pending_cr:
            # The previous read ended in CR: a LF now is the rest of that CRLF.
            self._pending_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not self._started:
            chunk = self._buffer + chunk
            self._buffer = b""
            if len(chunk) < 3 and b"\xef\xbb\xbf".startswith(chunk):
                self._buffer = chunk
                return []
            self._started = True
            if chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
        elif self._buffer:
            chunk = self._buffer + chunk
            self._buffer = b""
        events: list[Any] = []
        if b"\r" in chunk:
            lines = self._split_with_cr(chunk)
        elif self._fast and not self._data and not self._event:
            self._feed_plain(chunk, events, as_bytes)
            return events
        else:
            lines = chunk.split(b"\n")
            self._buffer = lines.pop()
        self._lines(lines, events)
        return events

    def _feed_plain(self, chunk: bytes, events: list[Any], as_bytes: bool) -> None:
        # The read starts at a line start with no event half-built. Split where one block
        # ends and a `data: ` line starts: a piece without LF is then one plain event's
        # data; anything else (the head before the first split, pieces holding other lines,
        # the unfinished tail) goes through the line decoder, which leaves no event
        # half-built at a split point (the LF LF before it is a blank line).
        pieces = chunk.split(b"\n\ndata: ")
        tail = pieces.pop()
        append = events.append
        if pieces:
            head = pieces[0]
            if head[:6] == b"data: " and b"\n" not in head:
                append(head[6:] if as_bytes else self._event_of(head[6:]))
            else:
                self._lines([*head.split(b"\n"), b""], events)
            for index in range(1, len(pieces)):
                piece = pieces[index]
                if b"\n" not in piece:
                    # tuple.__new__ skips the NamedTuple's Python-level __new__: half the cost.
                    append(
                        piece
                        if as_bytes
                        else _new(
                            ServerSentEvent, (piece.decode("utf-8", "replace"), "message", self._last_id, self._retry)
                        )
                    )
                else:
                    self._lines([*(b"data: " + piece).split(b"\n"), b""], events)
            tail = b"data: " + tail
        if tail[:6] == b"data: " and tail[-1:] == b"\n" and tail.find(b"\n") == len(tail) - 2:
            append(tail[6:-2] if as_bytes else self._event_of(tail[6:-2]))
            return
        lines = tail.split(b"\n")
        self._buffer = lines.pop()
        self._lines(lines, events)

    def _event_of(self, data: bytes) -> ServerSentEvent:
        return _new(ServerSentEvent, (data.decode("utf-8", "replace"), "message", self._last_id, self._retry))

    def _lines(self, lines: list[bytes], events: list[ServerSentEvent]) -> None:
        data = self._data
        for line in lines:
            if line[:6] == b"data: ":  # the common case, inlined
                data.append(line[6:].decode("utf-8", "replace"))
            elif line:
                self._field(line)
            elif data:
                events.append(self._dispatch())
                data = self._data
            else:
                self._reset_pending()
                data = self._data

    def _split_with_cr(self, chunk: bytes) -> list[bytes]:
        if chunk.endswith(b"\r"):
            self._pending_cr = True
            chunk = chunk[:-1]
            lines = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
            return lines  # the trailing CR ended the last line: nothing stays buffered
        lines = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        self._buffer = lines.pop()
        return lines

    def flush(self) -> list[ServerSentEvent]:
        """At end of stream: WHATWG drops an event that was never dispatched, so nothing comes out;
        the decoder is reset for reuse."""
        self._buffer = b""
        self._pending_cr = False
        self._reset_pending()
        return []

    def _field(self, line: bytes) -> None:
        if line[:1] == b":":
            return
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value.decode("utf-8", "replace"))
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id" and b"\x00" not in value:
            self._last_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            self._retry = int(value)

    def _dispatch(self) -> ServerSentEvent:
        data = self._data[0] if len(self._data) == 1 else "\n".join(self._data)
        event = ServerSentEvent(data, self._event or "message", self._last_id, self._retry)
        self._data = []
        self._event = ""
        return event

    def _reset_pending(self) -> None:
        self._data = []
        self._event = ""
