"""libclang set-up: one place for the flags, the include path and diagnostics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import clang.cindex as ci

FAKE_LIBC = Path(__file__).parent / "fake_libc"

# The SDK header is C; parse it as C11 for a fixed target so that the model
# does not depend on the host. -nostdinc + our stand-in libc keeps system
# headers (and their declarations) out of the translation unit entirely.
CLANG_ARGS = [
    "-x",
    "c",
    "-std=c11",
    "-target",
    "x86_64-unknown-linux-gnu",
    "-nostdinc",
    "-isystem",
    str(FAKE_LIBC),
    "-fparse-all-comments",
    "-Wno-pragma-once-outside-header",
    # A future header may call a libc function our stand-in lacks; that is no
    # reason to reject it.
    "-Wno-implicit-function-declaration",
    "-Wno-error=implicit-function-declaration",
]


class ParseError(Exception):
    """A header that cannot be modelled; str() is one line naming file[:line]."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ParsedUnit:
    tu: ci.TranslationUnit
    path: Path
    text: str


_INDEX: ci.Index | None = None


def _index() -> ci.Index:
    global _INDEX
    if _INDEX is None:
        _INDEX = ci.Index.create()
    return _INDEX


def parse_header(path: Path) -> ParsedUnit:
    """Parse one header, failing with the first error diagnostic."""
    if not path.exists():
        raise ParseError(path, "no such file")
    if path.is_dir():
        raise ParseError(path, "is a directory, not a header file")
    raw = path.read_bytes()
    if not raw.strip():
        raise ParseError(path, "empty file")
    if b"\0" in raw:
        raise ParseError(path, "binary file, not a C header")
    text = raw.decode("utf-8", errors="replace")
    try:
        tu = _index().parse(str(path), args=CLANG_ARGS)
    except ci.TranslationUnitLoadError as exc:
        raise ParseError(path, f"libclang could not load the file ({exc})") from exc
    for diag in tu.diagnostics:
        if diag.severity >= ci.Diagnostic.Error:
            loc = diag.location
            file = loc.file.name if loc.file else str(path)
            raise ParseError(file, f"error: {diag.spelling}", line=loc.line or None)
    return ParsedUnit(tu=tu, path=path, text=text)
