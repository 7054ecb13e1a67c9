"""`make dist`'s wheel and sdist install as users install packages: offline, into a clean venv.

The wheel carries the generated client (`venice_api`) beside `venice_ext`; installed with
its dependencies from wheels only (`--no-index`), the `venice` command runs, every public
name imports, and a call reaches the fake server. The sdist builds that same wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dist.wheelhouse import requirements_closure, wheel_of_installed
from venice_ext.testing import FakeVenice

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # a venv, pip and two builds: several seconds

PUBLIC_MODULES = ["venice_ext", "venice_ext.errors", "venice_ext.testing", "venice_ext.cli"]


def _run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd, env=env, timeout=300, check=False
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _offline_env() -> dict[str, str]:
    # The machine's pip configuration (indexes, find-links) must not help: only our wheelhouse counts.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PIP_", "PYTHON"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Path]]:
    """(wheel, sdist, wheelhouse): the project built as `make dist` builds it, and its dependencies."""
    # From a copy: an in-tree build leaves build/ behind, whose stale files a later wheel would ship.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("venice_ext", "venice_spec", "generated"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", dist, source)
    code = f"from setuptools import build_meta; print(build_meta.build_sdist({str(dist)!r}))"
    _run(sys.executable, "-c", code, cwd=source)
    house = tmp_path_factory.mktemp("wheelhouse")
    for name in requirements_closure(["attrs", "httpx", "msgspec", "python-dateutil", "click", "rich", "setuptools"]):
        wheel_of_installed(name, house)
    yield next(dist.glob("*.whl")), next(dist.glob("*.tar.gz")), house


def _clean_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(path)
    return path / "bin"


def test_the_wheel_holds_the_generated_client(built: tuple[Path, Path, Path]) -> None:
    wheel, _, _ = built
    names = zipfile.ZipFile(wheel).namelist()
    assert "venice_api/__init__.py" in names and "venice_api/py.typed" in names
    # The model listing the fake serves is package data, fetched at build time, never committed.
    assert "venice_ext/testing/models-snapshot.json" in names
    assert "venice_ext/py.typed" in names and not any(name.startswith(("tests/", "scripts/")) for name in names)


def test_the_wheel_installs_offline_into_a_clean_venv(built: tuple[Path, Path, Path], tmp_path: Path) -> None:
    wheel, _, house = built
    bin_dir = _clean_venv(tmp_path / "venv")
    env = _offline_env()
    _run(bin_dir / "pip", "install", "--quiet", "--find-links", house, f"{wheel}[cli]", env=env)
    assert "Usage: venice" in _run(bin_dir / "venice", "--help", env=env)
    imports = "; ".join(f"import {module} as m; [getattr(m, n) for n in m.__all__]" for module in PUBLIC_MODULES)
    # Run from elsewhere than the checkout, which `python -c` would put first on sys.path.
    where = _run(bin_dir / "python", "-c", f"{imports}; import venice_ext; print(venice_ext.__file__)", cwd=tmp_path)
    assert where.startswith(str(tmp_path / "venv")), where  # the installed copy, not this checkout
    with FakeVenice(api_key="test-key") as fake:
        listing = _run(
            bin_dir / "venice",
            "--api-key",
            "test-key",
            "--base-url",
            fake.base_url,
            "models",
            "--type",
            "text",
            env=env,
        )
        assert fake.requests_to("GET", "/models")
    assert "venice-uncensored-1-2" in listing
    # The installed fake, from its own package data: the whole listing, and Venice's 404 for a made-up model.
    own_fake = (
        "import httpx; from venice_ext.testing import FakeVenice\n"
        "with FakeVenice(api_key=None) as fake:\n"
        "    listed = httpx.get(fake.base_url + '/models?type=all').json()['data']\n"
        "    made_up = httpx.post(fake.base_url + '/embeddings', json={'model': 'no-such-model', 'input': 'x'})\n"
        "    print(len(listed), made_up.status_code)"
    )
    shipped = json.loads((ROOT / "venice_ext" / "testing" / "models-snapshot.json").read_text())
    assert _run(bin_dir / "python", "-c", own_fake, cwd=tmp_path, env=env).split() == [str(len(shipped)), "404"]


def test_the_sdist_builds_the_same_wheel_offline(built: tuple[Path, Path, Path], tmp_path: Path) -> None:
    wheel, sdist, house = built
    # With build isolation, as pip builds an sdist for a user: setuptools from the wheelhouse only.
    offline = _offline_env()
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--find-links",
        house,
        "-w",
        tmp_path,
        sdist,
        env=offline,
    )
    rebuilt = next(tmp_path.glob("*.whl"))
    assert sorted(zipfile.ZipFile(rebuilt).namelist()) == sorted(zipfile.ZipFile(wheel).namelist())
