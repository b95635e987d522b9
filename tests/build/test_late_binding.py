"""Late-binding Linux builds: a loader without libpython finds one when Orthanc loads it.

Built with python3.11 (which has a shared libpython) but forced into late binding, then run in a
real Orthanc: the loader must find libpython by the configuration, by the recorded soname or in
the build's LIBDIR, and refuse to start, saying what it tried, when none is usable.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.build.compile import (
    LOADER_DIR,
    RUNTIME_DIR,
    CompileResult,
    build_binary,
    compile_plugin,
    loader_flags,
    loader_sources,
)
from generator.build.python_info import query_python
from generator.build.state import find_interpreter
from tests.integration.helpers import QUICK_STOP_CONFIG, write_script
from tests.orthanc_server import OrthancServer, default_binary

pytestmark = pytest.mark.integration

SDK_VERSION = "1.10.1"  # the release of the Orthanc run here
PYTHON_VERSION = "3.11"

SCRIPT = """
import _ctypes  # a C extension module in its own file: needs libpython's symbols global
import json, sys
import orthanc

def echo(output, uri, **request):
    output.AnswerBuffer(json.dumps({"version": sys.version.split()[0], "ctypes": _ctypes.__file__}),
                        "application/json")

orthanc.RegisterRestCallback("/late/echo", echo)
"""


@pytest.fixture(scope="module")
def late_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompileResult, Path]:
    """The late-binding build for python3.11, and the folder of rendered sources it came from."""
    if not sys.platform.startswith("linux"):
        pytest.skip("late binding is for Linux builds")
    if find_interpreter(PYTHON_VERSION) is None:
        pytest.skip(f"no working python{PYTHON_VERSION}")
    from generator.build.pipeline import generate

    generated = generate(SDK_VERSION, tmp_path_factory.mktemp("render")).sources
    result = compile_plugin(generated, generated, f"python{PYTHON_VERSION}", tmp_path_factory.mktemp("late"),
                            late_binding=True)
    return result, generated


@pytest.fixture
def make_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., OrthancServer]]:
    if not Path(default_binary()).exists():
        pytest.skip(f"Orthanc binary {default_binary()} not found (install Debian's orthanc or set ORTHANC_BINARY)")
    servers: list[OrthancServer] = []
    script = write_script(tmp_path / "script", "late_binding.py", SCRIPT)

    def make(plugin: Path, python_section: dict[str, Any] | None = None,
             env: dict[str, str] | None = None) -> OrthancServer:
        config: dict[str, Any] = dict(QUICK_STOP_CONFIG)
        if python_section is not None:
            config["Python"] = python_section
        server = OrthancServer(workdir=tmp_path / f"orthanc{len(servers)}", plugin=plugin, script=script,
                               extra_config=config, env=env)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for server in servers:
            print(f"\n--- log of {server.name} ---\n{server.log_tail(80)}")


def _readelf_needed(path: Path) -> list[str]:
    done = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True)
    return [line.split("[", 1)[1].rstrip("]") for line in done.stdout.splitlines() if "(NEEDED)" in line]


def _undefined_symbols(path: Path) -> set[str]:
    done = subprocess.run(["nm", "-D", "--undefined-only", str(path)], capture_output=True, text=True, check=True)
    return {line.split()[-1].split("@")[0] for line in done.stdout.splitlines() if line.strip()}


def _libpython(version: str) -> Path | None:
    found = find_interpreter(version)
    if found is None:
        return None
    info = query_python(found[0])
    path = Path(info.libdir) / info.soname
    return path if info.shared and path.is_file() else None


def test_neither_file_needs_libpython(late_build: tuple[CompileResult, Path]) -> None:
    result, _ = late_build
    assert result.late_binding and result.core_path is not None
    assert result.path.name == "libOrthancPython-cp311.so"
    assert result.core_path.name == "libOrthancPython-cp311-core.so"
    for path in (result.path, result.core_path):
        needed = _readelf_needed(path)
        assert needed and not [name for name in needed if "python" in name], (path, needed)
    # The core leaves Python's symbols to whoever loaded libpython; the loader uses none.
    assert "Py_InitializeFromConfig" in _undefined_symbols(result.core_path)
    assert not [name for name in _undefined_symbols(result.path) if name.startswith("Py")]


def test_configured_library_is_used(late_build: tuple[CompileResult, Path],
                                    make_server: Callable[..., OrthancServer]) -> None:
    library = _libpython(PYTHON_VERSION)
    if library is None:
        pytest.skip(f"python{PYTHON_VERSION} has no shared libpython file to configure")
    result, _ = late_build
    server = make_server(result.path, {"Library": str(library)}).start()
    answer = server.get_json("/late/echo")
    assert answer["version"].startswith(PYTHON_VERSION + ".")
    assert answer["ctypes"].endswith(".so")
    assert f"using libpython {library} ({library}, from the configuration)" in server.log_text()
    # /tools/reset unloads and reloads the plugin: the loader must bring the core back.
    server.reset()
    assert server.get_json("/late/echo")["version"] == answer["version"]
    assert server.stop() == 0, server.log_tail()


def test_recorded_soname_or_libdir_is_found(late_build: tuple[CompileResult, Path],
                                            make_server: Callable[..., OrthancServer]) -> None:
    result, _ = late_build
    server = make_server(result.path, env={"ORTHANC_PYTHON_LIBRARY": ""}).start()
    assert server.get_json("/late/echo")["version"].startswith(PYTHON_VERSION + ".")
    log = server.log_text()
    assert "using libpython " in log
    assert "from the library search path" in log or "from the build's LIBDIR" in log
    assert server.stop() == 0, server.log_tail()


def test_refuses_to_start_without_a_usable_libpython(late_build: tuple[CompileResult, Path], tmp_path: Path,
                                                     make_server: Callable[..., OrthancServer]) -> None:
    result, generated = late_build
    assert result.core_path is not None
    # A loader whose recorded soname and LIBDIR lead nowhere, beside a copy of the same core.
    folder = tmp_path / "nowhere"
    folder.mkdir()
    shutil.copy2(result.core_path, folder / result.core_path.name)
    flags = loader_flags(loader_dir=str(LOADER_DIR), runtime_dir=str(RUNTIME_DIR), generated_dir=str(generated),
                         sdk_include_dir=str(generated), python_version=PYTHON_VERSION,
                         soname="libpython-absent.so.1.0", libdir="/nonexistent-libdir",
                         core=result.core_path.name, filename=result.path.name)
    loader = folder / result.path.name
    build_binary("cc", loader_sources(LOADER_DIR, RUNTIME_DIR), flags.cflags, flags.ldflags, loader, 1)

    # Another Python's libpython is refused for its version, not loaded.
    other = _libpython("3.12")
    from_env = str(other) if other is not None else "/nonexistent-env/libpython3.11.so.1.0"
    server = make_server(loader, {"Library": "/nonexistent"}, env={"ORTHANC_PYTHON_LIBRARY": from_env}).launch()
    assert server.wait_exit() != 0
    log = server.log_text()
    assert "Python plugin: no libpython 3.11 found; tried" in log
    for tried in ('"Python" > "Library" /nonexistent', f"$ORTHANC_PYTHON_LIBRARY {from_env}",
                  "libpython-absent.so.1.0", "/nonexistent-libdir/libpython-absent.so.1.0"):
        assert tried in log, tried
    if other is not None:
        assert "the plugin is built for Python 3.11" in log
