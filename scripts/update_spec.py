"""`make update-spec`: take the current Venice spec, show what changed, and check the client still works.

1. Fetch the spec from `VENICE_SPEC_SOURCE` into a temporary directory (nothing in spec/
   changes yet; a failed fetch, invalid YAML or a spec that breaks OpenAPI beyond the
   repairs of `venice_spec.repairs` stops here with one line).
2. If it is byte-identical to the locked spec, say so and stop: nothing to regenerate.
3. Print the change report (`venice_spec.diff`) from the locked spec to the new one.
4. Install it as `make spec` does: spec/swagger.yaml and spec/venice-spec.lock.
5. Regenerate generated/venice_api (`scripts.generate`, which keeps the old package if
   generation fails) and run the test suite (`pytest -q -x`), venice_ext's included.
6. End with one paragraph: versions, the repairs the validator's findings called for,
   how many changes and how many breaking, and whether generation and the tests
   (venice_ext's in particular) pass.

The new spec stays locked even when generation or tests fail: the report and the failure
are what the next step (a transform, a venice_ext fix) needs, and `make generate` can be
rerun against it. Exit status: 0 when everything passed or nothing changed, 1 otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scripts.fetch_spec import (
    DEFAULT_SOURCE,
    LOCK_FILE,
    ROOT,
    SOURCE_VARIABLE,
    SPEC_FILE,
    SpecLock,
    fetch,
    write_atomically,
)
from scripts.spec_io import SpecError, parse_spec, sha256_hex
from venice_spec.diff import Change, diff_specs, render_text, summarize
from venice_spec.repairs import Repair

GENERATE_COMMAND = (sys.executable, "-m", "scripts.generate")
TEST_COMMAND = (sys.executable, "-m", "pytest", "-q", "-x")
EXT_TESTS = "tests.ext."  # junit class names of venice_ext's own tests (tests/ext)

Print = Callable[[str], None]


def _print(text: str) -> None:
    print(text, flush=True)  # before the generator's and pytest's output, even through a pipe


@dataclass
class TestRun:
    """What the test suite's junit report says, venice_ext's tests (tests/ext) apart."""

    exit_code: int
    counts: dict[str, int] = field(default_factory=dict)  # passed, failed, skipped, xfailed
    failures: list[str] = field(default_factory=list)
    ext_run: int = 0
    ext_failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.exit_code == 0


def read_junit(path: Path, exit_code: int) -> TestRun:
    run = TestRun(exit_code, {"passed": 0, "failed": 0, "skipped": 0, "xfailed": 0})
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return run  # pytest died before writing it: the exit code is all there is
    for case in root.iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        failed = case.find("failure") is not None or case.find("error") is not None
        skip = case.find("skipped")
        skipped = skip is not None
        state = "failed" if failed else "passed" if skip is None else "skipped"
        if skip is not None and skip.get("type") == "pytest.xfail":
            state = "xfailed"
        run.counts[state] += 1
        if failed:
            run.failures.append(name)
        if name.startswith(EXT_TESTS):
            run.ext_run += 0 if skipped else 1
            if failed:
                run.ext_failures.append(name)
    return run


def run_tests(command: Sequence[str], scratch: Path) -> TestRun:
    report = scratch / "junit.xml"
    completed = subprocess.run([*command, f"--junitxml={report}"], cwd=ROOT, check=False)
    return read_junit(report, completed.returncode)


def update(
    source: str,
    *,
    spec_file: Path = SPEC_FILE,
    lock_file: Path = LOCK_FILE,
    generate_command: Sequence[str] = GENERATE_COMMAND,
    test_command: Sequence[str] = TEST_COMMAND,
    out: Print = _print,
) -> int:
    old_bytes = spec_file.read_bytes() if spec_file.exists() else None
    old_lock = SpecLock.read(lock_file)
    with tempfile.TemporaryDirectory(prefix="venice-update-spec-") as scratch_name:
        scratch = Path(scratch_name)
        try:
            fetched = fetch(source, scratch / "swagger.yaml", scratch / "venice-spec.lock")
        except SpecError as exc:
            print(f"error: {SOURCE_VARIABLE}={source}: {exc}", file=sys.stderr)
            return 1
        new_lock, repairs = fetched.lock, fetched.repairs
        new_bytes = (scratch / "swagger.yaml").read_bytes()
        if old_bytes == new_bytes and old_lock is not None and old_lock.sha256 == new_lock.sha256:
            out(
                _paragraph(
                    f"Summary: the Venice spec at {source} is unchanged: {new_lock.version} (sha256 "
                    f"{new_lock.sha256[:12]}...) is already locked, so nothing was regenerated or tested."
                )
            )
            return 0
        old_version = old_lock.version if old_lock else "(none)"
        if old_bytes is not None and old_lock is not None and sha256_hex(old_bytes) != old_lock.sha256:
            out(f"warning: {spec_file.name} does not match {lock_file.name}; comparing with {spec_file.name}")
        old_version, changes = _report(old_bytes, new_bytes, old_version, new_lock.version, out)
        write_atomically(spec_file, new_bytes)
        write_atomically(lock_file, new_lock.to_json().encode())
        out(f"locked spec {new_lock.version} sha256 {new_lock.sha256} ({new_lock.operations} operations)")
        generated = subprocess.run(list(generate_command), cwd=ROOT, check=False).returncode == 0
        tests = run_tests(test_command, scratch) if generated else None
    out("")
    out(_paragraph(_summary(old_version, new_lock, old_lock, changes, repairs, generated, tests)))
    return 0 if generated and tests is not None and tests.passed else 1


def _report(
    old_bytes: bytes | None, new_bytes: bytes, old_version: str, new_version: str, out: Print
) -> tuple[str, list[Change] | None]:
    """Print the change report: the locked spec's version and the changes, None without a spec to compare."""
    if old_bytes is None:
        out("no locked spec file to compare with: skipping the change report")
        return old_version, None
    try:
        old = parse_spec(old_bytes)
    except SpecError as exc:
        out(f"the locked spec cannot be read ({exc}): skipping the change report")
        return old_version, None
    new = parse_spec(new_bytes)
    changes = diff_specs(old.document, new.document)
    out(render_text(changes, old.version, new_version, old_repairs=old.repairs, new_repairs=new.repairs))
    return old.version, changes


