"""Which symbols ``pythonXY.dll`` exports, and which of them are data, from the CPython source.

Two sources, merged:

* the stable-ABI list of ``python3.dll`` (``PC/python3dll.c``'s ``EXPORT_FUNC``/``EXPORT_DATA``,
  or ``PC/python3.def`` before 3.10): every entry is forwarded to ``pythonXY.dll``, so it is
  certainly exported there, and it says which are data;
* every ``PyAPI_FUNC``/``PyAPI_DATA`` declaration that the public headers make visible to a
  Windows build.  The headers are run through the MinGW preprocessor with the Windows
  ``pyconfig.h``, so ``#ifdef Py_DEBUG``, ``MS_WINDOWS`` and friends are resolved exactly as for
  the plugin; the two macros expand to ``__declspec(dllimport)`` (data also to ``extern``), which
  marks each declaration.  Only lines that the preprocessor attributes to CPython's own headers
  count, so the Windows SDK's dllimport declarations are ignored.

An import library needs the data/function split: a data symbol is only reachable through its
``__imp_`` pointer, and dlltool must not make a call thunk for it.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Exports:
    functions: frozenset[str]
    data: frozenset[str]

    def __or__(self, other: Exports) -> Exports:
        data = self.data | other.data
        return Exports(functions=(self.functions | other.functions) - data, data=data)

    def __len__(self) -> int:
        return len(self.functions) + len(self.data)


# ---------------------------------------------------------------------------- stable ABI list

_DLL_C_ENTRY = re.compile(r"^EXPORT_(FUNC|DATA)\((\w+)\)", re.MULTILINE)
_DEF_ENTRY = re.compile(r"^\s+(\w+)=\w+\.\w+(\s+DATA)?\s*$", re.MULTILINE)


def stable_abi_exports(path: Path) -> Exports:
    """Parse PC/python3dll.c or PC/python3.def."""
    text = path.read_text(encoding="utf-8", errors="replace")
    functions: set[str] = set()
    data: set[str] = set()
    if path.suffix == ".def":
        for match in _DEF_ENTRY.finditer(text):
            (data if match[2] else functions).add(match[1])
    else:
        for match in _DLL_C_ENTRY.finditer(text):
            (data if match[1] == "DATA" else functions).add(match[2])
    if not functions:
        raise ValueError(f"{path}: no exports found")
    return Exports(frozenset(functions), frozenset(data))


# ---------------------------------------------------------------------------- header scan

_LINEMARKER = re.compile(r'^# \d+ "((?:\\.|[^"\\])*)"')
_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[A-Za-z_]\w*|\d[\w.]*|\S')
_IDENT = re.compile(r"[A-Za-z_]\w*")
_DLLIMPORT = ["__attribute__", "(", "(", "dllimport", ")", ")"]
# Public headers that need something a plain Windows build does not have.
_NOT_STANDALONE = {"py_curses.h"}


def scan_header_exports(gcc: Path, include_dir: Path, defines: Iterable[str] = ()) -> Exports:
    """Every dllimport declaration of the public headers, preprocessed by `gcc` for Windows."""
    extras = _headers_outside_python_h(gcc, include_dir, defines)
    text = _preprocess(gcc, include_dir, defines, ["Python.h", *extras])
    functions: set[str] = set()
    data: set[str] = set()
    for is_data, name in _declarations(_tokens(_lines_from(text, include_dir))):
        (data if is_data else functions).add(name)
    if not functions:
        raise ValueError(f"no PyAPI_FUNC declaration found below {include_dir}")
    return Exports(frozenset(functions - data), frozenset(data))


def _preprocess(gcc: Path, include_dir: Path, defines: Iterable[str], headers: list[str]) -> str:
    source = "".join(f"#include <{h}>\n" for h in headers)
    with tempfile.TemporaryDirectory() as tmp:
        unit = Path(tmp) / "exports.c"
        unit.write_text(source)
        done = subprocess.run(
            [str(gcc), "-std=c11", "-E", f"-I{include_dir}", *(f"-D{d}" for d in defines), str(unit)],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, done.args, done.stdout, done.stderr)
    return done.stdout


def _headers_outside_python_h(gcc: Path, include_dir: Path, defines: Iterable[str]) -> list[str]:
    """Top-level public headers that Python.h leaves out (marshal.h, frameobject.h, ...) and that
    preprocess on their own after it; the rest are for CPython's own build or other platforms."""
    defines = list(defines)
    candidates = sorted(
        p.name for p in include_dir.glob("*.h") if p.name not in _NOT_STANDALONE and p.name != "Python.h"
    )
    try:
        _preprocess(gcc, include_dir, defines, ["Python.h", *candidates])
        return candidates
    except subprocess.CalledProcessError:
        pass
    usable = []
    for name in candidates:
        try:
            _preprocess(gcc, include_dir, defines, ["Python.h", name])
        except subprocess.CalledProcessError:
            continue
        usable.append(name)
    return usable


