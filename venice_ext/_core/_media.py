"""One type for every image or audio answer, whether Venice sent it binary or base64.

`Media.of(answer, content_type)` reads what the generated call returned (bytes, a
model with base64 `images`, an OpenAI-style `data[].b64_json` list) and keeps the
answer itself in `raw`. `save(path)` writes atomically (a temporary file beside the
target, renamed into place when whole) and refuses to replace anything but a
regular file.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from venice_ext._core._files import AtomicFile
from venice_ext.errors import OutputPathError, ResponseValidationError

__all__ = ["Media", "OutputPathError", "OutputTarget", "check_output_path"]

_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/flac": ".flac",
    "audio/aac": ".aac",
    "audio/opus": ".opus",
    "audio/ogg": ".ogg",
    "audio/pcm": ".pcm",
}


def check_output_path(path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """`path` if a file can be written there atomically; OutputPathError saying why not.

    Call it before sending anything billable: a paid answer should never be lost to a
    typo in the output path.
    """
    target = Path(path)
    try:
        info = target.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputPathError(f"cannot use {target} as output: {exc}") from exc
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            raise OutputPathError(f"{target} exists and is not a regular file; refusing to replace it")
        if not overwrite:
            raise OutputPathError(f"{target} exists; refusing to overwrite it")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputPathError(f"cannot write {target}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot write {target}: the folder {folder} is not writable")
    return target


def _decode(text: str, what: str) -> bytes:
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ResponseValidationError(
            f"{what} is not valid base64: {exc}", status_code=200, body=text[:200].encode(), request_id=None
        ) from exc


def _files_of(answer: Any) -> list[bytes]:
    if isinstance(answer, (bytes, bytearray)):
        return [bytes(answer)]
    images = getattr(answer, "images", None)
    if isinstance(images, Sequence) and not isinstance(images, str):
        return [_decode(item, "an image") for item in images if isinstance(item, str)]
    data = getattr(answer, "data", None)
    if isinstance(data, Sequence):
        found = []
        for item in data:
            encoded = getattr(item, "b64_json", None)
            if isinstance(encoded, str):
                found.append(_decode(encoded, "an image's b64_json"))
        if found:
            return found
    raise ResponseValidationError(
        f"the answer ({type(answer).__name__}) carries no media", status_code=200, body=b"", request_id=None
    )


def sniffed_type(content: bytes) -> str | None:
    """The media type the first bytes announce (base64 answers carry no header), or None."""
    head = content[:12]
    for magic, media_type in (
        (b"\x89PNG", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"ID3", "audio/mpeg"),
        (b"fLaC", "audio/flac"),
    ):
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF":
        return "image/webp" if head[8:12] == b"WEBP" else "audio/wav"
    return None


class Media(bytes):
    """The files of an image or audio answer. It is the first (usually only) file's bytes;
    `files` holds them all, `content_type` the media type where known, `raw` the answer."""

    files: tuple[bytes, ...]
    content_type: str | None
    raw: Any

    def __new__(cls, files: Sequence[bytes], content_type: str | None = None, raw: Any = None) -> Media:
        if not files:
            raise ResponseValidationError("the answer carries no media", status_code=200, body=b"", request_id=None)
        media = super().__new__(cls, files[0])
        media.files = tuple(bytes(file) for file in files)
        media.content_type = content_type
        media.raw = raw
        return media

    @classmethod
    def of(cls, answer: Any, content_type: str | None = None) -> Media:
        if isinstance(answer, Media):
            return answer
        files = _files_of(answer)
        return cls(files, content_type or (sniffed_type(files[0]) if files else None), answer)

    @property
    def data(self) -> bytes:
        """The first (usually only) file, as plain bytes."""
        return self.files[0]

    def __repr__(self) -> str:
        sizes = ", ".join(str(len(file)) for file in self.files)
        return f"Media({len(self.files)} file(s) of {sizes} bytes, content_type={self.content_type!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Media, (self.files, self.content_type, None))

    @property
    def extension(self) -> str:
        """`.png`, `.mp3`...: from the content type, or from the first bytes; `.bin` if unknown."""
        if self.content_type:
            known = _EXTENSIONS.get(self.content_type.split(";")[0].strip().lower())
            if known:
                return known
        return _EXTENSIONS.get(sniffed_type(self.files[0]) or "", ".bin")

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = True) -> list[Path]:
        """Write every file atomically: the first to `path`, the next ones beside it as `name-2.ext`...

        Returns the paths written. A path that holds something other than a regular
        file is refused (OutputPathError), as is an existing file when `overwrite` is False.
        """
        target = Path(path)
        targets = [target] + [
            target.with_name(f"{target.stem}-{number}{target.suffix}") for number in range(2, len(self.files) + 1)
        ]
        for each in targets:
            check_output_path(each, overwrite=overwrite)
        for content, each in zip(self.files, targets, strict=True):
            file = AtomicFile(each)
            try:
                file.write(content)
                file.commit()
            except BaseException:
                file.discard()
                raise
        return targets


@dataclass(frozen=True)
class OutputTarget:
    """Where a resource's `to_file(path)` view saves each answer: checked before the
    request is sent, so a paid answer is never lost to a path that cannot be written."""

    path: Path
    overwrite: bool = True

    def check(self) -> None:
        check_output_path(self.path, overwrite=self.overwrite)

    def save(self, media: Media) -> Media:
        media.save(self.path, overwrite=self.overwrite)
        return media


def output_target_of(resource: object) -> OutputTarget | None:
    """The target of a `to_file(...)` view, None for a plain resource."""
    target = getattr(resource, "output_target", None)
    return target if isinstance(target, OutputTarget) else None
