"""`make generate`: transformed spec -> openapi-python-client -> generated/venice_api.

The generator writes into a scratch directory next to the target, and the result
replaces `generated/venice_api` only when the run produced no warning at all, so
a failed regeneration never leaves a half-written package behind.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openapi_python_client
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser.errors import ErrorLevel, GeneratorError
from ruamel.yaml import YAML

from scripts.spec_io import SpecError, dump_json, load_spec_file
from scripts.transforms import apply_transforms, iter_operations

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = ROOT / "spec"
SPEC_FILE = SPEC_DIR / "swagger.yaml"
CONFIG_FILE = SPEC_DIR / "generator.yaml"
TEMPLATES = SPEC_DIR / "templates"
PACKAGE = "venice_api"
OUTPUT = ROOT / "generated" / PACKAGE


@dataclass
class GenerationResult:
    package_dir: Path
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


class GenerationError(Exception):
    """The generator failed or warned; the previous package was left in place."""


def binary_media_types(spec: dict[str, Any]) -> list[str]:
    """Response media types that carry bytes (images, audio, video...)."""
    found: set[str] = set()
    for _path, _method, operation in iter_operations(spec):
        for response in operation.get("responses", {}).values():
            for media_type in (response.get("content") or {}) if isinstance(response, dict) else {}:
                base = media_type.split(";")[0].strip().lower()
                if base == "application/json" or base.endswith("+json") or base.startswith("text/"):
                    continue
                if base not in ("application/octet-stream", "multipart/form-data"):
                    found.add(media_type)
    return sorted(found)


def generator_config(spec: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = YAML(typ="safe", pure=True).load(CONFIG_FILE.read_text())
    overrides = dict(config.get("content_type_overrides") or {})
    for media_type in binary_media_types(spec):
        overrides.setdefault(media_type, "application/octet-stream")
    config["content_type_overrides"] = overrides
    return config


def run_generator(spec: dict[str, Any], destination: Path, *, strict: bool = True) -> GenerationResult:
    """Generate the package for an already loaded (untransformed) spec into `destination`.

    The generator runs in-process through its Python API, so its diagnostics arrive
    as objects (any of them, even "Skipping Integration" for a missing post hook,
    counts as a warning) rather than as console text to scrape.
    """
    started = time.perf_counter()
    normalized = apply_transforms(spec)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".gen-", dir=destination.parent) as scratch:
        scratch_dir = Path(scratch)
        spec_path = scratch_dir / "openapi.json"
        spec_path.write_text(dump_json(normalized), encoding="utf-8")
        out_dir = scratch_dir / PACKAGE
        config = Config.from_sources(
            ConfigFile.model_validate(generator_config(normalized)),
            MetaType.NONE,
            spec_path,
            "utf-8",
            overwrite=True,
            output_path=out_dir,
        )
        # Its progress line names the scratch directory: noise, and not reproducible.
        templates = _mount_templates(scratch_dir / "templates")
        with _tools_on_path(), contextlib.redirect_stdout(io.StringIO()):
            diagnostics = openapi_python_client.generate(config=config, custom_template_path=templates)
        warnings = [_describe(diagnostic) for diagnostic in diagnostics]
        errors = [diagnostic for diagnostic in diagnostics if diagnostic.level == ErrorLevel.ERROR]
        if errors or not (out_dir / "__init__.py").is_file():
            raise GenerationError("openapi-python-client failed:\n" + "\n".join(warnings))
        if warnings and strict:
            raise GenerationError(f"openapi-python-client reported {len(warnings)} warning(s):\n" + "\n".join(warnings))
        (out_dir / "py.typed").write_text("", encoding="utf-8")
        if destination.exists():
            shutil.rmtree(destination)
        out_dir.rename(destination)
    return GenerationResult(destination, warnings, time.perf_counter() - started)


def _mount_templates(target: Path) -> Path:
    """Our templates, with the generator's own mounted under `stock/`.

    Jinja resolves a name to our override first, so an override that wants to reuse
    the stock macros for the parts it does not change imports them as `stock/...`.
    """
    shutil.copytree(TEMPLATES, target)
    shutil.copytree(Path(openapi_python_client.__file__).parent / "templates", target / "stock")
    return target


def _describe(diagnostic: GeneratorError) -> str:
    return " ".join(part.strip() for part in (diagnostic.header, diagnostic.detail or "") if part)


@contextlib.contextmanager
def _tools_on_path() -> Iterator[None]:
    """The post hooks (ruff) must come from this interpreter's environment."""
    previous = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{previous}"
    try:
        yield
    finally:
        os.environ["PATH"] = previous


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=SPEC_FILE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    # The transforms note what they could not apply to this spec version (INFO, to stderr).
    logging.basicConfig(format="note: %(message)s")
    logging.getLogger("scripts").setLevel(logging.INFO)
    if not args.spec.exists():
        print(f"error: {args.spec} is missing; run `make spec` first", file=sys.stderr)
        return 1
    try:
        result = run_generator(load_spec_file(args.spec), args.output)
    except (SpecError, GenerationError) as exc:
        print(f"error: make generate: {exc}", file=sys.stderr)
        return 1
    modules = sum(1 for path in (result.package_dir / "api").rglob("*.py") if path.name != "__init__.py")
    models = sum(1 for path in (result.package_dir / "models").glob("*.py") if path.name != "__init__.py")
    where = result.package_dir.relative_to(ROOT) if result.package_dir.is_relative_to(ROOT) else result.package_dir
    print(f"generated {where}: {modules} operations, {models} model modules, 0 warnings, {result.seconds:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
