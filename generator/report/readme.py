"""Keep a report's figures in a README-like file: the block between two markers is replaced.

    <!-- coverage-summary:begin ... -->
    (summary tables, rendered by templates/summary.md.j2)
    <!-- coverage-summary:end -->

Everything outside the markers is left byte for byte as it was.
"""

from __future__ import annotations

import re
from pathlib import Path

from generator.report.document import CoverageDocument
from generator.report.inputs import InputError
from generator.report.render import build_view, environment

BEGIN = "<!-- coverage-summary:begin"
END = "<!-- coverage-summary:end -->"
HEADING_LEVEL = "####"  # the block sits under a section of its host file
_BLOCK = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.DOTALL)


def summary_block(document: CoverageDocument, level: str = HEADING_LEVEL) -> str:
    template = environment().get_template("summary_block.md.j2")
    return template.render(view=build_view(document), level=level)


def splice(text: str, block: str, name: str = "the file") -> str:
    found = _BLOCK.findall(text)
    if len(found) != 1:
        what = "no" if not found else f"{len(found)}"
        raise InputError(f"{name}: {what} '{BEGIN} -->' ... '{END}' block to replace (exactly one is needed)")
    return _BLOCK.sub(lambda _match: block, text, count=1)


def update_file(path: Path, document: CoverageDocument) -> bool:
    """Replace the block in `path`; True when its text changed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    updated = splice(text, summary_block(document), str(path))
    if updated == text:
        return False
    path.write_text(updated, encoding="utf-8", newline="\n")
    return True
