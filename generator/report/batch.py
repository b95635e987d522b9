"""The set of reports `nox -s coverage` writes (reports.yaml), as command lines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPORTS = Path(__file__).parent / "reports.yaml"


class BatchError(Exception):
    pass


@dataclass(frozen=True)
class ReportSpec:
    folder: str
    args: tuple[str, ...]

    def command(self, output_root: Path) -> list[str]:
        """Arguments of `python -m generator` for this report."""
        return ["coverage", *self.args, "-o", str(output_root / self.folder)]


def _spec(index: int, raw: Any, path: Path) -> ReportSpec:
    where = f"{path.name}: reports[{index}]"
    if not isinstance(raw, dict) or set(raw) != {"folder", "args"}:
        raise BatchError(f"{where}: expected the keys folder and args")
    folder, args = raw["folder"], raw["args"]
    if not isinstance(folder, str) or not folder or "/" in folder or folder.startswith("."):
        raise BatchError(f"{where}.folder: a plain folder name, not {folder!r}")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise BatchError(f"{where}.args: a list of strings (quote versions: \"1.10\" is not 1.1)")
    if "-o" in args or "--output" in args:
        raise BatchError(f"{where}.args: the output folder comes from `folder`")
    return ReportSpec(folder, tuple(args))


def load_reports(path: Path = REPORTS) -> list[ReportSpec]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw = document.get("reports") if isinstance(document, dict) else None
    if not isinstance(raw, list) or not raw:
        raise BatchError(f"{path.name}: expected a non-empty list `reports`")
    specs = [_spec(i, item, path) for i, item in enumerate(raw)]
    folders = [s.folder for s in specs]
    duplicates = sorted({f for f in folders if folders.count(f) > 1})
    if duplicates:
        raise BatchError(f"{path.name}: folder used twice: {', '.join(duplicates)}")
    return specs
