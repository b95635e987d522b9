"""`pip install` of the generator gives a working `orthanc-python-generator` outside the checkout.

The wheel is built from the sdist (as `python -m build` does), installed into a fresh venv in a
temporary folder (tests/build/installed.py), and every stage runs there with no PYTHONPATH: what
it needs (templates, runtime C, SDK manifest, default matrix) must come from the package data.
"""

from __future__ import annotations

import json
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from generator.build.matrix import load_matrix
from generator.sdk.manifest import load_manifest
from tests.build.installed import REPO

pytestmark = pytest.mark.slow

DATA_FILES = [
    *sorted(p.relative_to(REPO) for p in (REPO / "templates").glob("*.j2")),
    *sorted(p.relative_to(REPO) for p in (REPO / "runtime").glob("*.[ch]")),
    Path("runtime_loader/loader.c"),
    Path("sdk_headers/manifest.yaml"),
    Path("build_matrix.yaml"),
]


def _cache_env(installed, tmp_path: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"ORTHANC_PYTHON_CACHE": str(tmp_path / "cache")}


def test_wheel_and_sdist_carry_the_data_files(installed_generator) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(installed_generator.wheel) as wheel:
        names = set(wheel.namelist())
        for relative in DATA_FILES:
            member = f"generator/_data/{relative.as_posix()}"
            assert member in names, member
            assert wheel.read(member) == (REPO / relative).read_bytes(), member
    with tarfile.open(installed_generator.sdist) as sdist:
        members = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for relative in [*DATA_FILES, Path("setup.py"), Path("MANIFEST.in")]:
        assert relative.as_posix() in members, relative


def test_installed_package_is_not_the_checkout(installed_generator) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    done = subprocess.run([str(installed_generator.python), "-c",
                           "import generator.paths as p; print(p.PACKAGE_DIR); print(p.INSTALLED)"],
                          cwd=installed_generator.work, env=installed_generator.env(),
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    package_dir, installed = done.stdout.split()
    assert Path(package_dir).is_relative_to(installed_generator.venv)
    assert installed == "True"


def test_sdk_list(installed_generator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = installed_generator.run("sdk", "list", **_cache_env(installed_generator, tmp_path))
    assert done.returncode == 0, done.stderr
    versions = {line.split()[0] for line in done.stdout.splitlines()[1:] if line.strip()}
    assert {str(r.version) for r in load_manifest().releases} <= versions


def test_model_render_coverage_build(installed_generator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The default SDK of the matrix, end to end, from headers the installed generator fetches."""
    if not (os.environ.get("ORTHANC_SDK_HEADERS") or Path("/usr/include/orthanc/OrthancCPlugin.h").is_file()):
        pytest.skip("no SDK header source here: set ORTHANC_SDK_HEADERS or install orthanc-dev")
    env = _cache_env(installed_generator, tmp_path)
    sdk = load_matrix().default_sdk
    out = tmp_path / "out"
    out.mkdir()

    fetched = installed_generator.run("sdk", "fetch", sdk, **env)
    assert fetched.returncode == 0, fetched.stderr
    header = tmp_path / "cache" / "sdk" / sdk / "OrthancCPlugin.h"
    assert header.is_file()

    model = installed_generator.run("model", str(header), "-o", str(out / "model.json"), **env)
    assert model.returncode == 0, model.stderr
    assert json.loads((out / "model.json").read_text())["sdk"]["declared"] == sdk

    rendered = installed_generator.run("render", "--model", str(out / "model.json"), "-o", str(out / "src"), **env)
    assert rendered.returncode == 0, rendered.stderr
    # The same bytes as the checkout's own generator renders from that model.
    from generator.model import serialize
    from generator.plan.plan import build_plan
    from generator.render.render import render_plan

    render_plan(build_plan(serialize.read(out / "model.json")), tmp_path / "checkout-src")
    for name in ("orthanc_generated.c", "orthanc_generated.h", "orthanc_sdk_features.h", "orthanc.pyi"):
        assert (out / "src" / name).read_bytes() == (tmp_path / "checkout-src" / name).read_bytes(), name

    coverage = installed_generator.run("coverage", "--sdk", sdk, "-o", str(out / "coverage"), **env)
    assert coverage.returncode == 0, coverage.stderr
    assert json.loads((out / "coverage" / "coverage.json").read_text())

    built = installed_generator.run("build", "--sdk", sdk, "-o", str(out / "dist"), **env)
    assert built.returncode == 0, built.stderr
    plugin = Path(built.stdout.split("plugin:", 1)[1].split()[0])
    plugin = plugin if plugin.is_absolute() else installed_generator.work / plugin
    assert plugin.is_relative_to(out / "dist")
    assert plugin.read_bytes()[:4] == b"\x7fELF"
    assert (plugin.parent / "orthanc.pyi").is_file()
