"""An independent reading of OrthancCPlugin.h by regular expressions, to check the report against.

It knows nothing of libclang, the model or the plan: an SDK function is a line that defines an
`ORTHANC_PLUGIN_INLINE` function named OrthancPlugin* (optionally after ORTHANC_PLUGIN_DEPRECATED).
"""

from __future__ import annotations

import re
from pathlib import Path

_DEFINITION = re.compile(
    r"^[ \t]*(ORTHANC_PLUGIN_DEPRECATED\s+)?ORTHANC_PLUGIN_INLINE\s+[\w\s*]*?\b(OrthancPlugin\w+)\s*\(",
    re.MULTILINE,
)


def definitions(header: Path) -> list[tuple[str, bool]]:
    """(function name, marked ORTHANC_PLUGIN_DEPRECATED) in header order."""
    text = header.read_text(encoding="utf-8", errors="replace")
    return [(name, bool(deprecated)) for deprecated, name in _DEFINITION.findall(text)]


def function_names(header: Path) -> set[str]:
    return {name for name, _ in definitions(header)}


def deprecated_by_macro(header: Path) -> set[str]:
    return {name for name, deprecated in definitions(header) if deprecated}
