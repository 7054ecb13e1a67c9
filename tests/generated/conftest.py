"""A Stoplight Prism mock of Venice's spec, shared by the contract tests of this folder.

Prism mocks its own adjusted copy of the spec (`scripts.prism_transforms`), written
to a temporary directory: the spec is Venice's, so no copy of it lands in the repo.
Prism ignores `servers` and serves every route from its root (`/chat/completions`,
not `/api/v1/chat/completions`), which is why the base URL it yields is the bare
`http://127.0.0.1:<port>`.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts.prism_transforms import prism_spec
from scripts.spec_io import dump_json, load_spec_file

ROOT = Path(__file__).resolve().parents[2]
SPEC_FILE = ROOT / "spec" / "swagger.yaml"
PRISM = ROOT / "node_modules" / ".bin" / "prism"
HOST = "127.0.0.1"
STARTUP_SECONDS = 60.0
STOP_SECONDS = 10.0


@pytest.fixture(scope="session")
def venice_spec() -> dict[str, Any]:
    """The fetched spec as published (read once: parsing it takes a second or two)."""
    if not SPEC_FILE.exists():
        pytest.skip(f"{SPEC_FILE.relative_to(ROOT)} is missing: run `make install` (or `make spec`)")
    return load_spec_file(SPEC_FILE)


@pytest.fixture(scope="session")
def prism_document(venice_spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as Prism mocks it, so requests can be built against what Prism validates."""
    return prism_spec(venice_spec)


def _free_port() -> int:
    # Port 0 makes the kernel pick; the tiny race until Prism binds it is acceptable here.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _output(log: Path) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return text[-6000:] or "(no output)"


def _wait_until_listening(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Prism exited with status {process.returncode} before listening:\n{_output(log)}")
        try:
            # Any HTTP answer will do: Prism has no route at `/` and says so with a 404.
            httpx.get(base_url + "/", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"Prism did not answer on {base_url} within {STARTUP_SECONDS:.0f} s:\n{_output(log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_SECONDS)


@pytest.fixture(scope="session")
def prism(prism_document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a running `prism mock` of the adjusted spec, stopped at the end of the session."""
    if not PRISM.exists():
        pytest.skip(f"{PRISM.relative_to(ROOT)} is missing: run `make install` to install Prism (npm ci)")
    workdir = tmp_path_factory.mktemp("prism")
    spec_path = workdir / "openapi.json"
    spec_path.write_text(dump_json(prism_document), encoding="utf-8")
    log = workdir / "prism.log"
    port = _free_port()
    base_url = f"http://{HOST}:{port}"
    with log.open("wb") as sink:
        # Output goes to a file rather than a pipe: Prism logs every request, and an
        # unread pipe would fill up and stall it.
        process = subprocess.Popen(
            [str(PRISM), "mock", str(spec_path), "-h", HOST, "-p", str(port)],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        try:
            _wait_until_listening(process, base_url, log)
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield base_url
    finally:
        _stop(process)
