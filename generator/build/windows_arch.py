"""The two Windows architectures the plugin is built for, named as cibuildwheel names them.

Everything that differs between 32- and 64-bit Windows builds is in this table: the MinGW-w64
target triplet, dlltool's machine name, what ``objdump`` and ``file`` call the resulting format,
and the macros that CPython's ``PC/pyconfig.h`` expects from the compiler (it derives ``MS_WIN64``
from ``_WIN64`` only under ``_MSC_VER``, so GCC has to be told).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class WindowsArch:
    platform: str  # cibuildwheel's platform tag, the second half of a cell name
    triplet: str  # MinGW-w64 target prefix of gcc, dlltool, objdump
    dlltool_machine: str
    objdump_format: str  # "file format ..." reported by objdump -p
    file_magic: str  # the words `file` prints for a DLL of this architecture
    python_defines: tuple[str, ...]


WINDOWS_ARCHES: dict[str, WindowsArch] = {
    "win_amd64": WindowsArch(
        platform="win_amd64",
        triplet="x86_64-w64-mingw32",
        dlltool_machine="i386:x86-64",
        objdump_format="pei-x86-64",
        file_magic="PE32+ executable (DLL)",
        python_defines=("MS_WIN64",),
    ),
    "win32": WindowsArch(
        platform="win32",
        triplet="i686-w64-mingw32",
        dlltool_machine="i386",
        objdump_format="pei-i386",
        file_magic="PE32 executable (DLL)",
        python_defines=(),
    ),
}

# Other spellings met in build_matrix.yaml, Debian and MSVC for the same two targets.
_ALIASES = {
    "x64": "win_amd64",
    "amd64": "win_amd64",
    "x86_64": "win_amd64",
    "x86": "win32",
    "i686": "win32",
    "i386": "win32",
}


def windows_arch(name: str) -> WindowsArch:
    """The architecture called `name` (a platform tag or a common alias); ValueError otherwise."""
    key = _ALIASES.get(name, name)
    try:
        return WINDOWS_ARCHES[key]
    except KeyError:
        known = ", ".join(sorted([*WINDOWS_ARCHES, *_ALIASES]))
        raise ValueError(f"unknown Windows architecture {name!r} (known: {known})") from None


def python_tag(version: str) -> str:
    """'3.11' -> '311', as in cp311 and python311.dll."""
    parts = version.split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"Python version must be X.Y, got {version!r}")
    return parts[0] + parts[1]


def cell_name(python_version: str, arch: str) -> str:
    """The build-matrix cell, in cibuildwheel's grammar: 'cp311-win_amd64'."""
    return f"cp{python_tag(python_version)}-{windows_arch(arch).platform}"


def python_dll_name(python_version: str) -> str:
    return f"python{python_tag(python_version)}.dll"


def parse_cell(cell: str) -> tuple[str, WindowsArch]:
    """'cp311-win_amd64' -> ('3.11', the win_amd64 architecture); ValueError if not a Windows cell."""
    match = re.fullmatch(r"cp3(\d+)-(\w+)", cell)
    if match is None or match[2] not in WINDOWS_ARCHES:
        raise ValueError(f"not a Windows cell name: {cell!r} (expected e.g. cp311-win_amd64)")
    return f"3.{match[1]}", WINDOWS_ARCHES[match[2]]
