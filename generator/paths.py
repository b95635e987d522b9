"""Where the project's files and caches are, in one place.

The repository root is found from this file, so a checkout works without installing.  Every
cache the generator keeps on its own (SDK headers, ...) lives under one cache root: `.cache/` in
the repository by default, or `$ORTHANC_PYTHON_CACHE` when set (CI points it outside the clone so
that it survives between runs).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

CACHE_ENV = "ORTHANC_PYTHON_CACHE"


def cache_root() -> Path:
    """The cache root, read from the environment at each call so tests can redirect it."""
    override = os.environ.get(CACHE_ENV)
    return Path(override).expanduser() if override else REPO_ROOT / ".cache"
