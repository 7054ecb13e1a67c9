"""`make test-history`: a repaired version passes and says so; a refused one fails with the pointer."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import history

SPEC = """openapi: 3.0.0
info: {title: mini, version: "%s"}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          %s
          content:
            application/json:
              schema: {type: object, properties: {name: {type: string}}}
"""


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], **versions: str) -> tuple[int, list[str]]:
    for name, text in versions.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    code = history.main([str(tmp_path)])
    return code, capsys.readouterr().out.splitlines()


@pytest.mark.slow
def test_a_repaired_version_passes_and_the_table_names_its_repairs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = run(
        tmp_path, capsys, clean=SPEC % ("1", "description: OK"), repaired=SPEC % ("2", "x-description: none")
    )
    assert code == 0
    clean, repaired = (next(line for line in lines if line.startswith(name)) for name in ("clean", "repaired"))
    assert clean.split()[2:5] == ["1", "0", "1"], "ops, repairs, generated"
    assert repaired.split()[2:5] == ["1", "1", "1"]
    assert repaired.endswith("repaired: default_response_descriptions x1") and "FAIL" not in repaired
    assert (
        lines[-1]
        == "2 of 2 versions: all operations generated, 0 warnings, 0 import failures (1 of them repaired first)"
    )


def test_a_refused_version_fails_naming_the_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run(tmp_path, capsys, refused=SPEC.replace("type: object", "type: thing") % ("1", "description: OK"))
    assert code == 1
    row = next(line for line in lines if line.startswith("refused"))
    pointer = "/paths/~1things~1{id}/get/responses/200/content/application~1json/schema/type"
    assert f"FAIL {pointer}: 'thing' is not one of" in row
