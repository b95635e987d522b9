"""Finding the MinGW-w64 cross tools for one Windows architecture.

Debian's ``mingw-w64`` package installs ``<triplet>-gcc``, ``-dlltool`` and ``-objdump`` for both
``x86_64-w64-mingw32`` and ``i686-w64-mingw32``.  Its default gcc alternative is the ``win32``
thread model, which keeps ``libwinpthread-1.dll`` out of the plugin's imports; the ``-posix``
variant would add it, so it is reported rather than silently used.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator.build.availability import Unavailable
from generator.build.windows_arch import WindowsArch, windows_arch

INSTALL_HINT = "install Debian's mingw-w64 (apt-get install -y mingw-w64)"


@dataclass(frozen=True)
class MingwToolchain:
    arch: WindowsArch
    gcc: Path
    dlltool: Path
    objdump: Path
    version: str  # first line of `gcc --version`, recorded in the build manifest
    thread_model: str  # "win32" or "posix", from `gcc -v`


def _tool(triplet: str, name: str) -> Path:
    found = shutil.which(f"{triplet}-{name}")
    if found is None:
        raise Unavailable(f"{triplet}-{name} not found: {INSTALL_HINT}")
    return Path(found)


def _run(*argv: str | Path) -> str:
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, check=True)
    return done.stdout + done.stderr


@functools.cache
def find_toolchain(arch: str) -> MingwToolchain:
    """The cross tools for `arch` ('win_amd64', 'win32' or an alias); Unavailable if missing."""
    target = windows_arch(arch)
    gcc = _tool(target.triplet, "gcc")
    return MingwToolchain(
        arch=target,
        gcc=gcc,
        dlltool=_tool(target.triplet, "dlltool"),
        objdump=_tool(target.triplet, "objdump"),
        version=_run(gcc, "--version").splitlines()[0].strip(),
        thread_model=_thread_model(_run(gcc, "-v")),
    )


def _thread_model(gcc_v_output: str) -> str:
    for line in gcc_v_output.splitlines():
        if line.startswith("Thread model:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def write_ucrt_specs(toolchain: MingwToolchain, path: Path) -> Path:
    """A GCC specs file that links the Universal CRT instead of msvcrt.dll.

    Debian's MinGW-w64 defaults to msvcrt.dll, but every pythonXY.dll since 3.5 uses the UCRT: two
    C runtimes in one process have separate heaps, FILE tables, errno and environment, so a FILE*
    or a malloc'd pointer crossing between plugin and Python would break.  libucrt.a also carries
    the POSIX-style old names (strdup -> _strdup), so nothing falls back to msvcrt.dll.
    """
    specs = _run(toolchain.gcc, "-dumpspecs")
    if "-lmsvcrt" not in specs:
        raise Unavailable(f"{toolchain.gcc.name}: no -lmsvcrt in its specs, cannot switch to the UCRT")
    path.write_text(specs.replace("-lmsvcrt", "-lucrt"))
    return path
