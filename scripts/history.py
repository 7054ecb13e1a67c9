"""`make test-history`: put every published spec version through the same pipeline.

For each file in the history folder: transform, generate (warnings collected, not
fatal), import every generated module in a fresh interpreter, and print one table
row: version, operations in the spec, operations generated, warnings, modules that
fail to import. Exits non-zero if any version falls short.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from scripts.fetch_spec import count_operations
from scripts.generate import PACKAGE, GenerationError, run_generator
from scripts.spec_io import SpecError, load_spec_file

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HISTORY = ROOT.parent / "shared" / "venice-spec" / "history"

_IMPORT_ALL = """
import importlib, json, pkgutil, sys
sys.path.insert(0, sys.argv[1])
package = importlib.import_module(sys.argv[2])
failures, operations = [], 0
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    try:
        module = importlib.import_module(info.name)
    except Exception as exc:
        failures.append(f"{info.name}: {type(exc).__name__}: {exc}")
        continue
    if hasattr(module, "sync_detailed") and hasattr(module, "PATH"):
        operations += 1
print(json.dumps({"operations": operations, "failures": failures}))
"""


@dataclass
class VersionReport:
    name: str
    version: str
    spec_operations: int
    generated_operations: int = 0
    warnings: int = 0
    import_failures: int = 0
    seconds: float = 0.0
    problem: str = ""

    @property
    def ok(self) -> bool:
        return (
            not self.problem
            and self.warnings == 0
            and self.import_failures == 0
            and self.generated_operations == self.spec_operations
        )


def check_version(spec_path: Path, scratch: Path) -> VersionReport:
    started = time.perf_counter()
    try:
        spec = load_spec_file(spec_path)
    except SpecError as exc:
        return VersionReport(spec_path.stem, "?", 0, problem=str(exc))
    report = VersionReport(spec_path.stem, str(spec["info"]["version"]), count_operations(spec))
    destination = scratch / spec_path.stem / PACKAGE
    try:
        result = run_generator(spec, destination, strict=False)
    except GenerationError as exc:
        report.problem = str(exc).splitlines()[0]
        return report
    report.warnings = len(result.warnings)
    imported = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, str(destination.parent), PACKAGE],
        capture_output=True,
        text=True,
        check=False,
    )
    if imported.returncode != 0:
        report.problem = f"import walk crashed: {imported.stderr.strip().splitlines()[-1:]}"
    else:
        outcome = json.loads(imported.stdout)
        report.generated_operations = outcome["operations"]
        report.import_failures = len(outcome["failures"])
        if outcome["failures"]:
            report.problem = outcome["failures"][0]
    if result.warnings and not report.problem:
        report.problem = result.warnings[0].splitlines()[0]
    report.seconds = time.perf_counter() - started
    return report


def render(reports: list[VersionReport]) -> str:
    header = (
        f"{'spec file':<22} {'info.version':<16} {'ops':>4} {'generated':>9} {'warnings':>8} "
        f"{'import failures':>15} {'time':>6}"
    )
    lines = [header, "-" * len(header)]
    for report in reports:
        lines.append(
            f"{report.name:<22} {report.version:<16} {report.spec_operations:>4} {report.generated_operations:>9} "
            f"{report.warnings:>8} {report.import_failures:>15} {report.seconds:>5.1f}s"
            + ("" if report.ok else f"  FAIL {report.problem[:100]}")
        )
    passed = sum(report.ok for report in reports)
    lines.append(f"{passed} of {len(reports)} versions: all operations generated, 0 warnings, 0 import failures")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("history", nargs="?", type=Path, default=DEFAULT_HISTORY)
    args = parser.parse_args(argv)
    # The transforms note what they could not apply to this spec version (INFO, to stderr).
    logging.basicConfig(format="note: %(message)s")
    logging.getLogger("scripts").setLevel(logging.INFO)
    specs = sorted(args.history.glob("*.yaml")) + sorted(args.history.glob("*.json"))
    if not specs:
        print(f"error: no spec versions found in {args.history}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="venice-history-") as scratch:
        reports = []
        for spec_path in specs:
            reports.append(check_version(spec_path, Path(scratch)))
            print(render(reports[-1:]).splitlines()[2], flush=True)
    print()
    print(render(reports))
    return 0 if all(report.ok for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
