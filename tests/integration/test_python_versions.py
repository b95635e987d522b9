"""Smoke test per CPython 3.8 ... 3.13 found on this machine: build, load, answer a REST route.

Callbacks run on the plugin's large-stack Python worker threads by default with every version.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build.compile import CompileResult
from generator.build.state import find_interpreter
from tests.integration.helpers import SCRIPTS_DIR
from tests.orthanc_server import OrthancServer

pytestmark = pytest.mark.integration

VERSIONS = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]


@pytest.mark.parametrize("version", VERSIONS)
def test_plugin_loads_and_answers(version: str, build_plugin: Callable[[str], CompileResult],
                                  make_server: Callable[..., OrthancServer]) -> None:
    found = find_interpreter(version)
    if found is None:
        pytest.skip(f"no working python{version} on PATH or in pyenv")
    interpreter = found[0]
    built = build_plugin(interpreter)
    assert built.python_tag == "cp" + version.replace(".", "")
    assert built.path.name == f"libOrthancPython-{built.python_tag}.so"

    server = make_server(plugin=built.path, script=SCRIPTS_DIR / "runtime_probe.py").start()
    seen = server.get_json("/probe/echo/smoke?version=" + version)
    assert seen["uri"] == "/probe/echo/smoke" and seen["get"] == {"version": version}
    assert server.get_json("/probe/extensions")["_ctypes"].endswith(".so")  # C extensions import
    assert f"Python {built.python_version}," in server.log_text()
    assert server.get("/probe/raise").status == 500
    assert server.stop() == 0, server.log_tail()


def test_plugin_file_names_differ_per_version(build_plugin: Callable[[str], CompileResult]) -> None:
    names = set()
    for version in ("3.10", "3.11"):
        found = find_interpreter(version)
        if found is None:
            pytest.skip(f"python{version} missing")
        names.add(Path(build_plugin(found[0]).path).name)
    assert names == {"libOrthancPython-cp310.so", "libOrthancPython-cp311.so"}
