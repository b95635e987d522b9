"""The one way a build step says "not here": an exception carrying a short, human reason.

The matrix shows a cell as ``skipped: <reason>`` when preparing it raises ``Unavailable``; every
other exception is a real failure of the build.
"""

from __future__ import annotations


class Unavailable(RuntimeError):
    """A prerequisite cannot be had on this machine (no toolchain, no source reachable, ...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
