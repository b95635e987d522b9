"""What the compile step needs to know about a target interpreter, asked of that interpreter.

The answer comes from running the interpreter itself (its `sysconfig`), the same source as
`pythonX.Y-config --embed`, so nothing is assumed about where Pythons live.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Run by the target interpreter: any CPython >= 3.8, so keep it to old syntax.
_PROBE = r"""
import json, struct, sys, sysconfig
paths = sysconfig.get_paths()
var = sysconfig.get_config_var
print(json.dumps({
    "executable": sys.executable,
    "implementation": sys.implementation.name,
    "version": "%d.%d.%d" % sys.version_info[:3],
    "version_info": list(sys.version_info[:2]),
    "hexversion": sys.hexversion,
    "abiflags": getattr(sys, "abiflags", ""),
    "pointer_bits": struct.calcsize("P") * 8,
    "include_dirs": sorted(set([paths["include"], paths["platinclude"]])),
    "libdir": var("LIBDIR") or "",
    "ldlibrary": var("LDLIBRARY") or "",
    "instsoname": var("INSTSONAME") or "",
    "ldversion": var("LDVERSION") or "",
    "shared": bool(var("Py_ENABLE_SHARED")),
    "libs": (var("LIBS") or "").split() + (var("SYSLIBS") or "").split(),
    "platform": sysconfig.get_platform(),
}))
"""


class PythonInfoError(RuntimeError):
    """The interpreter cannot be found, cannot run, or cannot host an embedding plugin."""


@dataclass(frozen=True)
class PythonInfo:
    executable: str  # the real binary (not a launcher or shim)
    version: str  # "3.11.7"
    version_info: tuple[int, int]
    hexversion: int
    abiflags: str
    pointer_bits: int
    include_dirs: tuple[str, ...]
    libdir: str
    ldlibrary: str  # libpython3.11.so
    instsoname: str  # libpython3.11.so.1.0, the name the loader records
    ldversion: str  # 3.11 (3.13t for a free-threaded build)
    shared: bool
    libs: tuple[str, ...]
    platform: str

    @property
    def tag(self) -> str:
        """cp311, as in wheel tags and cibuildwheel identifiers."""
        return f"cp{self.version_info[0]}{self.version_info[1]}"

    @property
    def soname(self) -> str:
        """The name under which the dynamic loader knows libpython once loaded."""
        return self.instsoname or self.ldlibrary


def _run_probe(executable: str) -> dict[str, Any] | None:
    try:
        done = subprocess.run([executable, "-c", _PROBE], capture_output=True, text=True, timeout=60,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _candidates(python: str) -> list[str]:
    """Where `python` may be: a path, a name on PATH, then (for pythonX.Y) pyenv's versions."""
    candidates: list[str] = []
    if Path(python).exists():
        candidates.append(python)
    on_path = shutil.which(python)
    if on_path is not None:
        candidates.append(on_path)
    named = re.fullmatch(r"python(\d+\.\d+)", Path(python).name)
    if named is not None:
        # pyenv's shim of an installed but unselected version is on PATH and only fails.
        from generator.build.state import find_interpreter

        found = find_interpreter(named.group(1))
        if found is not None:
            candidates.append(found[0])
    return candidates


def query_python(python: str) -> PythonInfo:
    """Facts about the interpreter `python` (a name on PATH or a path), asked of it."""
    for candidate in _candidates(python):
        data = _run_probe(candidate)
        if data is not None:
            break
    else:
        raise PythonInfoError(f"Python interpreter {python!r} not found or not working")
    return info_from_probe(data, python)


PROBE_SCRIPT = _PROBE  # for interpreters run elsewhere (inside a chroot): feed its output to parse_probe


def parse_probe(output: str, python: str) -> PythonInfo:
    """The PythonInfo of an interpreter that printed `output` when running PROBE_SCRIPT."""
    try:
        data = json.loads(output)
    except json.JSONDecodeError as error:
        raise PythonInfoError(f"{python}: unreadable answer to the sysconfig probe ({error})") from None
    if not isinstance(data, dict):
        raise PythonInfoError(f"{python}: unreadable answer to the sysconfig probe")
    return info_from_probe(data, python)


def info_from_probe(data: dict[str, Any], python: str) -> PythonInfo:
    if data["implementation"] != "cpython":
        raise PythonInfoError(f"{python}: {data['implementation']} is not CPython")
    info = PythonInfo(
        executable=str(data["executable"]),
        version=str(data["version"]),
        version_info=(int(data["version_info"][0]), int(data["version_info"][1])),
        hexversion=int(data["hexversion"]),
        abiflags=str(data["abiflags"]),
        pointer_bits=int(data["pointer_bits"]),
        include_dirs=tuple(str(p) for p in data["include_dirs"]),
        libdir=str(data["libdir"]),
        ldlibrary=str(data["ldlibrary"]),
        instsoname=str(data["instsoname"]),
        ldversion=str(data["ldversion"]),
        shared=bool(data["shared"]),
        libs=tuple(str(flag) for flag in data["libs"]),
        platform=str(data["platform"]),
    )
    if info.version_info < (3, 8):
        raise PythonInfoError(f"{python}: Python {info.version} is older than 3.8")
    return info
