"""The model a build renders from: the target release's header, with the since-version of every
item taken from the history of headers (the run-time gates of newer items need them all).

One header alone only knows what its annotations say (most enumeration members and the functions
older than the annotations have none); the releases before the target, from the history folder
(`$ORTHANC_SDK_HEADERS`, else `../shared/sdk_headers`, else the header cache), fill the rest. The
merged model is cached under `<cache>/since-models/`, keyed by the checksums of the headers, since
parsing some sixty headers takes seconds. Without any older header the single-header model is
used: items of unknown release are then taken as available in every Orthanc.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from generator.atomic_files import write_texts
from generator.model import serialize
from generator.model.entities import Model
from generator.model.history import history_headers, merge_history, parse_all
from generator.model.since import version_key
from generator.parse.clang_setup import ParseError
from generator.paths import cache_root


def _history_dir() -> Path:
    from generator.report.inputs import default_history_dir

    return default_history_dir()


def model_for_build(header: Path, release: str) -> Model:
    from generator.parse.header_parser import model_from_header

    try:
        older = [(r, p) for r, p in history_headers(_history_dir()) if version_key(r) < version_key(release)]
    except (ParseError, ValueError):
        older = []
    if not older:
        from generator.plan.plan import load_yaml

        if version_key(release) <= version_key(load_yaml("runtime.yaml")["floor"]):
            return model_from_header(header, release)  # nothing is newer than the floor: no gates
        print(f"warning: no SDK headers older than {release} in {_history_dir()}: items without a since "
              "annotation are taken as available in every Orthanc the plugin starts in", file=sys.stderr)
        return model_from_header(header, release)
    headers = [*older, (release, header)]
    digest = hashlib.sha256()
    for version, path in headers:
        digest.update(f"{version}:{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    cached = cache_root() / "since-models" / f"{release}-{digest.hexdigest()[:16]}.json"
    if cached.is_file():
        try:
            return serialize.read(cached)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged cache entry is rebuilt
    model = merge_history(parse_all(headers, jobs=min(len(headers), os.cpu_count() or 1)))
    write_texts({cached.name: serialize.dumps(model)}, cached.parent)
    return model
