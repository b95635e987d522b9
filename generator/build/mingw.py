"""Cross-compiling one Windows cell of the plugin on Linux with MinGW-w64.

``compile_windows_dll`` turns C sources into ``OrthancPython-<cell>.dll`` (e.g.
``OrthancPython-cp311-win_amd64.dll``) that Orthanc for Windows can load:

* C11 with ``-Wall -Wextra -Werror -O2``, the same bar as the Linux cells, and C99's printf
  formats (``%zd``) through MinGW's own stdio, which GCC checks as such;
* ``WIN32`` defined: ``OrthancCPlugin.h`` marks the entry points ``__declspec(dllexport)`` only
  under ``WIN32``, which GCC does not predefine in strict ``-std=c11`` mode;
* the Python headers, macros and import library from ``prepare_windows_python``;
* the Universal CRT (the C runtime of ``pythonXY.dll``) and a static libgcc, so the DLL imports
  ``pythonXY.dll``, ``KERNEL32.dll`` and ``api-ms-win-crt-*.dll`` and nothing a Windows host
  could lack;
* exports pinned by a ``.def`` file to the four Orthanc entry points, with automatic export of
  other globals switched off;
* reproducible bytes: no link timestamp, stripped, ``NDEBUG`` (as CPython's own Windows release
  builds), source directories mapped out of ``__FILE__``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.build.def_file import write_def
from generator.build.mingw_toolchain import MingwToolchain, find_toolchain, write_ucrt_specs
from generator.build.windows_arch import cell_name
from generator.build.windows_python import WindowsPython, prepare_windows_python

# What Orthanc looks up in a plugin (OrthancCPlugin.h, "mandatory functions").
ORTHANC_ENTRY_POINTS = (
    "OrthancPluginInitialize",
    "OrthancPluginFinalize",
    "OrthancPluginGetName",
    "OrthancPluginGetVersion",
)

C_FLAGS = ("-std=c11", "-Wall", "-Wextra", "-Werror", "-O2")
# __USE_MINGW_ANSI_STDIO: MinGW's own C99 printf family, statically linked.  GCC checks formats
# against the MSVC dialect otherwise and rejects C99's %zd/%zu under -Werror, although the UCRT
# itself would print them.
BASE_DEFINES = ("WIN32", "NDEBUG", "_UCRT", "__USE_MINGW_ANSI_STDIO=1")
LINK_FLAGS = (
    "-shared",
    "-static-libgcc",
    "-s",
    "-Wl,--no-insert-timestamp",
    "-Wl,--exclude-all-symbols",
)


class CompileError(RuntimeError):
    """The compiler or linker failed; the message carries its command and output."""


@dataclass(frozen=True)
class WindowsDll:
    path: Path
    cell: str  # "cp311-win_amd64"
    python: WindowsPython
    compiler: str  # first line of `gcc --version`
    command: tuple[str, ...]  # the gcc command line, for logs and the manifest
    sha256: str
    size: int


def dll_file_name(python_version: str, arch: str) -> str:
    """'OrthancPython-cp311-win_amd64.dll'."""
    return f"OrthancPython-{cell_name(python_version, arch)}.dll"


def probe_windows_cell(python_version: str, arch: str) -> WindowsPython:
    """Raise Unavailable unless a cell can be built here (cross tools, that CPython's source);
    prepares and caches the Python side as a side effect.  Meant as the matrix's probe."""
    find_toolchain(arch)
    return prepare_windows_python(python_version, arch)


def compile_windows_dll(
    sources: Sequence[Path],
    include_dirs: Iterable[Path],
    defines: Iterable[str],
    arch: str,
    python_version: str,
    output: Path,
    *,
    exports: Sequence[str] = ORTHANC_ENTRY_POINTS,
) -> WindowsDll:
    """Compile and link `sources` into the DLL `output` (its name is also the name the DLL
    records for itself; `dll_file_name` gives the matrix's).  Raises Unavailable when the
    toolchain or that Python's source cannot be had here, CompileError when the code is at fault.
    """
    toolchain = find_toolchain(arch)
    python = prepare_windows_python(python_version, arch)
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mingw-") as tmp:
        work = Path(tmp)
        command = _command(
            toolchain,
            python,
            sources=[Path(s).resolve() for s in sources],
            include_dirs=[Path(d).resolve() for d in include_dirs],
            defines=list(defines),
            specs=write_ucrt_specs(toolchain, work / "ucrt.specs"),
            exports_def=write_def(work / "exports.def", output.name, exports),
            # Relative: ld derives the DLL's preferred image base from the output name it is
            # given, so a temporary directory in that name would change the bytes every build.
            output=Path(output.name),
        )
        done = subprocess.run(command, cwd=work, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise CompileError(f"{' '.join(command)}\n{done.stdout}{done.stderr}")
        # Copied beside the target first: the temporary directory may be on another file system.
        partial = output.with_name(output.name + ".partial")
        shutil.copyfile(work / output.name, partial)
        partial.replace(output)
    data = output.read_bytes()
    return WindowsDll(
        path=output,
        cell=cell_name(python_version, arch),
        python=python,
        compiler=toolchain.version,
        command=tuple(_redact_temp(command, tmp)),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )


def _command(
    toolchain: MingwToolchain,
    python: WindowsPython,
    *,
    sources: list[Path],
    include_dirs: list[Path],
    defines: list[str],
    specs: Path,
    exports_def: Path,
    output: Path,
) -> list[str]:
    all_defines = [*BASE_DEFINES, *python.defines, *defines]
    # __FILE__ (assert, Python's own inline helpers) must not carry this machine's paths.
    prefix_maps = {str(s.parent): "src" for s in sources}
    prefix_maps.update({str(d): f"python{python.version}" for d in python.include_dirs})
    return [
        str(toolchain.gcc),
        f"-specs={specs}",
        *C_FLAGS,
        *(f"-D{d}" for d in all_defines),
        *(f"-I{d}" for d in [*include_dirs, *python.include_dirs]),
        *(f"-ffile-prefix-map={old}={new}" for old, new in sorted(prefix_maps.items())),
        *(str(s) for s in sources),
        str(exports_def),
        str(python.import_lib),
        *LINK_FLAGS,
        "-o",
        str(output),
    ]


def _redact_temp(command: list[str], tmp: str) -> list[str]:
    return [part.replace(tmp, "$TMP") for part in command]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m generator.build.mingw CELL SOURCE... [-I DIR] [-D NAME] [-o DIR]`: build one
    Windows cell; prints the result as JSON, or "skipped: reason" (exit status 2)."""
    import argparse
    import json

    from generator.build.availability import Unavailable
    from generator.build.windows_arch import parse_cell

    parser = argparse.ArgumentParser(prog="python -m generator.build.mingw", description=main.__doc__)
    parser.add_argument("cell", help="e.g. cp311-win_amd64 or cp311-win32")
    parser.add_argument("sources", nargs="+", type=Path)
    parser.add_argument("-I", dest="include_dirs", action="append", default=[], type=Path)
    parser.add_argument("-D", dest="defines", action="append", default=[])
    parser.add_argument("-o", dest="output_dir", type=Path, default=Path("dist"))
    args = parser.parse_args(argv)
    version, arch = parse_cell(args.cell)
    try:
        dll = compile_windows_dll(
            args.sources,
            args.include_dirs,
            args.defines,
            arch.platform,
            version,
            args.output_dir / dll_file_name(version, arch.platform),
        )
    except Unavailable as error:
        print(f"skipped: {error.reason}")
        return 2
    except CompileError as error:
        print(error, file=sys.stderr)
        return 1
    summary = {
        "cell": dll.cell,
        "path": str(dll.path),
        "sha256": dll.sha256,
        "size": dll.size,
        "compiler": dll.compiler,
        "python": dll.python.source,
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
