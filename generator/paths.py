"""Where the project's files and caches are, in one place.

Two layouts are supported.  In a checkout the data files (templates/, runtime/, runtime_loader/,
sdk_headers/manifest.yaml, build_matrix.yaml) sit at the repository root, found from this file, so
a checkout works without installing.  An installed generator (a wheel, `pip install .`) carries the
same files as package data in `generator/_data/`, copied there by setup.py's build step; when that
folder exists it wins.  Every cache the generator keeps on its own (SDK headers, ...) lives under
one cache root: `$ORTHANC_PYTHON_CACHE` when set (CI points it outside the clone so that it
survives between runs), else `.cache/` in a checkout, else `~/.cache/orthanc-python-gen`.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
# Filled by setup.py's build_py in wheels and sdist installs; absent in a checkout.
BUNDLED_DATA = PACKAGE_DIR / "_data"
INSTALLED = BUNDLED_DATA.is_dir()
DATA_ROOT = BUNDLED_DATA if INSTALLED else REPO_ROOT

TEMPLATES_DIR = DATA_ROOT / "templates"
RUNTIME_DIR = DATA_ROOT / "runtime"
LOADER_DIR = DATA_ROOT / "runtime_loader"
SDK_MANIFEST = DATA_ROOT / "sdk_headers" / "manifest.yaml"
DEFAULT_MATRIX = DATA_ROOT / "build_matrix.yaml"

CACHE_ENV = "ORTHANC_PYTHON_CACHE"


def cache_root() -> Path:
    """The cache root, read from the environment at each call so tests can redirect it."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    if INSTALLED:  # never inside site-packages
        return Path.home() / ".cache" / "orthanc-python-gen"
    return REPO_ROOT / ".cache"


def default_dist() -> Path:
    """dist/ of the checkout, or of the working directory for an installed generator."""
    return Path("dist") if INSTALLED else REPO_ROOT / "dist"
