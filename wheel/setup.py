"""Builds the plugin binary into the wheel; everything else is in pyproject.toml.

The plugin is made for the interpreter running this build (cibuildwheel runs one build per target
Python), by the generator in the repository around this folder:
`python -m generator matrix build --current`.  Set ORTHANC_PYTHON_PLUGIN_DIR to a folder that
already holds a built cell (dist/<sdk>/<cell>/) to package that instead, or ORTHANC_PYTHON_BUNDLE
to an unpacked source bundle (both absolute, or relative to the repository) to compile it with the
bundle's build_plugin.py (CI does: no libclang in the wheel jobs; ORTHANC_PYTHON_SDK picks the
bundle's SDK release).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
REPO = Path(os.environ.get("ORTHANC_PYTHON_REPO", HERE.parent))
PACKAGE = "orthanc_python_plugin"
PLUGIN_SUFFIXES = (".so", ".dll", ".dylib")


def _from_folder(folder: Path) -> list[Path]:
    if not folder.is_absolute():  # relative to the repository, as CI's steps name it
        folder = REPO / folder
    files = [p for p in folder.iterdir() if p.suffix in PLUGIN_SUFFIXES or p.name == "orthanc.pyi"]
    if not any(p.suffix in PLUGIN_SUFFIXES for p in files):
        raise SystemExit(f"{folder}: no plugin binary ({', '.join(PLUGIN_SUFFIXES)}) in it")
    return files


def _build_current() -> list[Path]:
    """Run the generator for this interpreter; return the plugin (and its core) and stub it made."""
    dist = Path(tempfile.mkdtemp(prefix="orthanc-python-wheel-"))
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    command = [sys.executable, "-m", "generator", "matrix", "build", "--current", "--dist", str(dist)]
    subprocess.run(command, cwd=REPO, env=env, check=True)
    cells = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["cells"]
    if len(cells) != 1:
        raise SystemExit(f"expected one built cell in {dist}, found {len(cells)}")
    plugin = dist / cells[0]["plugin"]["path"]
    made = [plugin]
    # A late-binding build (Linux, Python without a shared libpython) has its core beside the plugin.
    core = plugin.with_name(f"{plugin.stem}-core{plugin.suffix}")
    if core.is_file():
        made.append(core)
    if cells[0].get("stub"):
        made.append(dist / cells[0]["stub"]["path"])
    return made


def _build_from_bundle(bundle: Path) -> list[Path]:
    """Compile the plugin for this interpreter with a source bundle's own build_plugin.py (made by
    `python -m generator bundle`): a C compiler and this Python are all it needs, no generator."""
    if not bundle.is_absolute():
        bundle = REPO / bundle
    out = Path(tempfile.mkdtemp(prefix="orthanc-python-wheel-"))
    command = [sys.executable, str(bundle / "build_plugin.py"), "-o", str(out)]
    if os.environ.get("ORTHANC_PYTHON_SDK"):
        command += ["--sdk", os.environ["ORTHANC_PYTHON_SDK"]]
    subprocess.run(command, cwd=bundle, check=True)
    return _from_folder(out)


class BuildPluginThenPy(build_py):
    def run(self) -> None:
        super().run()
        given = os.environ.get("ORTHANC_PYTHON_PLUGIN_DIR")
        bundle = os.environ.get("ORTHANC_PYTHON_BUNDLE")
        if given:
            files = _from_folder(Path(given))
        elif bundle:
            files = _build_from_bundle(Path(bundle))
        else:
            files = _build_current()
        target = Path(self.build_lib) / PACKAGE / "_plugin"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for path in files:
            shutil.copy2(path, target / path.name)
        # The stub also as the PEP 561 stub-only package orthanc-stubs: mypy, pyright and IDEs run with
        # this environment's interpreter find `orthanc` with no MYPYPATH.
        stub = next((p for p in files if p.name == "orthanc.pyi"), None)
        if stub is not None:
            stubs = Path(self.build_lib) / "orthanc-stubs"
            stubs.mkdir(exist_ok=True)
            shutil.copy2(stub, stubs / "__init__.pyi")


class PlatformDistribution(Distribution):
    """A binary for one CPython: the wheel must carry its Python and platform tags."""

    def has_ext_modules(self) -> bool:
        return True


setup(cmdclass={"build_py": BuildPluginThenPy}, distclass=PlatformDistribution)
