"""Files in and out: uploads read from what the caller gives, and media saved atomically.

The bytes go to a new temporary file in the target's directory (so the final rename
stays on one file system and is atomic); it is synced and renamed over the target
only when whole, so the target never holds a partial file, and removed on failure.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, TypeVar

from venice_ext.errors import RequestValidationError

__all__ = ["AtomicFile", "Upload", "async_offload", "offload", "upload_of"]

R = TypeVar("R")


class AtomicFile:
    """A temporary file beside `target`, committed over it by `commit()`, or `discard()`ed."""

    def __init__(self, target: Path) -> None:
        # Mode 0o666 like open(), so the umask applies; mkstemp's 0o600 would hide the file from the group.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        for _ in range(16):
            path = target.with_name(f".{target.name}.{os.urandom(4).hex()}.part")
            try:
                descriptor = os.open(path, flags, 0o666)
            except FileExistsError:
                continue
            self.target = target
            self.path = path
            self.file: BinaryIO = os.fdopen(descriptor, "wb")
            self.size = 0
            return
        raise FileExistsError(f"no free temporary name beside {target}")

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.size += len(chunk)

    def restart(self) -> None:
        self.file.seek(0)
        self.file.truncate()
        self.size = 0

    def commit(self) -> None:
        # Synced before the rename, so a crash never leaves a truncated file under the target name.
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.replace(self.path, self.target)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def offload(function: Callable[..., R], *args: object) -> R:
    """File work in the sync client: done in place."""
    return function(*args)


async def async_offload(function: Callable[..., R], *args: object) -> R:
    """File work in the async client: in a worker thread, so the event loop stays free."""
    # Imported here: anyio (an httpx dependency) costs import time that sync users never need.
    from anyio.to_thread import run_sync

    return await run_sync(function, *args)


class Upload(NamedTuple):
    """A file input read for sending: its bytes, a file name and a media type, where known."""

    content: bytes
    file_name: str | None
    mime_type: str | None


def upload_of(value: object) -> Upload | None:
    """The file behind an upload argument (bytes, a path, a binary file object, a generated `File`);
    None for anything else, which is sent as it is (a str is base64 or a URL, as the spec allows)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Upload(bytes(value), None, None)
    if isinstance(value, os.PathLike):
        path = Path(os.fspath(value))
        try:
            return Upload(path.read_bytes(), path.name, mimetypes.guess_type(path.name)[0])
        except OSError as exc:
            raise RequestValidationError(f"cannot read the file to upload: {exc}") from exc
    payload = getattr(value, "payload", None)
    if payload is not None and hasattr(value, "file_name"):  # venice_api.types.File
        return Upload(_read(payload), getattr(value, "file_name", None), getattr(value, "mime_type", None))
    if hasattr(value, "read"):
        name = getattr(value, "name", None)
        file_name = Path(name).name if isinstance(name, str) else None
        return Upload(_read(value), file_name, mimetypes.guess_type(file_name)[0] if file_name else None)
    return None


def _read(stream: Any) -> bytes:
    data = stream.read()
    if not isinstance(data, bytes):
        raise RequestValidationError(f"a file to upload must be opened in binary mode, not {type(data).__name__}")
    return data
