"""`make generate`: deterministic output, warnings are fatal, a failed run keeps the old package."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts.generate import GenerationError, binary_media_types, run_generator
from scripts.spec_io import load_spec_file

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "swagger.yaml"


def generate_in_subprocess(output: Path, hash_seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    subprocess.run(
        [sys.executable, "-m", "scripts.generate", "--output", str(output)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def tree_differences(left: Path, right: Path) -> list[str]:
    differences: list[str] = []

    def walk(comparison: filecmp.dircmp[str], prefix: str) -> None:
        differences.extend(f"only on one side: {prefix}{name}" for name in comparison.left_only + comparison.right_only)
        _, mismatch, errors = filecmp.cmpfiles(
            comparison.left, comparison.right, comparison.common_files, shallow=False
        )
        differences.extend(f"differs: {prefix}{name}" for name in mismatch + errors)
        for name, sub in comparison.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right), "")
    return differences


@pytest.mark.slow
def test_two_runs_give_byte_identical_trees(tmp_path: Path) -> None:
    # Different hash seeds and output locations: set iteration order and the ruff
    # configuration found above the output directory must not leak into the output.
    first, second = tmp_path / "a" / "venice_api", tmp_path / "deeper" / "b" / "venice_api"
    generate_in_subprocess(first, "1")
    generate_in_subprocess(second, "2")
    assert tree_differences(first, second) == []
    installed = ROOT / "generated" / "venice_api"
    assert tree_differences(first, installed) == [], "generated/ is stale: run `make generate`"


def minimal_spec(operation: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.0",
        "info": {"title": "mini", "version": "1"},
        "paths": {
            "/things": {"post": {"operationId": "addThing", "responses": {"200": {"description": "OK"}}, **operation}}
        },
        "components": {"schemas": {}},
    }


def warning_spec() -> dict[str, Any]:
    """Valid OpenAPI the generator cannot handle: it skips the endpoint, with a warning."""
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    return minimal_spec({"requestBody": {"content": {"application/xml": {"schema": schema}}}})


def keep_previous(tmp_path: Path) -> Path:
    destination = tmp_path / "venice_api"
    destination.mkdir()
    (destination / "__init__.py").write_text("PREVIOUS = True\n")
    return destination


def test_a_warning_fails_generation_and_keeps_the_previous_package(tmp_path: Path) -> None:
    destination = keep_previous(tmp_path)
    with pytest.raises(GenerationError, match=r"(?i)warning"):
        run_generator(warning_spec(), destination)
    assert (destination / "__init__.py").read_text() == "PREVIOUS = True\n"
    assert [p.name for p in tmp_path.iterdir()] == ["venice_api"], "no scratch directory left behind"


def test_non_strict_runs_report_the_warnings(tmp_path: Path) -> None:
    result = run_generator(warning_spec(), tmp_path / "venice_api", strict=False)
    assert len(result.warnings) == 1
    assert "POST /things" in result.warnings[0]
    assert "Unsupported content type application/xml" in result.warnings[0]


def test_a_spec_that_breaks_openapi_never_reaches_the_generator(tmp_path: Path) -> None:
    # A dangling $ref: the generator would skip the endpoint; the validator names the place.
    media = {"application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}}
    spec = minimal_spec({"responses": {"200": {"description": "OK", "content": media}}})
    destination = keep_previous(tmp_path)
    with pytest.raises(GenerationError) as raised:
        run_generator(spec, destination, strict=False)
    pointer = "/paths/~1things/post/responses/200/content/application~1json/schema/$ref"
    rule = "$ref '#/components/schemas/Missing' points to nothing"
    assert str(raised.value) == f"the transformed spec breaks OpenAPI: {pointer}: {rule}"
    assert (destination / "__init__.py").read_text() == "PREVIOUS = True\n"


def test_binary_media_types_come_from_the_spec() -> None:
    found = binary_media_types(load_spec_file(SPEC))
    assert {"image/png", "video/mp4", "audio/mpeg"} <= set(found)
    assert not any(media.startswith("text/") or media == "application/json" for media in found)


@pytest.mark.slow
def test_generated_package_passes_mypy_strict(tmp_path: Path) -> None:
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            # Not the repository's pyproject.toml (mypy finds it above generated/): it
            # ignores every error in venice_api, for the sake of venice_ext's checks.
            "--config-file",
            os.devnull,
            "--disable-error-code",
            "redundant-cast",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "venice_api",
        ],
        cwd=ROOT / "generated",
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 0, process.stdout[-3000:]
