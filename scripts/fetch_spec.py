"""`make spec`: fetch Venice's OpenAPI spec into spec/ and record it in the lock file.

The source is `VENICE_SPEC_SOURCE`, a URL or a file path, by default the live spec.
The fetched bytes are read as `venice_spec.load` reads them (YAML 1.2, validated,
repaired or refused) before anything is written; spec/swagger.yaml and
spec/venice-spec.lock are then replaced atomically, so a failed fetch or a refused
spec leaves the previous spec and lock untouched. The file keeps Venice's bytes:
the repairs are made again on every read. This is the only build step that uses the
network.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from scripts.spec_io import SpecError, parse_spec, sha256_hex
from venice_spec.repairs import Repair

DEFAULT_SOURCE = "https://api.venice.ai/doc/api/swagger.yaml"
SOURCE_VARIABLE = "VENICE_SPEC_SOURCE"
ROOT = Path(__file__).resolve().parent.parent
SPEC_FILE = ROOT / "spec" / "swagger.yaml"
LOCK_FILE = ROOT / "spec" / "venice-spec.lock"
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SpecLock:
    version: str
    sha256: str
    operations: int

    def to_json(self) -> str:
        fields = {"info.version": self.version, "sha256": self.sha256, "operations": self.operations}
        return json.dumps(fields, indent=2) + "\n"

    @classmethod
    def read(cls, path: Path = LOCK_FILE) -> SpecLock | None:
        if not path.exists():
            return None
        fields = json.loads(path.read_text(encoding="utf-8"))
        return cls(str(fields["info.version"]), str(fields["sha256"]), int(fields["operations"]))


def read_source(source: str) -> bytes:
    """The bytes behind a URL or a file path."""
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": "venice-client-build"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                data: bytes = response.read()
                return data
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SpecError(f"cannot fetch {source}: {reason}") from exc
    path = Path(source.removeprefix("file://")).expanduser()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}") from exc


def count_operations(document: dict[str, object]) -> int:
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    paths = document.get("paths")
    if not isinstance(paths, dict):
        return 0
    return sum(1 for item in paths.values() if isinstance(item, dict) for method in item if method in methods)


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Fetched:
    lock: SpecLock
    repairs: tuple[Repair, ...]


def fetch(source: str, spec_file: Path = SPEC_FILE, lock_file: Path = LOCK_FILE) -> Fetched:
    data = read_source(source)
    loaded = parse_spec(data)
    lock = SpecLock(loaded.version, sha256_hex(data), count_operations(loaded.document))
    write_atomically(spec_file, data)
    write_atomically(lock_file, lock.to_json().encode())
    return Fetched(lock, loaded.repairs)


def main(spec_file: Path = SPEC_FILE, lock_file: Path = LOCK_FILE) -> int:
    source = os.environ.get(SOURCE_VARIABLE) or DEFAULT_SOURCE
    try:
        fetched = fetch(source, spec_file, lock_file)
    except SpecError as exc:
        print(f"error: {SOURCE_VARIABLE}={source}: {exc}", file=sys.stderr)
        return 1
    for repair in fetched.repairs:
        print(f"warning: repaired {repair}", file=sys.stderr)
    lock = fetched.lock
    print(f"spec {lock.version} sha256 {lock.sha256} ({lock.operations} operations) from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
