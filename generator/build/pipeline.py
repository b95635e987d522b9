"""One cell, end to end: header -> model -> plan -> rendered C -> binary.

Every build method (host, chroot, mingw) starts from generate(); only the
compile step differs.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator.model import serialize
from generator.model.entities import Model
from generator.plan.plan import Plan, build_plan
from generator.render.render import render_plan
from generator.sdk.resolve import ResolvedHeader, resolve_header

SYSTEM_HEADER = Path("/usr/include/orthanc/OrthancCPlugin.h")


class BuildError(Exception):
    """A build that cannot go on; the message is for the user."""


@dataclass(frozen=True)
class Generated:
    header: ResolvedHeader
    model: Model
    plan: Plan
    sources: Path  # the rendered files (C, headers, orthanc.pyi, model.json)


def system_sdk_version() -> str:
    """The release of the system's SDK header (Debian orthanc-dev), by checksum."""
    from generator.sdk.manifest import load_manifest

    if not SYSTEM_HEADER.is_file():
        raise BuildError(f"{SYSTEM_HEADER} not found: install orthanc-dev or pass --sdk VERSION")
    digest = hashlib.sha256(SYSTEM_HEADER.read_bytes()).hexdigest()
    for release in load_manifest().releases:
        if release.sha256 == digest:
            return str(release.version)
    raise BuildError(f"{SYSTEM_HEADER} (sha256 {digest}) is no release of the manifest: pass --sdk VERSION "
                     "with --allow-unknown to build against it anyway")


def generate(sdk: str, work_dir: Path, *, allow_unknown: bool = False, header: Path | None = None) -> Generated:
    from generator.build.since_model import model_for_build

    if sdk == "system":
        sdk = system_sdk_version()
    resolved = resolve_header(sdk, allow_unknown=allow_unknown, header=header)
    model = model_for_build(resolved.path, resolved.version)
    plan = build_plan(model)
    sources = work_dir / "generated"
    if sources.exists():
        shutil.rmtree(sources)
    render_plan(plan, sources)
    serialize.write(model, sources / "model.json")
    # The compiler includes "OrthancCPlugin.h" from here: the verified header, never another.
    shutil.copyfile(resolved.path, sources / "OrthancCPlugin.h")
    return Generated(resolved, model, plan, sources)


def resolve_python(python: str) -> str:
    """A path to a working interpreter: '3.11', a name on PATH, or a path."""
    from generator.build.state import find_interpreter

    candidate: str | None
    if python.replace(".", "").isdigit():
        found = find_interpreter(python)
        candidate = found[0] if found else None
    else:
        candidate = shutil.which(python) or (python if Path(python).exists() else None)
    if candidate:
        try:
            subprocess.run([candidate, "-c", "import sys"], check=True, capture_output=True, timeout=30)
            return candidate
        except (OSError, subprocess.SubprocessError):
            pass
    raise BuildError(f"Python interpreter '{python}' not found or not working")
