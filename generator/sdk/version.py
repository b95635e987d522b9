"""SDK release numbers ("1.12.10") as comparable values."""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    revision: int

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse "MAJOR.MINOR.REVISION"; ValueError names the text when it is not that."""
        match = _VERSION_RE.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"{text!r} is not a version of the form MAJOR.MINOR.REVISION")
        return cls(int(match[1]), int(match[2]), int(match[3]))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.revision}"
