"""Synthetic SDK headers and manifests: tiny real files with the three version macros.

Their manifest is written from their real sha256, so every check runs against real bytes and a real
YAML file.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from generator.paths import REPO_ROOT

SHARED_HEADERS = Path(os.environ.get("ORTHANC_SDK_HEADERS") or REPO_ROOT.parent / "shared" / "sdk_headers")
SYSTEM_HEADER = Path("/usr/include/orthanc/OrthancCPlugin.h")


def header_text(major: int, minor: int, revision: int, body: str = "") -> bytes:
    return (
        "#pragma once\n"
        f"#define ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER     {major}\n"
        f"#define ORTHANC_PLUGINS_MINIMAL_MINOR_NUMBER     {minor}\n"
        f"#define ORTHANC_PLUGINS_MINIMAL_REVISION_NUMBER  {revision}\n"
        f"{body}\n"
    ).encode()


# Two fake releases; 2.0.1 re-ships 2.0.0's header, as real releases do.
FAKE_200 = header_text(2, 0, 0, "/* two-oh-oh */")
FAKE_210 = header_text(2, 1, 0, "/* two-one-oh */")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_manifest(path: Path, upstream_url: str | None = None, system: list[Path] | None = None) -> Path:
    lines = ["schema_version: 1"]
    if upstream_url is not None:
        lines += ["upstream:", f'  - {{first: "1.0.0", url: "{upstream_url}"}}']
    if system is not None:
        lines += ["system_headers: [" + ", ".join(f'"{p}"' for p in system) + "]"]
    lines += [
        "releases:",
        f'  - {{version: "2.0.0", declared: "2.0.0", sha256: "{sha(FAKE_200)}", bytes: {len(FAKE_200)}}}',
        f'  - {{version: "2.0.1", declared: "2.0.0", sha256: "{sha(FAKE_200)}", bytes: {len(FAKE_200)}}}',
        f'  - {{version: "2.1.0", declared: "2.1.0", sha256: "{sha(FAKE_210)}", bytes: {len(FAKE_210)}}}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
