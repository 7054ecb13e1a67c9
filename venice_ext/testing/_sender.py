"""Writing an answer to the socket: whole, chunked, paced SSE, generated as sent, cut short, or stalled.

Every answer carries the server's base headers (request id, balances, anything a test
added), then its own. Pauses wait on the server's stop event, so stopping the server
never waits for a slow stream to finish.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

from venice_ext.testing._replies import SSE, DropAfter, Reply, Reset, Stall
from venice_ext.testing._wire import chunk, head, reset

__all__ = ["ReplySender"]


class ReplySender:
    def __init__(self, base_headers: Callable[[], dict[str, str]], stopping: threading.Event) -> None:
        self._base_headers = base_headers
        self._stopping = stopping

    def perform(self, sock: socket.socket, action: Reply | SSE | Reset | DropAfter | Stall) -> bool:
        """Send `action`; False when the connection must end (reset, cut short, or the server stopping)."""
        if isinstance(action, Reset):
            reset(sock)
            return False
        if isinstance(action, Stall):
            if self._stopping.wait(action.seconds):
                return False
            if action.reply is None:
                return False
            return self.perform(sock, action.reply)
        if isinstance(action, DropAfter):
            if isinstance(action.reply, Reply) and action.reply.body_from is not None:
                self._send_generated(sock, action.reply, limit=action.nbytes)
            else:
                first, *body = self._encode(action.reply)
                sock.sendall(first + b"".join(body)[: action.nbytes])
            reset(sock)
            return False
        if isinstance(action, Reply) and action.body_from is not None:
            return self._send_generated(sock, action, limit=None)
        for piece, delay in self._paced(action):
            if delay and self._stopping.wait(delay):
                return False
            sock.sendall(piece)
        return True

    def _paced(self, action: Reply | SSE) -> Iterator[tuple[bytes, float]]:
        """The pieces to send, each with the pause before it; SSE events made as sent."""
        if isinstance(action, SSE):
            yield head(action.status, self._sse_headers(action), chunked=True), 0.0
            for index, frame in enumerate(action.frames()):
                yield chunk(frame), action.pause_before(index)
            yield b"0\r\n\r\n", 0.0
            return
        pieces = self._encode(action)
        yield pieces[0], 0.0
        for piece in pieces[1:]:
            yield piece, action.chunk_delay

    def _send_generated(self, sock: socket.socket, action: Reply, *, limit: int | None) -> bool:
        """Send a `body_from` answer piece by piece as it is made; with `limit`, only that many body bytes."""
        assert action.body_from is not None
        chunked = action.body_size is None
        headers = {**self._base_headers(), "content-type": action.media_type(), **_range_headers(action)}
        headers.update(action.headers)
        if not chunked:
            headers["content-length"] = str(action.body_size)
        sock.sendall(head(action.status, headers, chunked=chunked))
        budget = limit
        for index, data in enumerate(action.body_from(0)):
            piece = chunk(data) if chunked else data
            if budget is not None:
                piece, budget = piece[:budget], budget - len(piece)
            if index and action.chunk_delay and self._stopping.wait(action.chunk_delay):
                return False
            sock.sendall(piece)
            if budget is not None and budget <= 0:
                return False
        if chunked:
            sock.sendall(b"0\r\n\r\n")
        return limit is None

    def _sse_headers(self, action: SSE) -> dict[str, str]:
        return {
            **self._base_headers(),
            "content-type": "text/event-stream",
            "cache-control": "no-cache",
            **action.headers,
        }

    def _encode(self, action: Reply | SSE) -> list[bytes]:
        """Status line and headers, then the body pieces (chunked when streamed)."""
        if isinstance(action, SSE):
            first = head(action.status, self._sse_headers(action), chunked=True)
            return [first, *map(chunk, action.frames()), b"0\r\n\r\n"]
        headers = self._base_headers()
        headers["content-type"] = action.media_type()
        headers.update(_range_headers(action))
        headers.update(action.headers)
        if action.chunks is not None:
            return [head(action.status, headers, chunked=True), *map(chunk, action.chunks), b"0\r\n\r\n"]
        payload = action.payload()
        headers["content-length"] = str(len(payload))
        return [head(action.status, headers, chunked=False), payload]


def _range_headers(action: Reply) -> dict[str, str]:
    return {"accept-ranges": "bytes"} if action.honour_range else {}
