"""macOS cells exercised here: the bundle's build script cross-compiled with `zig cc`, and the result
read back as Mach-O.

There is no macOS libpython on this machine, so the link uses a text-based stub (`.tbd`, the format
Apple's SDKs ship instead of dylibs) that declares what libpython exports: the dynamic symbols of
the host's libpython of the same version (the C API is the same on every Unix), under the install
name `@rpath/libpythonX.Y.dylib`.  The Python headers are the host's (Linux) ones: the C API and the
struct layouts of 64-bit Linux and macOS agree, but pyconfig.h's feature macros are Linux's, so
these binaries are checked structurally (headers, exports, imports), not run.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .compile import CompileError
from .python_info import PythonInfo

ZIG_TARGETS = {"x86_64": "x86_64-macos", "arm64": "aarch64-macos"}
TBD_TARGETS = {"x86_64": "x86_64-macos", "arm64": "arm64-macos"}


def zig_cc(arch: str) -> list[str]:
    """`zig cc` for macOS on `arch` (x86_64, arm64), from the ziglang wheel."""
    return [sys.executable, "-m", "ziglang", "cc", "-target", ZIG_TARGETS[arch]]


def _lief() -> Any:
    """lief, untyped here: its stubs type names as str | bytes and every lookup as Optional."""
    return importlib.import_module("lief")


def libpython_exports(info: PythonInfo) -> list[str]:
    """The C symbols (without Mach-O's leading underscore) that `info`'s shared libpython exports."""
    lief = _lief()

    library = Path(info.libdir) / info.instsoname
    binary = lief.parse(str(library))
    if binary is None:
        raise CompileError(f"{library}: not readable as a shared library")
    names = sorted({symbol.name for symbol in binary.exported_symbols
                    if symbol.name.startswith(("Py", "_Py"))})
    if not names:
        raise CompileError(f"{library}: exports no Py* symbol")
    return names


def write_libpython_tbd(info: PythonInfo, path: Path) -> Path:
    """A .tbd stub of libpythonX.Y.dylib for both macOS architectures."""
    targets = ", ".join(TBD_TARGETS.values())
    symbols = ", ".join(f"_{name}" for name in libpython_exports(info))
    version = f"{info.version_info[0]}.{info.version_info[1]}"
    path.write_text(
        "--- !tapi-tbd\n"
        "tbd-version: 4\n"
        f"targets: [ {targets} ]\n"
        f"install-name: '@rpath/libpython{version}.dylib'\n"
        f"current-version: {version}\n"
        f"compatibility-version: {version}\n"
        "exports:\n"
        f"  - targets: [ {targets} ]\n"
        f"    symbols: [ {symbols} ]\n"
        "...\n",
        encoding="utf-8",
    )
    return path


@dataclass(frozen=True)
class MachOInfo:
    cpu: str  # "X86_64" / "ARM64"
    filetype: str  # "DYLIB"
    install_name: str
    libraries: tuple[str, ...]  # LC_LOAD_DYLIB names
    rpaths: tuple[str, ...]
    exports: tuple[str, ...]  # without the leading underscore
    undefined: dict[str, str]  # imported symbol -> the library it is bound to ("" when flat lookup)
    two_level: bool  # MH_TWOLEVEL: every import names its library


def read_macho(path: Path) -> MachOInfo:
    lief = _lief()

    fat = lief.MachO.parse(str(path))
    if fat is None or fat.size != 1:
        raise ValueError(f"{path}: not a thin Mach-O file")
    binary = fat.at(0)
    undefined: dict[str, str] = {}
    for binding in binary.bindings:
        symbol = binding.symbol
        if symbol is None:
            continue
        library = binding.library.name if binding.has_library else ""
        undefined[symbol.name.removeprefix("_")] = library
    exports = sorted(symbol.name.removeprefix("_") for symbol in binary.exported_symbols)
    install = next((cmd.name for cmd in binary.libraries if cmd.command == lief.MachO.LoadCommand.TYPE.ID_DYLIB), "")
    return MachOInfo(
        cpu=str(binary.header.cpu_type).rsplit(".", 1)[-1],
        filetype=str(binary.header.file_type).rsplit(".", 1)[-1],
        install_name=install,
        libraries=tuple(lib.name for lib in binary.libraries if lib.command != lief.MachO.LoadCommand.TYPE.ID_DYLIB),
        rpaths=tuple(cmd.path for cmd in binary.rpaths),
        exports=tuple(exports),
        undefined=undefined,
        two_level=binary.header.has(lief.MachO.Header.FLAGS.TWOLEVEL),
    )


def check_zig() -> str | None:
    """None when `zig cc` can run here, else the reason."""
    try:
        done = subprocess.run([sys.executable, "-m", "ziglang", "version"], capture_output=True, text=True,
                              timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        return f"zig cannot run: {error}"
    return None if done.returncode == 0 else "the ziglang wheel is not installed (pip install ziglang)"
