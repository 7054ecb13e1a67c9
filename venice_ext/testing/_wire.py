"""HTTP/1.1 framing for the fake server: reading a request's head and body, writing a status line and chunks.

Just enough of RFC 9112 for the clients under test: no pipelining guesses, no header
folding, chunked bodies in both directions. A reset closes with RST (SO_LINGER 0),
the way a crashed peer or a proxy dropping the connection looks to a client.
"""

from __future__ import annotations

import contextlib
import socket
import struct
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

__all__ = [
    "MAX_HEADER_BYTES",
    "ConnectionClosed",
    "chunk",
    "close_quietly",
    "head",
    "read_body",
    "read_headers",
    "reset",
]

MAX_HEADER_BYTES = 64 * 1024


class ConnectionClosed(Exception):
    """The client closed the connection before a whole request head arrived."""


def head(status: int, headers: Mapping[str, str], *, chunked: bool) -> bytes:
    reason = _REASONS.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if chunked:
        lines.append("transfer-encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n" if data else b""


def read_headers(reader: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    total = 0
    while True:
        line = reader.readline(MAX_HEADER_BYTES)
        total += len(line)
        if not line:
            raise ConnectionClosed
        if line in (b"\r\n", b"\n") or total > MAX_HEADER_BYTES:
            return headers
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()


def read_body(reader: Any, headers: Mapping[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts: list[bytes] = []
        while True:
            size = int(reader.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                reader.readline()
                return b"".join(parts)
            parts.append(reader.read(size))
            reader.readline()
    length = int(headers.get("content-length", "0") or 0)
    return reader.read(length) if length else b""


def reset(sock: socket.socket) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    close_quietly(sock)


def close_quietly(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


_REASONS: dict[int, str] = defaultdict(
    lambda: "Status",
    {
        200: "OK",
        201: "Created",
        204: "No Content",
        206: "Partial Content",
        400: "Bad Request",
        401: "Unauthorized",
        402: "Payment Required",
        403: "Forbidden",
        404: "Not Found",
        409: "Conflict",
        410: "Gone",
        413: "Payload Too Large",
        415: "Unsupported Media Type",
        416: "Range Not Satisfiable",
        422: "Unprocessable Entity",
        429: "Too Many Requests",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    },
)