def _summary(
    old_version: str,
    new_lock: SpecLock,
    old_lock: SpecLock | None,
    changes: list[Change] | None,
    repairs: Sequence[Repair],
    generated: bool,
    tests: TestRun | None,
) -> str:
    operations = f"{old_lock.operations if old_lock else '?'} -> {new_lock.operations} operations"
    parts = [f"Summary: the Venice spec moved from {old_version} to {new_lock.version} ({operations})"]
    if changes is None:
        parts.append("; no change report (there was no readable locked spec to compare with)")
    else:
        counts = summarize(changes)
        parts.append(
            f": {_count(counts['changes'], 'change')} in {_count(counts['operations'], 'operation')}, "
            f"{counts['breaking']} of them breaking for a client user and {counts['changes'] - counts['breaking']} "
            f"not ({counts['notable']} notable)"
        )
        if counts["operations_added"] or counts["operations_removed"]:
            parts.append(
                f"; {_count(counts['operations_added'], 'operation')} added, {counts['operations_removed']} removed"
            )
    parts.append(f". The new spec {_repairs(repairs)}")
    parts.append("; spec/swagger.yaml and spec/venice-spec.lock now hold it as published")
    if not generated:
        parts.append(
            ", but regenerating the client FAILED (see above): generated/venice_api still holds the client of "
            "the previous spec; fix the transforms and run `make generate`, then `make test`."
        )
        return "".join(parts)
    parts.append(" and generated/venice_api was regenerated from it")
    assert tests is not None
    counted = ", ".join(f"{number} {state}" for state, number in tests.counts.items() if number)
    if tests.passed:
        parts.append(f"; the test suite passes ({counted or 'no junit report'})")
        parts.append(
            f", venice_ext's own {tests.ext_run} tests (tests/ext) included: "
            "venice_ext still works with the new client."
        )
        return "".join(parts)
    first = tests.failures[0] if tests.failures else f"pytest exit status {tests.exit_code}"
    parts.append(f"; the test suite FAILS ({counted or 'no junit report'}; stopped at the first failure: {first})")
    if tests.ext_failures:
        parts.append(f", and venice_ext's own tests fail ({', '.join(tests.ext_failures)}).")
    elif tests.ext_run:
        parts.append(f"; venice_ext's own {tests.ext_run} tests (tests/ext) ran and passed before it stopped.")
    else:
        parts.append("; venice_ext's own tests (tests/ext) did not get to run.")
    return "".join(parts)


def _repairs(repairs: Sequence[Repair]) -> str:
    if not repairs:
        return "is valid OpenAPI (no repair needed)"
    by_name: dict[str, list[str]] = {}
    for repair in repairs:
        by_name.setdefault(repair.name, []).append(repair.pointer)
    listed = "; ".join(
        f"{name} at {', '.join(pointers[:3])}{f' and {len(pointers) - 3} more' if len(pointers) > 3 else ''}"
        for name, pointers in by_name.items()
    )
    return f"breaks OpenAPI: the validator's findings took {_count(len(repairs), 'repair')} ({listed})"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _paragraph(text: str) -> str:
    return textwrap.fill(text, width=100, break_on_hyphens=False, break_long_words=False)


def main() -> int:
    return update(os.environ.get(SOURCE_VARIABLE) or DEFAULT_SOURCE)


if __name__ == "__main__":
    sys.exit(main())
