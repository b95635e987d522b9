"""An import library for a DLL we do not have, made by dlltool from its ``.def`` file.

Linking the plugin against ``pythonXY.dll`` needs only the names it exports (and which are data):
the import library turns them into ``__imp_<name>`` pointers plus call thunks, and the loader on
Windows binds them to the real DLL by name.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from generator.build.mingw_toolchain import MingwToolchain


def make_import_lib(toolchain: MingwToolchain, def_file: Path, dll_name: str, output: Path) -> Path:
    """Run dlltool; `output` is written atomically (parallel builds may read it)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    subprocess.run(
        [
            str(toolchain.dlltool),
            "--machine",
            toolchain.arch.dlltool_machine,
            "--input-def",
            str(def_file),
            "--dllname",
            dll_name,
            "--output-lib",
            str(partial),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=output.parent,
    )
    partial.replace(output)
    return output
