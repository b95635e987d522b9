"""The "mingw" method: Windows cells of build_matrix.yaml, cross-compiled here with MinGW-w64.

The C is rendered on the host exactly as for a Linux cell (the SDK header does not depend on the
target), then runtime/*.c and the rendered *.c go through mingw.py's `compile_windows_dll` into
`OrthancPython-<cell>.dll`, with orthanc.pyi beside it.  Only the plugin version is defined: the
Linux-only macros (which libpython to make global, which interpreter multiprocessing should run)
have no meaning for a Windows build, where pythonXY.dll exports its symbols to every module anyway.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .builders import BuildResult, register
from .compile import PLUGIN_VERSION, RUNTIME_DIR, plugin_defines, plugin_sources
from .mingw import CompileError, WindowsDll, compile_windows_dll, dll_file_name, probe_windows_cell
from .pipeline import BuildError, generate
from .windows_arch import windows_arch

if TYPE_CHECKING:
    from .matrix import Cell


@dataclass(frozen=True)
class MingwBuild:
    dll: WindowsDll
    stub: Path
    sdk: str


def build_windows(sdk: str, python: str, arch: str, out_dir: Path, *, allow_unknown: bool = False,
                  header: Path | None = None, plugin_version: str = PLUGIN_VERSION) -> MingwBuild:
    """The Windows plugin for Python `python` ("3.11") and `arch` ("win_amd64", "win32" or an alias
    such as the matrix's x64/x86) against SDK `sdk`, with its stub, into `out_dir`."""
    platform = windows_arch(arch).platform
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="orthanc-python-gen-") as work:
        generated = generate(sdk, Path(work), allow_unknown=allow_unknown, header=header)
        try:
            dll = compile_windows_dll(
                plugin_sources(RUNTIME_DIR.resolve(), generated.sources.resolve()),
                [generated.sources, RUNTIME_DIR],  # the rendered folder holds the verified header
                plugin_defines(plugin_version),
                platform,
                python,
                out_dir / dll_file_name(python, platform),
            )
        except CompileError as error:
            raise BuildError(str(error)) from error
        stub = out_dir / "orthanc.pyi"
        shutil.copyfile(generated.sources / "orthanc.pyi", stub)
    return MingwBuild(dll=dll, stub=stub, sdk=generated.header.version)


def probe_mingw_cell(cell: Cell) -> None:
    """Unavailable unless the cross tools and that CPython's Windows headers can be had here."""
    probe_windows_cell(cell.python, cell.arch)


@register("mingw", probe=probe_mingw_cell)
def build_mingw_cell(cell: Cell, out_dir: Path) -> BuildResult:
    built = build_windows(cell.sdk, cell.python, cell.arch, out_dir)
    return BuildResult(plugin=built.dll.path, stub=built.stub,
                       compiler=f"{built.dll.compiler}, {built.dll.python.source}")
