"""Where the tests find the released SDK headers (never copied into the repo)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEFAULT_HEADERS = REPO.parent / "shared" / "sdk_headers"


def headers_dir() -> Path:
    return Path(os.environ.get("ORTHANC_SDK_HEADERS", DEFAULT_HEADERS)).resolve()


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def releases() -> list[str]:
    root = headers_dir()
    if not root.is_dir():
        return []
    found = [p.name for p in root.iterdir() if re.fullmatch(r"\d+\.\d+\.\d+", p.name)]
    return sorted(found, key=version_key)


def header(version: str) -> Path:
    path = headers_dir() / version / "OrthancCPlugin.h"
    if not path.is_file():
        pytest.skip(f"SDK header {version} not available under {headers_dir()} (set ORTHANC_SDK_HEADERS)")
    return path
