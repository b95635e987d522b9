"""What this machine can do with each cell: build it, or skip it with a reason.

Checks are cheap (no compilation) and data-driven from the cell: its method says what to look
for.  host: the same OS and architecture, a C compiler and `pythonX.Y` on PATH; chroot: root and
a created runtime; mingw: the MinGW gcc named in build_matrix.yaml; ci-runner: never here.  Then
the method needs a registered builder (generator/build/builders.py), whose optional probe may add
its own reason.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import chroot
from .availability import Unavailable
from .builders import get_builder
from .matrix import Cell

# platform.machine() spellings -> our arch names, per OS.
_MACHINE_ARCH = {
    "linux": {"x86_64": "x86_64", "amd64": "x86_64", "i686": "i686", "i386": "i686"},
    "windows": {"amd64": "x64", "x86_64": "x64", "x86": "x86", "i686": "x86"},
    "macos": {"x86_64": "x86_64", "arm64": "arm64"},
}


@dataclass(frozen=True)
class CellState:
    cell: Cell
    buildable: bool
    reason: str  # why not, or for a buildable cell what it will use

    @property
    def label(self) -> str:
        return "buildable" if self.buildable else "skipped"


def host_os() -> str:
    return {"win32": "windows", "darwin": "macos"}.get(
        sys.platform, "linux" if sys.platform.startswith("linux") else sys.platform
    )


def host_arch() -> str:
    """Architecture of this process (a 32-bit Python on a 64-bit kernel counts as 32-bit)."""
    machine = platform.machine().lower()
    arch = _MACHINE_ARCH.get(host_os(), {}).get(machine, machine)
    if struct.calcsize("P") == 4:
        arch = {"x86_64": "i686", "x64": "x86"}.get(arch, arch)
    return arch


@functools.cache
def find_interpreter(version: str) -> tuple[str, str] | None:
    """(path, description) of a working `pythonX.Y`, or None.

    PATH first; then pyenv's installed versions, because pyenv's shim for a version that is
    installed but not selected (`pyenv global`) is on PATH and only prints an error.  Each
    candidate is run once to be sure.
    """
    for path in _interpreter_candidates(version):
        description = _describe_interpreter(path, version)
        if description is not None:
            return path, description
    return None


def _interpreter_candidates(version: str) -> list[str]:
    candidates = []
    on_path = shutil.which(f"python{version}")
    if on_path is not None:
        candidates.append(on_path)
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    installed = sorted(
        pyenv_root.glob(f"versions/{version}.*/bin/python{version}"),
        key=lambda p: tuple(int(x) if x.isdigit() else -1 for x in p.parent.parent.name.split(".")),
        reverse=True,
    )
    candidates.extend(str(path) for path in installed)
    return candidates


def _describe_interpreter(path: str, version: str) -> str | None:
    probe = (
        "import struct, sys, sysconfig; "
        "print('%d.%d' % sys.version_info[:2], sys.version.split()[0], struct.calcsize('P') * 8, "
        "sysconfig.get_config_var('Py_ENABLE_SHARED') or 0)"
    )
    try:
        done = subprocess.run([path, "-c", probe], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    fields = done.stdout.split()
    if done.returncode != 0 or len(fields) != 4 or fields[0] != version:
        return None
    shared = "shared libpython" if fields[3] == "1" else "static libpython"
    return f"python{version} {fields[1]} ({fields[2]}-bit, {shared})"


def find_c_compiler() -> str | None:
    configured = os.environ.get("CC")
    if configured:
        return shutil.which(configured.split()[0])
    return shutil.which("cc") or shutil.which("gcc")


def _host(cell: Cell) -> tuple[bool, str]:
    here = (host_os(), host_arch())
    if (cell.os, cell.arch) != here:
        return False, f"needs a {cell.os} {cell.arch} host, this is {here[0]} {here[1]}"
    compiler = find_c_compiler()
    if compiler is None:
        return False, "no toolchain: no C compiler (cc, gcc or $CC) on PATH"
    found = find_interpreter(cell.python)
    if found is None:
        return False, f"no interpreter: python{cell.python} not on PATH (or it does not run)"
    return True, f"{found[1]}, {os.path.basename(compiler)}"


def _chroot(cell: Cell) -> tuple[bool, str]:
    assert cell.runtime is not None  # validated with the matrix
    runtime = chroot.get_runtime(cell.runtime)
    state = runtime.state()
    if state.status != "present":
        return False, f"chroot {cell.runtime} {state}"
    if os.geteuid() != 0:
        return False, f"chroot {cell.runtime}: needs root"
    return True, f"chroot {cell.runtime}: {state.reason}"


def _mingw(cell: Cell) -> tuple[bool, str]:
    assert cell.toolchain is not None  # validated with the matrix
    if shutil.which(cell.toolchain) is None:
        return False, f"no toolchain: {cell.toolchain} not on PATH (apt-get install mingw-w64)"
    return True, cell.toolchain


def _ci_runner(cell: Cell) -> tuple[bool, str]:
    kind = {"macos": "a macOS runner"}.get(cell.os, f"a {cell.os} {cell.arch} runner")
    return False, f"needs {kind}: built by cibuildwheel on GitHub Actions ({cell.runner}) only"


_CHECKS = {"host": _host, "chroot": _chroot, "mingw": _mingw, "ci-runner": _ci_runner}


def cell_state(cell: Cell) -> CellState:
    buildable, reason = _CHECKS[cell.method](cell)
    if not buildable:
        return CellState(cell, False, reason)
    builder = get_builder(cell.method)
    if builder is None:
        return CellState(cell, False, f"no builder registered for method {cell.method} yet ({reason})")
    if builder.probe is not None:
        try:
            builder.probe(cell)
        except (Unavailable, chroot.Unavailable) as error:
            return CellState(cell, False, error.reason)
    return CellState(cell, True, reason)


def cell_states(cells: list[Cell]) -> list[CellState]:
    return [cell_state(cell) for cell in cells]
