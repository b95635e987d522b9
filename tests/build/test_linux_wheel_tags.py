"""Linux wheel tags that `auditwheel show` agrees with.

A host build links this machine's libpython by absolute RUNPATH: it is named `linux_<arch>` (its
folder under dist/ and its wheel), and auditwheel says exactly that.  A late-binding build links no
libpython: auditwheel finds it manylinux-compliant, which is what cibuildwheel's `auditwheel repair`
relies on to name the CI wheels `manylinux_*`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from generator.build.matrix import load_matrix
from generator.paths import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux wheels")]


def _wheel_of(plugin_dir: Path, out: Path) -> Path:
    source = out / "src"
    shutil.copytree(REPO_ROOT / "wheel", source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    env = {**os.environ, "ORTHANC_PYTHON_PLUGIN_DIR": str(plugin_dir), "PIP_NO_INDEX": "1"}
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "wheel", "--no-deps",
                    "--no-build-isolation", "-w", str(out / "wheels"), str(source)],
                   env=env, check=True, capture_output=True, timeout=300)
    [wheel] = (out / "wheels").glob("*.whl")
    return wheel


def _auditwheel_show(wheel: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "auditwheel", "show", str(wheel)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return " ".join(done.stdout.split())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (os.environ.get("ORTHANC_SDK_HEADERS") or Path("/usr/include/orthanc/OrthancCPlugin.h").is_file()):
        pytest.skip("no SDK header source here: set ORTHANC_SDK_HEADERS or install orthanc-dev")
    pytest.importorskip("auditwheel", reason="auditwheel is a dev dependency (pip install auditwheel)")
    from generator.build.pipeline import generate

    return generate(load_matrix().default_sdk, tmp_path_factory.mktemp("rendered")).sources


def test_host_build_is_named_and_audited_linux(rendered: Path, tmp_path: Path) -> None:
    from generator.build.host import build_host
    from generator.build.python_info import query_python

    info = query_python(sys.executable)
    if not info.shared:
        pytest.skip(f"{sys.executable} has no shared libpython: its host build is a late-binding one")
    machine = sysconfig.get_platform().split("-", 1)[1]
    built = build_host(load_matrix().default_sdk, sys.executable, tmp_path / "dist")
    assert built.plugin.parent.name == f"{info.tag}-linux_{machine}"
    wheel = _wheel_of(built.plugin.parent, tmp_path)
    assert wheel.name.endswith(f"-{info.tag}-{info.tag}-linux_{machine}.whl")
    shown = _auditwheel_show(wheel)
    assert f'is consistent with the following platform tag: "linux_{machine}"' in shown, shown


def test_late_binding_build_audits_as_manylinux(rendered: Path, tmp_path: Path) -> None:
    from generator.build.compile import compile_plugin

    plugin_dir = tmp_path / "plugin"
    compile_plugin(rendered, rendered, sys.executable, plugin_dir, late_binding=True)
    shutil.copyfile(rendered / "orthanc.pyi", plugin_dir / "orthanc.pyi")
    with tempfile.TemporaryDirectory() as scratch:
        shown = _auditwheel_show(_wheel_of(plugin_dir, Path(scratch)))
    assert re.search(r'is consistent with the following platform tag: "manylinux_2_\d+_', shown), shown
