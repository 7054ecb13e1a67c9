"""The fake Venice in a separate process, for benchmarks: it must not share our GIL."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

PREFIX = "VENICE_BASE_URL="


@contextlib.contextmanager
def fake_server(*command: str) -> Iterator[str]:
    """Start a fake server module (by default `python -m venice_ext.testing`), yield its
    base URL, stop it by its PID."""
    process = subprocess.Popen(
        [sys.executable, "-m", *(command or ("venice_ext.testing", "--stdin"))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith(PREFIX):
            raise RuntimeError(f"the fake server did not start: {line!r}")
        yield line.removeprefix(PREFIX)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
