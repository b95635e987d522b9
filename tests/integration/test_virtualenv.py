"""The plugin's wheel installed in a fresh virtual environment, loaded by a real Orthanc: the script
runs in that venv (its site-packages and .pth files, sys.prefix, sys.executable for multiprocessing
and subprocess) with no configuration; a venv of another Python version is refused with a log line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.build.compile import CompileResult
from generator.build.state import find_interpreter
from generator.paths import REPO_ROOT
from tests.integration.conftest import FULL_SUITE_VERSION
from tests.integration.helpers import SCRIPTS_DIR
from tests.orthanc_server import OrthancServer

pytestmark = pytest.mark.integration


def site_packages(venv: Path) -> Path:
    [found] = (venv / "lib").glob("python3*/site-packages")
    return found


@pytest.fixture(scope="module")
def wheel_venv(plugin: Path, generated_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv of the plugin's Python where the plugin's wheel (with this build) is installed."""
    setuptools = pytest.importorskip("setuptools")
    if tuple(int(part) for part in setuptools.__version__.split(".")[:2]) < (70, 1):
        pytest.skip(f"setuptools {setuptools.__version__} cannot build wheels by itself (needs 70.1+)")
    found = find_interpreter(FULL_SUITE_VERSION)
    if found is None:
        pytest.skip(f"no working python{FULL_SUITE_VERSION}")
    root = tmp_path_factory.mktemp("venv-wheel")
    prebuilt = root / "cell"
    prebuilt.mkdir()
    for path in plugin.parent.glob(plugin.stem + "*" + plugin.suffix):  # the plugin (and a late-binding core)
        shutil.copy2(path, prebuilt / path.name)
    shutil.copy2(generated_dir / "orthanc.pyi", prebuilt / "orthanc.pyi")
    source = root / "src"
    shutil.copytree(REPO_ROOT / "wheel", source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    env = {**os.environ, "ORTHANC_PYTHON_PLUGIN_DIR": str(prebuilt), "PIP_NO_INDEX": "1"}
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "wheel", "--no-deps",
                    "--no-build-isolation", "-w", str(root / "out"), str(source)],
                   env=env, check=True, capture_output=True, timeout=300)
    [wheel] = (root / "out").glob("*.whl")
    venv = make_venv(found[0], root, with_pip=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    return venv


def make_venv(python: str, root: Path, *, with_pip: bool = False) -> Path:
    """root/venv made by python, with a module in its site-packages and one reached through a .pth file."""
    venv = root / "venv"
    subprocess.run([python, "-m", "venv", *([] if with_pip else ["--without-pip"]), str(venv)],
                   check=True, capture_output=True, timeout=300)
    site = site_packages(venv)
    (site / "venv_only_probe").mkdir()
    (site / "venv_only_probe" / "__init__.py").write_text("VALUE = 'from the venv'\n\n"
                                                          "def square(x):\n    return x * x\n")
    extra = root / "pth-folder"
    extra.mkdir()
    (extra / "venv_pth_probe.py").write_text("VALUE = 'through a .pth file'\n")
    (site / "venv_probe_extra.pth").write_text(f"{extra}\n")
    return venv


def check_runs_in(venv: Path, info: dict[str, Any]) -> None:
    assert info["executable"] == str(venv / "bin" / "python")
    assert info["prefix"] == str(venv)
    assert (info["probe"], info["pth_probe"]) == ("from the venv", "through a .pth file")
    assert info["pool"] == [1, 4, 9]  # multiprocessing workers run the venv's python
    assert info["subprocess_prefix"] == str(venv)


def printed_configuration(venv: Path, script: Path) -> dict[str, object]:
    done = subprocess.run([str(venv / "bin" / "orthanc-python-plugin-path"), "--script", str(script)],
                          capture_output=True, text=True, timeout=60, check=True)
    lines = done.stdout.splitlines()
    start = lines.index("{")
    end = len(lines) - lines[::-1].index("}")
    return json.loads("\n".join(lines[start:end]))


def test_script_runs_in_the_venv_of_the_wheel(wheel_venv: Path, make_server: Callable[..., OrthancServer]) -> None:
    script = SCRIPTS_DIR / "venv_probe.py"
    config = printed_configuration(wheel_venv, script)
    assert config["Python"] == {"VirtualEnv": str(wheel_venv)}
    [plugin] = config["Plugins"]  # type: ignore[misc]
    assert Path(plugin).is_relative_to(wheel_venv)
    # Only Plugins and PythonScript: the plugin finds the venv it is installed in by itself.
    server = make_server(plugin=Path(plugin), script=script)
    server.start()
    check_runs_in(wheel_venv, server.get_json("/venv/info"))
    assert f"using the virtual environment of the plugin {wheel_venv}" in server.log_text()


def test_configured_venv_is_used(wheel_venv: Path, plugin: Path, make_server: Callable[..., OrthancServer]) -> None:
    """"Python": {"VirtualEnv": ...} with the plugin built outside any venv."""
    server = make_server(plugin=plugin, script=SCRIPTS_DIR / "venv_probe.py",
                         extra_config={"Python": {"VirtualEnv": str(wheel_venv)}})
    server.start()
    info = server.get_json("/venv/info")
    assert (info["executable"], info["probe"]) == (str(wheel_venv / "bin" / "python"), "from the venv")


@pytest.mark.parametrize("version", ["3.8", "3.13"])
def test_configured_venv_with_other_pythons(version: str, build_plugin: Callable[[str], CompileResult],
                                            tmp_path: Path, make_server: Callable[..., OrthancServer]) -> None:
    """The oldest Python (path configuration in C) and a newer one (getpath.py) than the suite's."""
    found = find_interpreter(version)
    if found is None:
        pytest.skip(f"no working python{version} on PATH or in pyenv")
    venv = make_venv(found[0], tmp_path)
    server = make_server(plugin=build_plugin(found[0]).path, script=SCRIPTS_DIR / "venv_probe.py",
                         extra_config={"Python": {"VirtualEnv": str(venv)}})
    server.start()
    check_runs_in(venv, server.get_json("/venv/info"))


def test_venv_of_another_python_is_refused(plugin: Path, tmp_path: Path,
                                           make_server: Callable[..., OrthancServer]) -> None:
    other = "3.9.18" if sys.version_info[:2] != (3, 9) else "3.10.14"
    venv = tmp_path / "old-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / "pyvenv.cfg").write_text(f"home = /usr/bin\ninclude-system-site-packages = false\nversion = {other}\n")
    server = make_server(plugin=plugin, script=SCRIPTS_DIR / "venv_probe.py",
                         extra_config={"Python": {"VirtualEnv": str(venv)}})
    server.launch()
    server.wait_exit(timeout=30)
    log = server.log_text()
    assert f'refusing "Python" > "VirtualEnv" {venv}: it was made by Python {other}' in log, server.log_tail()


def test_type_checkers_find_the_stub_of_the_wheel(wheel_venv: Path) -> None:
    """The wheel also installs orthanc-stubs: mypy run for the venv's python finds `orthanc`."""
    pytest.importorskip("mypy", reason="mypy checks the script")
    from tests.stubs.test_stubs import SCRIPTS, mypy

    done = mypy(wheel_venv / "bin" / "python", SCRIPTS / "typed_callbacks.py")
    assert done.returncode == 0 and "Success: no issues found" in done.stdout, done.stdout + done.stderr
