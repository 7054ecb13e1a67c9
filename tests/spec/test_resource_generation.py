"""A new operation in a later spec gets its method from a regeneration, with a warning and no failure."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts.spec_io import dump_json, load_spec_file

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "swagger.yaml"


def spec_with_a_new_operation() -> dict[str, Any]:
    spec = copy.deepcopy(load_spec_file(SPEC))
    spec["paths"]["/image/presets/{presetId}"] = {
        "get": {
            "operationId": "getImagePreset",
            "summary": "Get one image preset",
            "tags": ["Image"],
            "parameters": [
                {"name": "presetId", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "locale", "in": "query", "required": False, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}},
                            }
                        }
                    },
                }
            },
        }
    }
    return spec


@pytest.mark.slow
def test_a_new_operation_gets_a_method_by_the_default_rule(tmp_path: Path) -> None:
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(dump_json(spec_with_a_new_operation()))
    destination = tmp_path / "out" / "venice_api"
    process = subprocess.run(
        [sys.executable, "-m", "scripts.generate", "--spec", str(spec_path), "--output", str(destination)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.splitlines()[0] == (
        "warning: resources.yaml names no method for getImagePreset (GET /image/presets/{presetId}): "
        "generated images.get_preset by the default rule"
    )
    assert "0 warnings" in process.stdout.splitlines()[1]
    # In a fresh interpreter: this one has the installed venice_api imported already.
    check = """
import sys
sys.path.insert(0, sys.argv[1])
from venice_api.resources.images import Images
calls = []
class Recorder:
    def request(self, operation, /, *, params, body, options):
        calls.append((operation.OPERATION_ID, params, body, options))
        return "parsed"
assert Images(Recorder()).get_preset(presetId="p1", locale="de") == "parsed"
assert calls == [("get_image_preset", {"preset_id": "p1", "locale": "de"}, None, {})], calls
"""
    imported = subprocess.run(
        [sys.executable, "-c", check, str(destination.parent)], capture_output=True, text=True, check=False
    )
    assert imported.returncode == 0, imported.stderr
