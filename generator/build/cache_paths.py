"""Where the Windows build layer keeps what it downloads and derives, and how it shares it safely.

Everything lives outside the repository, under ``$ORTHANC_PYTHON_CACHE`` when set, else
``~/.cache/orthanc-python-gen`` (the same root as the chroots).  Parallel builds of two cells of
one Python version meet in the same directories, so each preparation step runs under a lock file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

CACHE_ENV = "ORTHANC_PYTHON_CACHE"


def cache_root() -> Path:
    """Read at each call, so that tests can point it at a temporary directory."""
    override = os.environ.get(CACHE_ENV)
    return Path(override).expanduser() if override else Path.home() / ".cache" / "orthanc-python-gen"


def cpython_cache() -> Path:
    """CPython sources for Windows and what is derived from them (headers, import libraries)."""
    return cache_root() / "cpython-src"


@contextlib.contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_file` (created if needed) for the duration of the block."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows hosts build natively and never share this cache concurrently
        yield
        return
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
