"""Unpacking, from an upstream CPython tarball, exactly what a Windows build needs.

That is the platform-independent headers (``Include/`` without ``Include/internal/``, which is
for CPython's own build), ``PC/pyconfig.h`` (the hand-written Windows configuration; 3.13 renamed
it ``PC/pyconfig.h.in``, where the only substitution left to the MSBuild project is the optional
``Py_GIL_DISABLED`` of free-threaded builds, so the default build uses it unchanged), and the
stable-ABI export list (``PC/python3dll.c``, or ``PC/python3.def`` before 3.10), which tells
function exports of ``pythonXY.dll`` from data exports.
"""

from __future__ import annotations

import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_PC_FILES = {
    "pyconfig.h": "pyconfig.h",
    "pyconfig.h.in": "pyconfig.h",
    "python3dll.c": None,
    "python3.def": None,
}
_PLACEHOLDER = re.compile(rb"@[A-Za-z_][A-Za-z0-9_]*@")


@dataclass(frozen=True)
class CPythonWindowsFiles:
    include_dir: Path  # Include/ plus pyconfig.h: the one -I a Windows build needs
    stable_abi_list: Path  # PC/python3dll.c or PC/python3.def


def unpack_windows_files(tarball: Path, dest: Path) -> CPythonWindowsFiles:
    """Extract into `dest` (replaced whole, atomically) and describe what was found."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=dest.parent))
    try:
        _extract(tarball, staging)
        files = _describe(staging, tarball)
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return CPythonWindowsFiles(
        include_dir=dest / files.include_dir.relative_to(staging),
        stable_abi_list=dest / files.stable_abi_list.relative_to(staging),
    )


def _target(member: tarfile.TarInfo) -> PurePosixPath | None:
    """Where a tarball member goes below the staging directory, or None to skip it."""
    parts = PurePosixPath(member.name).parts
    if not member.isfile() or len(parts) < 3 or ".." in parts:
        return None
    area, rest = parts[1], parts[2:]
    if area == "Include" and rest[0] != "internal":
        return PurePosixPath("include", *rest)
    if area == "PC" and len(rest) == 1 and rest[0] in _PC_FILES:
        renamed = _PC_FILES[rest[0]]
        return PurePosixPath("include", renamed) if renamed else PurePosixPath("pc", rest[0])
    return None


def _extract(tarball: Path, staging: Path) -> None:
    # Streaming mode: one sequential pass, which is all an xz tarball allows anyway.
    with tarfile.open(tarball, "r|*") as archive:
        for member in archive:
            target = _target(member)
            if target is None:
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            path = staging.joinpath(*target.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            data = source.read()
            if target.name == "pyconfig.h" and _PLACEHOLDER.search(data):
                raise ValueError(f"{tarball.name}: {member.name} has unsubstituted placeholders")
            path.write_bytes(data)


def _describe(staging: Path, tarball: Path) -> CPythonWindowsFiles:
    include = staging / "include"
    for required in ("Python.h", "pyconfig.h"):
        if not (include / required).is_file():
            raise ValueError(f"{tarball.name} has no {required} for Windows")
    for name in ("python3.def", "python3dll.c"):  # 3.9 has both; its .c is a stub
        if (staging / "pc" / name).is_file():
            return CPythonWindowsFiles(include, staging / "pc" / name)
    raise ValueError(f"{tarball.name} has neither PC/python3dll.c nor PC/python3.def")
