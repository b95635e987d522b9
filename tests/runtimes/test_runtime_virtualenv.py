"""A virtual environment made inside each runtime by its own Python, named by "Python": {"VirtualEnv"}:
the script runs in it (site-packages, .pth files, sys.prefix, sys.executable for multiprocessing and
subprocess), as tests/integration/test_virtualenv.py checks on the host."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.build.chroot import runtime_names
from tests.integration.helpers import SCRIPTS_DIR
from tests.runtimes.orthanc_harness import orthanc_in
from tests.runtimes.runtime_plugins import RuntimePlugins

pytestmark = [pytest.mark.chroot, pytest.mark.integration, pytest.mark.slow]

SCRIPT = (SCRIPTS_DIR / "venv_probe.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", runtime_names())
def test_script_runs_in_a_venv_of_the_runtime(name: str, runtime_plugin: RuntimePlugins) -> None:
    plugin = runtime_plugin(name)
    runtime = plugin.runtime
    with runtime.scratch(prefix="venv-") as (inside, host), runtime.mounted():
        venv = f"{inside}/venv"
        made = subprocess.run(runtime.command([runtime.python, "-m", "venv", "--without-pip", venv]),
                              capture_output=True, text=True, timeout=120)
        if made.returncode != 0:
            pytest.fail(f"{runtime.python} -m venv failed in {name}: {made.stderr}")
        [site] = Path(host, "venv", "lib").glob("python3*/site-packages")
        (site / "venv_only_probe").mkdir()
        (site / "venv_only_probe" / "__init__.py").write_text("VALUE = 'from the venv'\n\n"
                                                              "def square(x):\n    return x * x\n")
        (host / "extra").mkdir()
        (host / "extra" / "venv_pth_probe.py").write_text("VALUE = 'through a .pth file'\n")
        (site / "venv_probe_extra.pth").write_text(f"{inside}/extra\n")
        with orthanc_in(runtime, plugin=plugin.inside, script=SCRIPT,
                        extra_config={"DicomServerEnabled": False, "WebDavEnabled": False,
                                      "Python": {"VirtualEnv": venv}}) as server:
            answer = server.get("/venv/info", timeout=120)
            assert answer.status == 200, f"{answer.text}\n{server.log_tail()}"
            info = answer.json()
    assert (info["executable"], info["prefix"]) == (f"{venv}/bin/python", venv)
    assert (info["probe"], info["pth_probe"]) == ("from the venv", "through a .pth file")
    assert info["pool"] == [1, 4, 9]
    assert info["subprocess_prefix"] == venv
