"""What a Windows DLL exports and imports, read from its PE tables with pefile.

Used by the tests and the build report to prove a cross-compiled plugin is what Orthanc for
Windows can load: the right PE flavour, exactly the Orthanc entry points exported, and only
``pythonXY.dll`` plus system DLLs imported.  pefile reads the structures themselves, so nothing
depends on how a tool prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# IMAGE_FILE_HEADER.Machine -> the short name used here.
_MACHINES = {0x8664: "AMD64", 0x14C: "I386", 0xAA64: "ARM64"}


@dataclass(frozen=True)
class PeInfo:
    machine: str  # "AMD64" / "I386" / "ARM64"
    magic: str  # "PE32+" / "PE32"
    is_dll: bool
    timestamp: int  # TimeDateStamp of the file header; 0 when none is recorded
    dll_name: str | None  # the name in the export directory
    exports: tuple[str, ...]
    imports: dict[str, tuple[str, ...]]  # DLL name as recorded -> imported symbol names (by name)


def read_pe(path: Path) -> PeInfo:
    import pefile

    try:
        pe = pefile.PE(str(path), fast_load=True)
    except pefile.PEFormatError as error:
        raise ValueError(f"{path}: not a PE image ({error})") from None
    try:
        pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_EXPORT"],
                                               pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"]])
        export_dir = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
        exports = tuple(s.name.decode() for s in export_dir.symbols if s.name) if export_dir else ()
        dll_name = export_dir.name.decode() if export_dir and export_dir.name else None
        imports = {entry.dll.decode(): tuple(i.name.decode() for i in entry.imports if i.name)
                   for entry in getattr(pe, "DIRECTORY_ENTRY_IMPORT", [])}
        return PeInfo(
            machine=_MACHINES.get(pe.FILE_HEADER.Machine, hex(pe.FILE_HEADER.Machine)),
            magic="PE32+" if pe.OPTIONAL_HEADER.Magic == pefile.OPTIONAL_HEADER_MAGIC_PE_PLUS else "PE32",
            is_dll=bool(pe.FILE_HEADER.IMAGE_FILE_DLL),
            timestamp=int(pe.FILE_HEADER.TimeDateStamp),
            dll_name=dll_name,
            exports=exports,
            imports=imports,
        )
    finally:
        pe.close()


# DLLs present on every Windows that CPython 3.9+ supports.  msvcrt.dll is a system DLL too but is
# deliberately absent: pythonXY.dll uses the UCRT, and a second C runtime in the process is a bug.
_SYSTEM_DLLS = {"kernel32.dll", "advapi32.dll", "user32.dll", "shell32.dll", "ws2_32.dll", "ole32.dll"}


def is_system_dll(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SYSTEM_DLLS or lowered.startswith("api-ms-win-crt-") or lowered == "ucrtbase.dll"
