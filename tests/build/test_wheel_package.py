"""wheel/: a real wheel built by pip, installed, and its console command run.

The plugin binary packaged here is a stand-in shared library compiled by the test (building the
real plugin is the builders' job); what is tested is the packaging: tags, contents, the command.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from generator.paths import REPO_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(wheel file, install target) of a wheel packaging a stand-in plugin."""
    if shutil.which("cc") is None:
        pytest.skip("needs a C compiler (cc) for the stand-in plugin")
    setuptools = pytest.importorskip("setuptools")
    if tuple(int(part) for part in setuptools.__version__.split(".")[:2]) < (70, 1):
        pytest.skip(f"setuptools {setuptools.__version__} cannot build wheels by itself (needs 70.1+)")
    root = tmp_path_factory.mktemp("wheel")
    prebuilt = root / "cell"
    prebuilt.mkdir()
    (prebuilt / "plugin.c").write_text("int stand_in(void) { return 1; }\n")
    subprocess.run(
        ["cc", "-shared", "-fPIC", "-o", "libOrthancPython.so", "plugin.c"], cwd=prebuilt, check=True
    )
    (prebuilt / "plugin.c").unlink()
    (prebuilt / "orthanc.pyi").write_text("def LogInfo(message: str) -> None: ...\n")

    source = root / "src"
    shutil.copytree(REPO_ROOT / "wheel", source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    env = {**os.environ, "ORTHANC_PYTHON_PLUGIN_DIR": str(prebuilt), "PIP_NO_INDEX": "1"}
    out = root / "out"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(source)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = out.glob("*.whl")
    target = root / "site"
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return wheel, target


def run_command(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(target)}
    return subprocess.run(
        [str(target / "bin" / "orthanc-python-plugin-path"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_wheel_is_tagged_for_this_python_and_platform(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    assert wheel.name.startswith("orthanc_python_plugin-0.1.0-")
    assert f"-{tag}-{tag}-" in wheel.name and "none-any" not in wheel.name


def test_wheel_carries_binary_stub_and_command(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert (
            "orthanc-python-plugin-path = orthanc_python_plugin.cli:main"
            in archive.read(entry_points).decode()
        )
    assert "orthanc_python_plugin/_plugin/libOrthancPython.so" in names
    assert "orthanc_python_plugin/_plugin/orthanc.pyi" in names
    assert "orthanc-stubs/__init__.pyi" in names  # PEP 561: type checkers find the stub


def test_command_prints_path_and_configuration(installed: tuple[Path, Path]) -> None:
    _, target = installed
    plugin = target / "orthanc_python_plugin" / "_plugin" / "libOrthancPython.so"
    done = run_command(target, "--script", "/srv/orthanc/hello.py")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == str(plugin)
    start = lines.index("{")
    end = lines.index("}")
    assert json.loads("\n".join(lines[start : end + 1])) == {
        "Plugins": [str(plugin)],
        "PythonScript": "/srv/orthanc/hello.py",
    }
    assert lines[-1].endswith("_plugin/orthanc.pyi")
    assert run_command(target, "--path").stdout == f"{plugin}\n"


def test_command_check_fails_without_the_binary(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, target = installed
    assert run_command(target, "--check").returncode == 0
    broken = tmp_path / "site"
    shutil.copytree(target, broken, symlinks=True)
    (broken / "orthanc_python_plugin" / "_plugin" / "libOrthancPython.so").unlink()
    done = run_command(broken, "--check")
    assert done.returncode == 2
    assert done.stderr.startswith("error: expected one plugin binary in ")


def test_wheel_with_the_real_plugin_of_this_interpreter(tmp_path: Path) -> None:
    """No prebuilt folder: setup.py runs `python -m generator matrix build --current` (what CI does)."""
    from generator.build.current import current_cell
    from generator.build.matrix import load_matrix
    from generator.build.state import cell_state

    state = cell_state(current_cell(load_matrix()))
    if not state.buildable:
        pytest.skip(f"this interpreter's cell cannot be built here: {state.reason}")
    source = tmp_path / "src"
    shutil.copytree(REPO_ROOT / "wheel", source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    env = {**os.environ, "ORTHANC_PYTHON_REPO": str(REPO_ROOT), "PIP_NO_INDEX": "1"}
    env.pop("ORTHANC_PYTHON_PLUGIN_DIR", None)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    done = subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "out"), str(source)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [wheel] = (tmp_path / "out").glob("*.whl")
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        plugin = f"orthanc_python_plugin/_plugin/libOrthancPython-{tag}.so"
        assert plugin in names and "orthanc_python_plugin/_plugin/orthanc.pyi" in names
        assert archive.read(plugin)[:4] == b"\x7fELF"
        assert b"OrthancPluginInitialize" in archive.read(plugin)
