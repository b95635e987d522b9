"""What a header file is: its sha256 and the SDK version it declares."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .errors import NotAnSdkHeaderError
from .version import Version

_MACRO_RE = re.compile(
    rb"^[ \t]*#[ \t]*define[ \t]+ORTHANC_PLUGINS_MINIMAL_(MAJOR|MINOR|REVISION)_NUMBER[ \t]+(\d+)",
    re.MULTILINE,
)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(path.read_bytes())


def declared_version(data: bytes, origin: str) -> Version:
    """The version the ORTHANC_PLUGINS_MINIMAL_*_NUMBER macros declare.

    `origin` (a path or URL) only serves the error message.
    """
    found: dict[bytes, int] = {}
    for match in _MACRO_RE.finditer(data):
        found.setdefault(match[1], int(match[2]))
    missing = [part.decode() for part in (b"MAJOR", b"MINOR", b"REVISION") if part not in found]
    if missing:
        names = ", ".join(f"ORTHANC_PLUGINS_MINIMAL_{part}_NUMBER" for part in missing)
        raise NotAnSdkHeaderError(f"{origin}: not an Orthanc plugin SDK header (no {names} macro)")
    return Version(found[b"MAJOR"], found[b"MINOR"], found[b"REVISION"])
