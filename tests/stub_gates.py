"""What a rendered orthanc.pyi says each item needs from the running Orthanc.

Items newer than the plugin's floor carry "Needs Orthanc X.Y.Z or later" in their docstring
(functions, classes, methods, enumerations and their members); on an older Orthanc the module leaves
them out.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

NEEDS = re.compile(r"[Nn]eeds Orthanc (\d+)\.(\d+)\.(\d+) or later")

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    major, minor, revision = (int(part) for part in text.split("."))
    return major, minor, revision


def _version_in(text: str | None) -> Version | None:
    found = NEEDS.search(text or "")
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def _needs(node: ast.AST) -> Version | None:
    return _version_in(ast.get_docstring(node) if isinstance(node, ast.FunctionDef | ast.ClassDef) else None)


def stub_items(stub: Path) -> dict[str, Version | None]:
    """"Name", "Class.Method" and "Enum.MEMBER" -> the release it needs (None: every Orthanc the
    plugin starts in). Private names (stub-only protocols) are left out."""
    items: dict[str, Version | None] = {}
    for node in ast.parse(stub.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            items[node.name] = _needs(node)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            outer = _needs(node)
            items[node.name] = outer
            body = node.body
            for index, item in enumerate(body):
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                    items[f"{node.name}.{item.name}"] = _needs(item) or outer
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    # An enumeration member: its docstring is the string right after it.
                    following = body[index + 1] if index + 1 < len(body) else None
                    doc = (following.value.value if isinstance(following, ast.Expr)
                           and isinstance(following.value, ast.Constant)
                           and isinstance(following.value.value, str) else None)
                    items[f"{node.name}.{item.target.id}"] = _version_in(doc) or outer
    return items


def absent_in(stub: Path, running: Version) -> set[str]:
    """The items of the stub that an Orthanc of release `running` does not get."""
    return {name for name, needs in stub_items(stub).items() if needs is not None and needs > running}


def host_orthanc_version(binary: str) -> Version | None:
    """The release of an Orthanc binary (`Orthanc --version`), None if it does not say."""
    import subprocess

    try:
        done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"Orthanc (\d+)\.(\d+)\.(\d+)", done.stdout)
    return (int(found[1]), int(found[2]), int(found[3])) if found else None
