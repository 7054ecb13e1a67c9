"""Wheels of what the project venv already has installed, so a clean venv installs offline.

A test cannot download: `pip install --no-index --find-links WHEELHOUSE` needs every
dependency as a wheel. Each installed distribution is packed back into one from the
files its RECORD lists, under the tags its WHEEL file gives (a compiled one, such as
msgspec, keeps its platform tags: it installs into this same interpreter only).
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

__all__ = ["requirements_closure", "wheel_of_installed"]

# Written by the installer, not part of a wheel.
_INSTALLER_FILES = {"INSTALLER", "RECORD", "REQUESTED", "direct_url.json"}


def requirements_closure(roots: list[str], extras: dict[str, set[str]] | None = None) -> list[str]:
    """`roots` and everything they need at run time here (markers evaluated, extras as asked)."""
    extras = extras or {}
    seen: dict[str, str] = {}
    pending = list(roots)
    while pending:
        name = canonicalize_name(pending.pop())
        if name in seen:
            continue
        distribution = metadata.distribution(name)
        seen[name] = distribution.metadata["Name"]
        for line in distribution.requires or []:
            requirement = Requirement(line)
            wanted = extras.get(name, set()) | {""}
            if requirement.marker is None or any(requirement.marker.evaluate({"extra": e}) for e in wanted):
                pending.append(requirement.name)
    return sorted(seen.values())


def wheel_of_installed(name: str, into: Path) -> Path:
    distribution = metadata.distribution(name)
    info = next(file for file in distribution.files or [] if file.name == "METADATA").parent.as_posix()
    tags = [
        line.split(":", 1)[1].strip()
        for line in (distribution.read_text("WHEEL") or "Tag: py3-none-any").splitlines()
        if line.startswith("Tag:")
    ]
    stem = f"{canonicalize_name(name).replace('-', '_')}-{distribution.version}"
    # A wheel with several tags joins each part's values in its file name (`py2.py3-none-any`,
    # `cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64`).
    parts = [".".join(dict.fromkeys(tag.split("-")[index] for tag in tags)) for index in range(3)]
    wheel = into / f"{stem}-{'-'.join(parts)}.whl"
    record: list[str] = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in distribution.files or []:
            relative = file.as_posix()
            if relative.startswith("..") or "__pycache__" in relative:
                continue  # console scripts (pip writes them anew) and bytecode
            if file.parent.as_posix() == info and file.name in _INSTALLER_FILES:
                continue
            data = Path(str(file.locate())).read_bytes()
            archive.writestr(relative, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{relative},sha256={digest},{len(data)}")
        record.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel
