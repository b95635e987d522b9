"""A model built from a history of headers: the newest release's model, with
the release where every item first appeared and the items later removed."""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from generator.model.entities import Evidence, HistoryInfo, Model, RemovedItem, Since
from generator.model.since import resolve, sinces, version_key
from generator.parse.clang_setup import ParseError

_VERSION_DIR = re.compile(r"^\d+\.\d+\.\d+$")
HEADER_NAME = "OrthancCPlugin.h"


def history_headers(directory: Path) -> list[tuple[str, Path]]:
    """(release, header) pairs of DIR/VERSION/OrthancCPlugin.h, oldest first."""
    if not directory.is_dir():
        raise ParseError(directory, "history directory not found")
    found = [
        (entry.name, entry / HEADER_NAME)
        for entry in directory.iterdir()
        if entry.is_dir() and _VERSION_DIR.match(entry.name) and (entry / HEADER_NAME).is_file()
    ]
    if not found:
        raise ParseError(directory, f"no VERSION/{HEADER_NAME} folders in the history directory")
    return sorted(found, key=lambda item: version_key(item[0]))


def _parse_one(item: tuple[str, Path]) -> Model:
    from generator.parse.header_parser import model_from_header

    release, path = item
    return model_from_header(path, release)


def parse_all(headers: list[tuple[str, Path]], jobs: int | None = None) -> list[Model]:
    jobs = jobs or min(len(headers), os.cpu_count() or 1)
    if jobs <= 1:
        return [_parse_one(item) for item in headers]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_parse_one, headers, chunksize=4))


def _items(model: Model) -> dict[tuple[str, str], Since]:
    return {(kind, name): since for kind, name, since in sinces(model)}


def merge_history(models: list[Model]) -> Model:
    """Combine per-release models (oldest first) into the newest one."""
    releases = [m.sdk.release or m.sdk.declared for m in models]
    present: dict[tuple[str, str], list[str]] = {}
    last_since: dict[tuple[str, str], Since] = {}
    for release, model in zip(releases, models):
        for key, since in _items(model).items():
            present.setdefault(key, []).append(release)
            last_since[key] = since

    newest = models[-1]
    oldest = releases[0]
    for key, since in _items(newest).items():
        seen = present[key]
        first = seen[0]
        source = "first-release" if first == oldest else "history"
        since.evidence.append(Evidence(source, first))
        absent = [r for r in releases if r not in seen]
        resolve(since, absent)

    removed = []
    for key, seen in present.items():
        if seen[-1] == releases[-1]:
            continue
        kind, name = key
        last_seen = seen[-1]
        since = last_since[key]
        first = seen[0]
        since.evidence.append(Evidence("first-release" if first == oldest else "history", first))
        resolve(since, [r for r in releases if r not in seen])
        removed_in = releases[releases.index(last_seen) + 1]
        removed.append(RemovedItem(kind, name, since, last_seen, removed_in))
    newest.removed = sorted(removed, key=lambda r: (r.kind, r.name))
    newest.history = HistoryInfo(releases=releases)
    return newest


def model_from_history(directory: Path, jobs: int | None = None) -> Model:
    return merge_history(parse_all(history_headers(directory), jobs))
