"""Every Windows cell this machine can build: a real MinGW-w64 cross build of a plugin that
embeds CPython, checked the way Windows' loader and Orthanc would look at it.

Cells whose CPython source is not reachable from here are skipped with apt's reason.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build.availability import Unavailable
from generator.build.mingw import (
    ORTHANC_ENTRY_POINTS,
    CompileError,
    WindowsDll,
    compile_windows_dll,
    dll_file_name,
)
from generator.build.pe_info import is_system_dll, read_pe
from generator.build.windows_arch import python_dll_name, windows_arch
from tests.headers import header

DATA = Path(__file__).with_name("data")
FAKE_PLUGIN = DATA / "fake_plugin.c"
SDK = "1.10.1"
PYTHONS = [f"3.{minor}" for minor in range(8, 15)]
ARCHES = ["win_amd64", "win32"]
# What fake_plugin.c calls; PyExc_TypeError is a data export, reached through __imp_.
PYTHON_SYMBOLS_USED = {
    "PyConfig_InitIsolatedConfig",
    "Py_InitializeFromConfig",
    "PyThread_allocate_lock",
    "PyGILState_Ensure",
    "PyExc_TypeError",
}

Build = Callable[..., WindowsDll]

pytestmark = pytest.mark.slow


def _build(version: str, arch: str, out_dir: Path, source: Path = FAKE_PLUGIN) -> WindowsDll:
    try:
        return compile_windows_dll(
            [source], [header(SDK).parent], [], arch, version, out_dir / dll_file_name(version, arch)
        )
    except Unavailable as error:
        pytest.skip(f"cp{version.replace('.', '')}-{arch}: {error.reason}")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """One build per cell for the whole module (each cell is checked by several tests)."""
    cache: dict[tuple[str, str], WindowsDll] = {}
    out_dir = tmp_path_factory.mktemp("dist")

    def get(version: str, arch: str) -> WindowsDll:
        if (version, arch) not in cache:
            cache[version, arch] = _build(version, arch, out_dir)
        return cache[version, arch]

    return get


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("version", PYTHONS)
def test_dll_is_a_pe_image_of_the_right_flavour(version: str, arch: str, built: Build) -> None:
    dll = built(version, arch)
    target = windows_arch(arch)
    assert dll.path.name == f"OrthancPython-cp{version.replace('.', '')}-{arch}.dll"
    if shutil.which("file") is not None:  # a second, independent reader of the PE header
        described = subprocess.run(["file", "-b", str(dll.path)], capture_output=True, text=True).stdout
        assert described.startswith(target.file_magic), described
    pe = read_pe(dll.path)
    assert (pe.machine, pe.magic, pe.is_dll) == (
        {"win_amd64": "AMD64", "win32": "I386"}[target.platform],
        target.file_magic.split()[0],
        True,
    )
    assert pe.dll_name == dll.path.name
    assert pe.timestamp == 0  # --no-insert-timestamp


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("version", PYTHONS)
def test_exports_are_exactly_the_orthanc_entry_points(version: str, arch: str, built: Build) -> None:
    dll = built(version, arch)
    pe = read_pe(dll.path)
    # fake_plugin_probe has external linkage: it must not leak into the export table.
    assert sorted(pe.exports) == sorted(ORTHANC_ENTRY_POINTS)


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("version", PYTHONS)
def test_imports_are_this_python_and_system_dlls_only(version: str, arch: str, built: Build) -> None:
    dll = built(version, arch)
    pe = read_pe(dll.path)
    python_dlls = [name for name in pe.imports if name.lower().startswith("python")]
    assert python_dlls == [python_dll_name(version)]
    others = sorted(name for name in pe.imports if name not in python_dlls)
    assert others and all(is_system_dll(name) for name in others), others
    assert any(name.lower().startswith("api-ms-win-crt-") for name in others)  # the UCRT, like Python
    assert set(pe.imports[python_dll_name(version)]) >= PYTHON_SYMBOLS_USED


def test_building_twice_elsewhere_gives_the_same_bytes(tmp_path: Path, built: Build) -> None:
    first = built("3.11", "win_amd64")
    # Same source text from another directory, into another output directory.
    moved = tmp_path / "elsewhere" / "fake_plugin.c"
    moved.parent.mkdir()
    shutil.copy(FAKE_PLUGIN, moved)
    second = _build("3.11", "win_amd64", tmp_path / "out", source=moved)
    assert second.sha256 == first.sha256
    assert second.path.read_bytes() == first.path.read_bytes()


@pytest.mark.parametrize("arch", ARCHES)
def test_warnings_fail_the_windows_build(arch: str, tmp_path: Path) -> None:
    source = tmp_path / "warns.c"
    source.write_text(FAKE_PLUGIN.read_text().replace("int matched;", "int matched;\n  int unused;"))
    with pytest.raises(CompileError, match="unused variable"):
        _build("3.11", arch, tmp_path, source=source)


def test_posix_only_calls_do_not_build_for_windows(tmp_path: Path) -> None:
    source = tmp_path / "posix.c"
    source.write_text("#include <dlfcn.h>\n" + FAKE_PLUGIN.read_text())
    with pytest.raises(CompileError, match=r"dlfcn\.h"):
        _build("3.11", "win_amd64", tmp_path, source=source)
