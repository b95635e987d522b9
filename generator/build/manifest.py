"""dist/manifest.json: one entry per built cell (cell, SDK, Python, compiler, size, sha256).

Entries are merged by cell key (building one cell again replaces its entry, the others stay) and
written sorted, without timestamps, so the same binaries always give the same file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..sdk.version import Version
from .builders import BuildResult
from .matrix import Cell

SCHEMA_VERSION = 1
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to dist/
    size: int
    sha256: str


@dataclass(frozen=True)
class ManifestEntry:
    cell: str  # cibuildwheel id
    sdk: str
    python: str
    os: str
    arch: str
    method: str
    compiler: str
    plugin: FileEntry
    stub: FileEntry | None

    @property
    def key(self) -> str:
        return f"{self.sdk}/{self.cell}"

    # Flat copies of the plugin's size and checksum: what most readers of the manifest want.
    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["size"] = self.plugin.size
        data["sha256"] = self.plugin.sha256
        return data


def describe_file(path: Path, dist: Path) -> FileEntry:
    data = path.read_bytes()
    return FileEntry(
        path=path.resolve().relative_to(dist.resolve()).as_posix(),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def entry_for(cell: Cell, result: BuildResult, dist: Path) -> ManifestEntry:
    return ManifestEntry(
        cell=cell.id,
        sdk=cell.sdk,
        python=cell.python,
        os=cell.os,
        arch=cell.arch,
        method=cell.method,
        compiler=result.compiler,
        plugin=describe_file(result.plugin, dist),
        stub=describe_file(result.stub, dist) if result.stub is not None else None,
    )


def read_manifest(dist: Path) -> dict[str, dict[str, Any]]:
    """Existing entries by key ("1.10.1/cp312-manylinux_x86_64"); empty when there is no manifest."""
    path = dist / MANIFEST_NAME
    if not path.is_file():
        return {}
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("schema_version") != SCHEMA_VERSION:
        return {}  # an older layout: rebuilt from scratch rather than half-merged
    return {f"{entry['sdk']}/{entry['cell']}": entry for entry in document.get("cells", [])}


def write_manifest(dist: Path, entries: Iterable[ManifestEntry]) -> Path:
    """Merge `entries` into dist/manifest.json (atomically) and return its path."""
    merged = read_manifest(dist)
    for entry in entries:
        merged[entry.key] = entry.to_json()
    ordered = sorted(merged.values(), key=_order)
    document = {"schema_version": SCHEMA_VERSION, "cells": ordered}
    dist.mkdir(parents=True, exist_ok=True)
    target = dist / MANIFEST_NAME
    handle, temporary = tempfile.mkstemp(dir=dist, prefix=f".{MANIFEST_NAME}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream, indent=2, sort_keys=True)
            stream.write("\n")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _order(entry: dict[str, Any]) -> tuple[Any, ...]:
    try:
        version = Version.parse(entry["sdk"])
        sdk: tuple[int, ...] = (version.major, version.minor, version.revision)
    except ValueError:
        sdk = ()
    python = tuple(int(part) for part in str(entry["python"]).split("."))
    return (sdk, entry["os"], entry["arch"], python, entry["cell"])
