"""What a rendered orthanc.pyi says each item needs from the running Orthanc.

Items newer than the plugin's floor carry "Needs Orthanc X.Y.Z or later" in their docstring
(functions, classes, methods, enumerations) or "# Orthanc X.Y.Z+" after an enumeration member; on an
older Orthanc the module leaves them out.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

NEEDS = re.compile(r"Needs Orthanc (\d+)\.(\d+)\.(\d+) or later")
MEMBER = re.compile(r"^    ([A-Z0-9_]+): int = -?\d+  # Orthanc (\d+)\.(\d+)\.(\d+)\+$")

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    major, minor, revision = (int(part) for part in text.split("."))
    return major, minor, revision


def _needs(node: ast.AST) -> Version | None:
    doc = ast.get_docstring(node) if isinstance(node, ast.FunctionDef | ast.ClassDef) else None
    found = NEEDS.search(doc or "")
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def stub_items(stub: Path) -> dict[str, Version | None]:
    """"Name", "Class.Method" and "Enum.MEMBER" -> the release it needs (None: every Orthanc the
    plugin starts in)."""
    text = stub.read_text(encoding="utf-8")
    items: dict[str, Version | None] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef):
            items[node.name] = _needs(node)
        elif isinstance(node, ast.ClassDef):
            outer = _needs(node)
            items[node.name] = outer
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                    items[f"{node.name}.{item.name}"] = _needs(item) or outer
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    items[f"{node.name}.{item.target.id}"] = outer
    current = None
    for line in text.splitlines():
        if line.startswith("class "):
            current = line[len("class "):].split(":")[0].split("(")[0]
        member = MEMBER.match(line)
        if member and current:
            items[f"{current}.{member[1]}"] = (int(member[2]), int(member[3]), int(member[4]))
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
