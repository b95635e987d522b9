"""The cell of the running interpreter: what a wheel build (cibuildwheel) makes.

cibuildwheel runs the build with the target Python, natively (or cross on macOS, where it sets
_PYTHON_HOST_PLATFORM, which sysconfig honours), so the cell follows from sysconfig alone; it is
always built with the host method, whatever build_matrix.yaml says for this machine.
"""

from __future__ import annotations

import struct
import sys
import sysconfig

from .matrix import Cell, Matrix, MatrixError, with_method


def current_platform_tag() -> str:
    """cibuildwheel's platform tag of this interpreter: manylinux_x86_64, win32, macosx_arm64 ..."""
    name = sysconfig.get_platform()  # linux-x86_64, win-amd64, win32, macosx-11.0-arm64
    if name.startswith("linux-"):
        machine = name.split("-", 1)[1]
        if struct.calcsize("P") == 4 and machine == "x86_64":
            machine = "i686"
        return f"manylinux_{machine}"
    if name.startswith("macosx-"):
        return f"macosx_{name.rsplit('-', 1)[1]}"
    if name.startswith("win"):
        return name.replace("-", "_")
    raise MatrixError(f"unsupported platform {name!r}")


def host_platform_tag(*, late_binding: bool = False) -> str:
    """The platform tag a host build really has.  On Linux a plugin linked against this machine's
    libpython (by its absolute RUNPATH) runs on this machine's kind of system only: `linux_x86_64`,
    as bdist_wheel and `auditwheel show` call it.  Only a late-binding build (no libpython linked)
    can become manylinux, and then only after `auditwheel repair` checks its symbol versions; the
    matrix's cell names stay cibuildwheel's identifiers, which name that wheel."""
    tag = current_platform_tag()
    if tag.startswith("manylinux_") and not late_binding:
        return "linux_" + tag.split("_", 1)[1]
    return tag


def current_cell_id() -> str:
    return f"cp{sys.version_info[0]}{sys.version_info[1]}-{current_platform_tag()}"


def current_cell(matrix: Matrix, sdk: str | None = None) -> Cell:
    """The matrix's cell for this interpreter and `sdk` (default SDK if None), as a host build."""
    cell = matrix.find(current_cell_id(), [sdk] if sdk else None)
    return with_method(cell, "host")