def _lines_from(text: str, include_dir: Path) -> Iterator[str]:
    """The preprocessed lines that came from a header below `include_dir`."""
    root = str(include_dir.resolve())
    inside = False
    for line in text.splitlines():
        marker = _LINEMARKER.match(line)
        if marker:
            inside = str(Path(marker[1]).resolve()).startswith(root + "/")
        elif inside:
            yield line


def _tokens(lines: Iterable[str]) -> list[str]:
    return [token for line in lines for token in _TOKEN.findall(line)]


def _declarations(tokens: list[str]) -> Iterator[tuple[bool, str]]:
    """(is_data, name) for each declaration that starts with the dllimport attribute.

    The declarator decides, not PyAPI_DATA's `extern`: 3.9 declares the function
    _PyEval_SetProfile with PyAPI_DATA, and it is still a function."""
    width = len(_DLLIMPORT)
    i = 0
    while i < len(tokens):
        if tokens[i] != "__attribute__" or tokens[i : i + width] != _DLLIMPORT:
            i += 1
            continue
        end = _statement_end(tokens, i + width)
        declared = _declarator(tokens[i + width : end])
        if declared is None:
            raise ValueError(f"cannot find the declared name in: {' '.join(tokens[i : end + 1])}")
        yield declared
        i = end + 1


def _statement_end(tokens: list[str], start: int) -> int:
    depth = 0
    for j in range(start, len(tokens)):
        if tokens[j] in "([{":
            depth += 1
        elif tokens[j] in ")]}":
            depth -= 1
        elif tokens[j] == ";" and depth == 0:
            return j
    return len(tokens)


def _skip_group(tokens: list[str], open_index: int) -> int:
    """Index just past the parenthesised group that opens at `open_index`."""
    depth = 0
    for j in range(open_index, len(tokens)):
        if tokens[j] == "(":
            depth += 1
        elif tokens[j] == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(tokens)


def _declarator(decl: list[str]) -> tuple[bool, str] | None:
    """(is_data, identifier) of `type name(...)` (a function), or of the data declarations
    `type name;`, `type name[N];`, `type (*name)(...)`, `type *(*name)(...)`; attributes
    (`__attribute__((...))`) are skipped wherever they stand."""
    last_ident: str | None = None
    j = 0
    while j < len(decl):
        token = decl[j]
        if token == "__attribute__":
            j = _skip_group(decl, j + 1)
            continue
        if token == "(":
            inner = decl[j + 1 : _skip_group(decl, j) - 1]
            if inner and inner[0] == "*":  # pointer to function: the name is inside
                name = next((t for t in inner if _IDENT.fullmatch(t) and t != "const"), None)
                return None if name is None else (True, name)
            return None if last_ident is None else (False, last_ident)
        if token == "[":
            break
        if _IDENT.fullmatch(token):
            last_ident = token
        j += 1
    return None if last_ident is None else (True, last_ident)
