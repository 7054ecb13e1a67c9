"""`make spec`: sources, the lock file, and failures that leave nothing half-written."""

from __future__ import annotations

import functools
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts import fetch_spec
from scripts.spec_io import load_spec_bytes, sha256_hex

MINI_SPEC = b"""openapi: 3.0.0
info:
  title: mini
  version: "20260101.000000"
paths:
  /models:
    get:
      responses:
        "200":
          description: OK
  /voices:
    get:
      parameters:
        - {name: mode, in: query, schema: {type: string, enum: [on, off, yes, no]}}
      responses: {"200": {description: OK}}
    post:
      responses: {"200": {description: OK}}
"""


@pytest.fixture
def served_dir(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static file server on 127.0.0.1, stopped at the end of the test."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def run_main(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: str) -> tuple[int, Path, Path]:
    monkeypatch.setenv("VENICE_SPEC_SOURCE", source)
    spec_file, lock_file = tmp_path / "spec" / "swagger.yaml", tmp_path / "spec" / "venice-spec.lock"
    return fetch_spec.main(spec_file, lock_file), spec_file, lock_file


def test_fetch_from_a_file_path_writes_spec_and_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "upstream.yaml"
    source.write_bytes(MINI_SPEC)
    code, spec_file, lock_file = run_main(monkeypatch, tmp_path, str(source))
    assert code == 0
    assert spec_file.read_bytes() == MINI_SPEC
    lock = json.loads(lock_file.read_text())
    assert lock == {"info.version": "20260101.000000", "sha256": sha256_hex(MINI_SPEC), "operations": 3}
    out = capsys.readouterr().out
    assert "20260101.000000" in out and sha256_hex(MINI_SPEC) in out


def test_fetch_from_a_url(served_dir: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base, root = served_dir
    (root / "swagger.yaml").write_bytes(MINI_SPEC)
    code, spec_file, _ = run_main(monkeypatch, tmp_path, f"{base}/swagger.yaml")
    assert code == 0
    assert spec_file.read_bytes() == MINI_SPEC


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "make_source",
    [
        pytest.param(lambda tmp: f"http://127.0.0.1:{closed_port()}/swagger.yaml", id="connection-refused"),
        pytest.param(lambda tmp: str(tmp / "missing.yaml"), id="missing-file"),
        pytest.param(lambda tmp: _write(tmp / "bad.yaml", b"openapi: 3.0.0\npaths: {a: [1, 2\n"), id="invalid-yaml"),
        pytest.param(lambda tmp: _write(tmp / "list.yaml", b"- just\n- a list\n"), id="not-openapi"),
        pytest.param(lambda tmp: _write(tmp / "bin.yaml", b"\xff\xfe\x00"), id="not-utf8"),
        pytest.param(
            lambda tmp: _write(tmp / "ref.yaml", MINI_SPEC.replace(b"OK}", b"OK, $ref: '#/x'}")), id="breaks-openapi"
        ),
        pytest.param(lambda tmp: _write(tmp / "dup.yaml", MINI_SPEC + b"openapi: 3.0.1\n"), id="differing-duplicate"),
    ],
)
def test_failures_print_one_line_naming_the_variable_and_write_nothing(
    make_source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A previous good fetch must survive a failed one untouched.
    good = tmp_path / "good.yaml"
    good.write_bytes(MINI_SPEC)
    assert run_main(monkeypatch, tmp_path, str(good))[0] == 0
    spec_file, lock_file = tmp_path / "spec" / "swagger.yaml", tmp_path / "spec" / "venice-spec.lock"
    before = (spec_file.read_bytes(), lock_file.read_bytes())
    capsys.readouterr()

    code, _, _ = run_main(monkeypatch, tmp_path, make_source(tmp_path))

    assert code != 0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: VENICE_SPEC_SOURCE=")
    assert (spec_file.read_bytes(), lock_file.read_bytes()) == before
    assert sorted(p.name for p in spec_file.parent.iterdir()) == ["swagger.yaml", "venice-spec.lock"]


def test_a_repairable_spec_is_fetched_as_published_and_the_repairs_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    published = MINI_SPEC.replace(b"  title: mini", b"  title: mini\n  title: mini").replace(
        b"description: OK", b"x-doc: none"
    )
    source = tmp_path / "upstream.yaml"
    source.write_bytes(published)
    code, spec_file, _ = run_main(monkeypatch, tmp_path, str(source))
    assert code == 0
    assert spec_file.read_bytes() == published, "the repairs are made on reading, not written back"
    warnings = capsys.readouterr().err.splitlines()
    assert warnings[0] == (
        "warning: repaired keep_last_duplicates: /info/title: line 4: key 'title' repeats line 3 (identical); "
        "the last one is kept"
    )
    assert warnings[1:] == [
        "warning: repaired default_response_descriptions: /paths/~1models/get/responses/200/description: set to 'OK'",
        "warning: repaired default_response_descriptions: /paths/~1voices/get/responses/200/description: set to 'OK'",
        "warning: repaired default_response_descriptions: /paths/~1voices/post/responses/200/description: set to 'OK'",
    ]


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_yaml_is_read_with_yaml_1_2_rules() -> None:
    document = load_spec_bytes(MINI_SPEC + b"x-released: 2025-04-30\n")
    values = document["paths"]["/voices"]["get"]["parameters"][0]["schema"]["enum"]
    assert values == ["on", "off", "yes", "no"], "YAML 1.1 would turn these into booleans"
    assert document["x-released"] == "2025-04-30", "dates stay strings"
    assert document["info"]["version"] == "20260101.000000"


def test_committed_lock_matches_the_pinned_spec_format() -> None:
    lock = fetch_spec.SpecLock.read()
    assert lock is not None, "spec/venice-spec.lock is committed"
    assert len(lock.sha256) == 64 and lock.operations > 0
