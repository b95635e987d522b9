"""Module-definition (.def) files: the list of a DLL's exports, as the GNU tools read it.

One writer serves both directions: the ``.def`` of ``pythonXY.dll`` that dlltool turns into an
import library, and the ``.def`` of the plugin itself that pins its exports to the Orthanc entry
points.  Names are undecorated; on 32-bit x86 ld and dlltool add the cdecl underscore themselves.
Output is sorted, so the same list always gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def def_text(dll_name: str, functions: Iterable[str], data: Iterable[str] = (), comment: str = "") -> str:
    """`data` entries get the DATA keyword: no call thunk, only the `__imp_` pointer."""
    functions = set(functions)
    data = set(data)
    if functions & data:
        raise ValueError(f"both function and data: {sorted(functions & data)}")
    entries = [(name, "") for name in functions] + [(name, " DATA") for name in data]
    for name, _ in entries:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a C identifier: {name!r}")
    lines = [f"; {line}" for line in comment.splitlines()]
    lines += [f'LIBRARY "{dll_name}"', "EXPORTS"]
    lines += [f"    {name}{keyword}" for name, keyword in sorted(entries)]
    return "\n".join(lines) + "\n"


def write_def(
    path: Path, dll_name: str, functions: Iterable[str], data: Iterable[str] = (), comment: str = ""
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(def_text(dll_name, functions, data, comment))
    return path
