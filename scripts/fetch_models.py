"""`make models`: Venice's model listing, as the fake server serves it, into venice_ext/testing/.

FakeVenice answers `/models` with a real listing and refuses the models it does not
list, so the listing ships inside the package (the wheel included), as
`venice_ext/testing/models-snapshot.json`. It is Venice's data: fetched, never
committed (.gitignore).

The source is `VENICE_MODELS_SOURCE`, a URL or a file path. Without it: the
`models-snapshot.json` beside a local `VENICE_SPEC_SOURCE` file when there is one
(a mirror of Venice's published files), else the live listing of every type, which
needs no key. A bare list of models and a `GET /models` answer (`{"data": [...]}`)
are both accepted; the file is replaced atomically, and only by a listing whose every
entry has an `id`, a `type` and a `model_spec`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from scripts.fetch_spec import SOURCE_VARIABLE as SPEC_SOURCE_VARIABLE
from scripts.fetch_spec import read_source, write_atomically
from scripts.spec_io import SpecError

SOURCE_VARIABLE = "VENICE_MODELS_SOURCE"
LIVE_SOURCE = "https://api.venice.ai/api/v1/models?type=all"
ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_FILE = ROOT / "venice_ext" / "testing" / "models-snapshot.json"
SNAPSHOT_NAME = "models-snapshot.json"


class ListingError(Exception):
    """The source holds no usable model listing; the previous snapshot is left in place."""


def default_source(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    explicit = environ.get(SOURCE_VARIABLE)
    if explicit:
        return explicit
    spec_source = environ.get(SPEC_SOURCE_VARIABLE, "")
    if spec_source and not spec_source.startswith(("http://", "https://")):
        beside = Path(spec_source.removeprefix("file://")).expanduser().parent / SNAPSHOT_NAME
        if beside.is_file():
            return str(beside)
    return LIVE_SOURCE


def parse_listing(data: bytes) -> list[dict[str, Any]]:
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise ListingError(f"not JSON: {exc}") from exc
    entries = document.get("data") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not entries:
        raise ListingError("no list of models (neither a JSON array nor an object with a `data` array)")
    for index, entry in enumerate(entries):
        is_model = (
            isinstance(entry, dict)
            and isinstance(entry.get("id"), str)
            and isinstance(entry.get("type"), str)
            and isinstance(entry.get("model_spec"), dict)
        )
        if not is_model:
            raise ListingError(f"entry {index} is not a model (an object with id, type and model_spec): {entry!r:.200}")
    return entries


def fetch(source: str, snapshot_file: Path = SNAPSHOT_FILE) -> list[dict[str, Any]]:
    entries = parse_listing(read_source(source))
    write_atomically(snapshot_file, (json.dumps(entries, separators=(",", ":")) + "\n").encode())
    # Package data: readable by everyone who can import the package, unlike mkstemp's 0600.
    snapshot_file.chmod(0o644)
    return entries


def main(snapshot_file: Path = SNAPSHOT_FILE) -> int:
    source = default_source()
    try:
        entries = fetch(source, snapshot_file)
    except (SpecError, ListingError) as exc:
        print(f"error: models from {source}: {exc}", file=sys.stderr)
        return 1
    types = len({entry["type"] for entry in entries})
    print(f"models: {len(entries)} of {types} types from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
