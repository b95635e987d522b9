"""Each cell's state on this machine: buildable, or skipped with a reason a person can act on."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from pathlib import Path

import pytest

from generator.build import builders
from generator.build.availability import Unavailable
from generator.build.builders import BuildResult, get_builder, register
from generator.build.chroot import get_runtime
from generator.build.matrix import Cell, load_matrix, with_method
from generator.build.state import cell_state, find_interpreter, host_arch, host_os

RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"


@pytest.fixture(autouse=True)
def fresh_probes() -> None:
    find_interpreter.cache_clear()


@pytest.fixture
def host_cell() -> Cell:
    """A host cell for the running interpreter's version (which certainly exists here)."""
    if (host_os(), host_arch()) != ("linux", "x86_64"):
        pytest.skip("the matrix's host cells are linux x86_64")
    matrix = load_matrix()
    return with_method(matrix.find(f"cp{RUNNING.replace('.', '')}-manylinux_x86_64"), "host")


def _unused_builder(cell: Cell, out_dir: Path) -> BuildResult:
    raise AssertionError("state checks never build")


def test_ci_runner_cells_are_never_buildable_here(builder_registry) -> None:
    state = cell_state(load_matrix().find("cp312-macosx_arm64"))
    assert not state.buildable
    assert state.reason == "needs a macOS runner: built by cibuildwheel on GitHub Actions (macos-14) only"


def test_host_cell_without_builder_says_so(host_cell: Cell, builder_registry) -> None:
    state = cell_state(host_cell)
    assert not state.buildable
    assert state.reason.startswith(f"no builder registered for method host yet (python{RUNNING} ")


def test_host_cell_with_builder_is_buildable(host_cell: Cell, builder_registry) -> None:
    register("host")(_unused_builder)
    state = cell_state(host_cell)
    assert state.buildable, state.reason
    assert state.reason.startswith(f"python{RUNNING} {sys.version.split()[0]} (64-bit, ")


def test_probe_can_refuse_a_cell(host_cell: Cell, builder_registry) -> None:
    def probe(cell: Cell) -> None:
        raise Unavailable(f"no Windows CPython {cell.python} sources")

    register("host", probe=probe)(_unused_builder)
    state = cell_state(host_cell)
    assert (state.buildable, state.reason) == (False, f"no Windows CPython {RUNNING} sources")


def test_no_interpreter(
    host_cell: Cell, builder_registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    state = cell_state(dataclasses.replace(host_cell, python="3.99"))
    assert state.reason == "no interpreter: python3.99 not on PATH (or it does not run)"


def test_no_c_compiler(
    host_cell: Cell, builder_registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CC", raising=False)
    assert cell_state(host_cell).reason == "no toolchain: no C compiler (cc, gcc or $CC) on PATH"


def test_host_cannot_build_another_architecture(builder_registry) -> None:
    if host_arch() != "x86_64":
        pytest.skip("this test assumes an x86_64 host")
    cell = with_method(load_matrix().find("cp311-manylinux_i686"), "host")
    assert cell_state(cell).reason == "needs a linux i686 host, this is linux x86_64"


def test_mingw_toolchain_missing(builder_registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    state = cell_state(load_matrix().find("cp312-win_amd64"))
    assert state.reason == "no toolchain: x86_64-w64-mingw32-gcc not on PATH (apt-get install mingw-w64)"


def test_mingw_toolchain_present(builder_registry) -> None:
    if shutil.which("i686-w64-mingw32-gcc") is None:
        pytest.skip("mingw-w64 is not installed here (apt-get install mingw-w64)")
    state = cell_state(load_matrix().find("cp312-win32"))
    assert state.reason == "no builder registered for method mingw yet (i686-w64-mingw32-gcc)"


def test_chroot_not_created(builder_registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ORTHANC_PYTHON_CACHE", str(tmp_path))
    state = cell_state(load_matrix().find("cp311-manylinux_i686"))
    assert not state.buildable
    assert state.reason.startswith("chroot bookworm-i386 absent: not created yet")


def test_chroot_needs_root(builder_registry, monkeypatch: pytest.MonkeyPatch) -> None:
    cell = load_matrix().find("1.12.7/cp313-manylinux_x86_64")
    if get_runtime("trixie-amd64").state().status != "present":
        pytest.skip("the trixie-amd64 runtime is not created on this machine (nox -s runtimes)")
    register("chroot")(_unused_builder)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert cell_state(cell).reason == "chroot trixie-amd64: needs root"


def test_builtin_builder_modules_are_imported_on_demand(
    monkeypatch: pytest.MonkeyPatch, builder_registry
) -> None:
    """A method's module registers itself when first needed; a missing module means no builder."""
    monkeypatch.setitem(builders.BUILTIN_MODULES, "host", "generator.build.no_such_builder_module")
    assert get_builder("host") is None
