"""What a Windows DLL exports and imports, read from its PE tables with MinGW's objdump.

Used by the tests and the build report to prove a cross-compiled plugin is what Orthanc for
Windows can load: the right PE flavour, exactly the Orthanc entry points exported, and only
``pythonXY.dll`` plus system DLLs imported.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_FORMAT = re.compile(r"file format (\S+)")
_MAGIC = re.compile(r"^Magic\s+\w+\s+\((PE32\+?)\)", re.MULTILINE)
_TIMESTAMP = re.compile(r"^Time/Date\s+(.+)$", re.MULTILINE)
_EXPORT_NAME = re.compile(r"^Name\s+[0-9a-fA-F]+\s+(\S+)$", re.MULTILINE)
_EXPORT_ENTRY = re.compile(r"^\t\[\s*\d+\] (\S+)$")
_IMPORT_DLL = re.compile(r"^\tDLL Name: (\S+)$")
_IMPORT_ENTRY = re.compile(r"^\t[0-9a-fA-F]+\s+\d+\s+(\S+)$")


@dataclass(frozen=True)
class PeInfo:
    objdump_format: str  # "pei-x86-64" / "pei-i386"
    magic: str  # "PE32+" / "PE32"
    is_dll: bool
    timestamp: str  # as objdump prints it; "Thu Jan  1 00:00:00 1970" when none is recorded
    dll_name: str | None  # the name in the export directory
    exports: tuple[str, ...]
    imports: dict[str, tuple[str, ...]]  # DLL name as recorded -> imported symbol names


def read_pe(objdump: Path, path: Path) -> PeInfo:
    text = subprocess.run([str(objdump), "-p", str(path)], capture_output=True, text=True, check=True).stdout
    fmt = _FORMAT.search(text)
    magic = _MAGIC.search(text)
    timestamp = _TIMESTAMP.search(text)
    if not (fmt and magic and timestamp):
        raise ValueError(f"{path}: objdump -p did not describe a PE image")
    characteristics = text.split("Characteristics", 1)[1].split("\n\n", 1)[0]
    export_name = _EXPORT_NAME.search(text)
    return PeInfo(
        objdump_format=fmt[1],
        magic=magic[1],
        is_dll="\tDLL" in characteristics,
        timestamp=timestamp[1].strip(),
        dll_name=export_name[1] if export_name else None,
        exports=_exports(text),
        imports=_imports(text),
    )


def _exports(text: str) -> tuple[str, ...]:
    if "[Ordinal/Name Pointer] Table" not in text:
        return ()
    block = text.split("[Ordinal/Name Pointer] Table", 1)[1].split("\n\n", 1)[0]
    return tuple(m[1] for line in block.splitlines() if (m := _EXPORT_ENTRY.match(line)))


def _imports(text: str) -> dict[str, tuple[str, ...]]:
    imports: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        dll = _IMPORT_DLL.match(line)
        if dll:
            current = imports.setdefault(dll[1], [])
        elif current is not None and (entry := _IMPORT_ENTRY.match(line)):
            current.append(entry[1])
        elif not line.strip() or not line.startswith("\t"):
            current = None
    return {name: tuple(symbols) for name, symbols in imports.items()}


# DLLs present on every Windows that CPython 3.9+ supports.  msvcrt.dll is a system DLL too but is
# deliberately absent: pythonXY.dll uses the UCRT, and a second C runtime in the process is a bug.
_SYSTEM_DLLS = {"kernel32.dll", "advapi32.dll", "user32.dll", "shell32.dll", "ws2_32.dll", "ole32.dll"}


def is_system_dll(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SYSTEM_DLLS or lowered.startswith("api-ms-win-crt-") or lowered == "ucrtbase.dll"
