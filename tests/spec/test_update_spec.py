"""`make update-spec`: fetch, report, lock, regenerate, test, sum up; on temporary files.

The generator and the test suite are stood in for by tiny commands (the real ones take
minutes and would rewrite generated/); what is checked is the sequence, what is written
where, and what the closing paragraph says.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from scripts import update_spec
from scripts.fetch_spec import SpecLock
from scripts.spec_io import sha256_hex

SPEC = """openapi: 3.0.0
info: {title: mini, version: "%s"}
paths:
  /models:
    get:
      parameters:
        - {name: type, in: query, schema: {type: string, enum: [%s]}}
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema: {type: object, properties: {data: {type: array, items: {type: string}}}}
"""
OLD = SPEC % ("20260101.000000", "text, image, on")
NEW = SPEC % ("20260102.000000", "text, image, code")

# Stands in for `pytest --junitxml=...`: two venice_ext tests and one other, as told.
FAKE_PYTEST = """
import sys
outcome = sys.argv[1]
path = next(arg.split("=", 1)[1] for arg in sys.argv if arg.startswith("--junitxml="))
failure = "<failure message='boom'/>"
cases = [
    ("tests.ext.test_client", "test_call", failure if outcome == "ext-fails" else ""),
    ("tests.ext.test_client", "test_stream", ""),
    ("tests.spec.test_generate", "test_tree", failure if outcome == "spec-fails" else ""),
]
body = "".join(f"<testcase classname='{c}' name='{n}'>{x}</testcase>" for c, n, x in cases)
open(path, "w").write(f"<testsuites><testsuite name='pytest'>{body}</testsuite></testsuites>")
sys.exit(0 if outcome == "pass" else 1)
"""


class Project:
    """A spec/ folder holding OLD and its lock, a source, and stand-in commands."""

    def __init__(self, root: Path) -> None:
        self.spec_file = root / "spec" / "swagger.yaml"
        self.lock_file = root / "spec" / "venice-spec.lock"
        self.source = root / "upstream.yaml"
        self.marker = root / "generated.marker"
        self.spec_file.parent.mkdir()
        self.spec_file.write_text(OLD)
        self.lock_file.write_text(SpecLock("20260101.000000", sha256_hex(OLD.encode()), 1).to_json())
        self.output: list[str] = []

    def run(self, source_text: str | None, *, generate_ok: bool = True, tests: str = "pass") -> int:
        if source_text is not None:
            self.source.write_text(source_text)
        marker = f"open({str(self.marker)!r}, 'w').close()"
        generate = [sys.executable, "-c", f"{marker}; raise SystemExit({0 if generate_ok else 1})"]
        return update_spec.update(
            str(self.source),
            spec_file=self.spec_file,
            lock_file=self.lock_file,
            generate_command=generate,
            test_command=[sys.executable, "-c", FAKE_PYTEST, tests],
            out=self.output.append,
        )

    @property
    def text(self) -> str:
        return "\n".join(self.output)

    @property
    def summary(self) -> str:
        return " ".join(self.output[-1].split())  # the closing paragraph, unwrapped


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


def test_an_unchanged_spec_is_said_so_and_nothing_runs(project: Project) -> None:
    assert project.run(OLD) == 0
    assert "is unchanged: 20260101.000000" in project.summary
    assert not project.marker.exists()


def test_a_new_spec_is_reported_locked_regenerated_and_tested(project: Project) -> None:
    assert project.run(NEW) == 0
    assert "Venice API spec 20260101.000000 -> 20260102.000000" in project.text
    assert 'BREAKING  query parameter: type: enum value "on" removed' in project.text
    assert project.spec_file.read_text() == NEW
    lock = json.loads(project.lock_file.read_text())
    assert (lock["info.version"], lock["sha256"]) == ("20260102.000000", sha256_hex(NEW.encode()))
    assert project.marker.exists()
    summary = project.summary
    assert "moved from 20260101.000000 to 20260102.000000 (1 -> 1 operations)" in summary
    assert "2 changes in 1 operation, 1 of them breaking for a client user and 1 not" in summary
    assert "the test suite passes (3 passed)" in summary
    assert "venice_ext's own 2 tests (tests/ext) included" in summary


def test_a_failed_generation_stops_before_the_tests(project: Project) -> None:
    assert project.run(NEW, generate_ok=False) == 1
    assert "regenerating the client FAILED" in project.summary
    assert "test suite" not in project.summary
    assert json.loads(project.lock_file.read_text())["info.version"] == "20260102.000000"


def test_failing_venice_ext_tests_are_named(project: Project) -> None:
    assert project.run(NEW, tests="ext-fails") == 1
    assert "the test suite FAILS (2 passed, 1 failed" in project.summary
    assert "venice_ext's own tests fail (tests.ext.test_client::test_call)" in project.summary


def test_a_failure_elsewhere_says_venice_ext_passed(project: Project) -> None:
    assert project.run(NEW, tests="spec-fails") == 1
    assert "first failure: tests.spec.test_generate::test_tree" in project.summary
    assert "venice_ext's own 2 tests (tests/ext) ran and passed" in project.summary


def test_an_unreadable_source_changes_nothing(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    lock_before = project.lock_file.read_text()
    assert project.run("openapi: [broken") == 1
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1 and "invalid YAML" in error
    assert project.spec_file.read_text() == OLD and project.lock_file.read_text() == lock_before
    assert not project.marker.exists() and project.output == []


def test_the_summary_names_the_repairs_the_new_spec_took(project: Project) -> None:
    broken = NEW.replace("          description: OK\n", "")
    assert project.run(broken) == 0
    assert project.spec_file.read_text() == broken, "locked as published"
    assert "Repairs to the new spec (20260102.000000): 1" in project.text
    summary = project.summary
    assert (
        "The new spec breaks OpenAPI: the validator's findings took 1 repair "
        "(default_response_descriptions at /paths/~1models/get/responses/200/description)"
    ) in summary
    assert "the test suite passes" in summary


def test_a_clean_spec_is_said_to_need_no_repair(project: Project) -> None:
    assert project.run(NEW) == 0
    assert "The new spec is valid OpenAPI (no repair needed)" in project.summary
    assert "Repairs to" not in project.text


def test_a_spec_beyond_repair_is_refused_in_one_line_and_changes_nothing(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    lock_before = project.lock_file.read_text()
    assert project.run(NEW.replace("items: {type: string}", "items: {type: strin}")) == 1
    error = capsys.readouterr().err.strip().splitlines()
    pointer = "/paths/~1models/get/responses/200/content/application~1json/schema/properties/data/items/type"
    assert error == [f"error: VENICE_SPEC_SOURCE={project.source}: {pointer}: 'strin' is not one of " + TYPES]
    assert project.spec_file.read_text() == OLD and project.lock_file.read_text() == lock_before
    assert not project.marker.exists()


TYPES = "['array', 'boolean', 'integer', 'number', 'object', 'string']"
