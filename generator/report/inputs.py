"""From the command line's sources to models: the target SDK, its history, the release compared.

Sources of the target, one of:
- `--sdk VERSION`: the project's header resolution (generator.sdk), which verifies the header's
  sha256 against sdk_headers/manifest.yaml; a history folder that has VERSION provides the file;
- `--header PATH` (with `--release R` when known): any header, e.g. a release not listed yet;
- `--model model.json`: a model written by `python -m generator model`;
- `--compare OLD NEW`: NEW is the target, OLD the release compared with (each a version or a path);
- nothing: the newest release of the history, or else the build matrix's default SDK.

With a history folder (DIR/VERSION/OrthancCPlugin.h), every release older than the target is
parsed too: since-versions then come from comparing releases, and the report gets a row per
release.  All headers are parsed in one batch, in parallel.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from generator.model.entities import Model
from generator.paths import REPO_ROOT, cache_root

HEADER_NAME = "OrthancCPlugin.h"


class InputError(Exception):
    """A source of the report that cannot be used; the message says which and why."""


@dataclass
class Inputs:
    target: Model
    history: list[Model]  # oldest first, ending with target; empty without a history
    old: Model | None  # the release compared with


def default_history_dir() -> Path:
    """$ORTHANC_SDK_HEADERS, else the team's shared folder next to the checkout, else the cache."""
    env = os.environ.get("ORTHANC_SDK_HEADERS")
    if env:
        return Path(env).expanduser()
    shared = REPO_ROOT.parent / "shared" / "sdk_headers"
    return shared if shared.is_dir() else cache_root() / "sdk"


def default_sdk() -> str:
    from generator.build.matrix import MatrixError, load_matrix

    try:
        return load_matrix().default_sdk
    except MatrixError as error:
        raise InputError(f"no SDK given and the build matrix's default is unavailable: {error}") from None


@dataclass(frozen=True)
class _Header:
    release: str | None
    path: Path


def _local_headers() -> dict[str, Path]:
    """Release -> header of the default history folder, without parsing anything."""
    from generator.model.history import history_headers
    from generator.parse.clang_setup import ParseError

    try:
        return dict(history_headers(default_history_dir()))
    except ParseError:
        return {}


def _verified(version: str, history: dict[str, Path]) -> _Header:
    """A release's header through generator.sdk (checked against the manifest)."""
    from generator.sdk.errors import SdkError, UnknownVersionError
    from generator.sdk.resolve import resolve_header

    try:
        resolved = resolve_header(version, header=history.get(version))
    except UnknownVersionError as error:
        # The sdk stage suggests its own --allow-unknown; here a header file is the way.
        known = str(error).split("; pass --allow-unknown")[0]
        raise InputError(f"{known}; for a release not listed yet, give its file with --header PATH") from None
    except SdkError as error:
        raise InputError(str(error)) from None
    return _Header(version, resolved.path)


def _spec(value: str, history: dict[str, Path]) -> _Header:
    """A --compare operand: a header file, or a release version."""
    path = Path(value)
    if path.is_file():
        return _Header(None, path)
    if path.suffix == ".h" or os.sep in value:
        raise InputError(f"{value}: no such header file")
    return _verified(value, history)


def _parse(headers: list[_Header], jobs: int | None) -> list[Model]:
    from generator.model.history import parse_all

    # parse_all hands each release to model_from_header, which takes None for "not known".
    pairs = [(cast(str, h.release), h.path) for h in headers]
    return parse_all(pairs, jobs) if pairs else []


def load_inputs(
    *,
    sdk: str | None = None,
    header: Path | None = None,
    release: str | None = None,
    model: Path | None = None,
    compare: tuple[str, str] | None = None,
    history_dir: Path | None = None,
    jobs: int | None = None,
) -> Inputs:
    """The models of one report; InputError says which source cannot be used and why."""
    from generator.model.history import history_headers, merge_history
    from generator.model.serialize import read
    from generator.model.since import version_key
    from generator.parse.clang_setup import ParseError

    try:
        listed = dict(history_headers(history_dir)) if history_dir is not None else {}
    except ParseError as error:
        raise InputError(str(error)) from None
    # Where a release's header may already be on disk; generator.sdk checks its sha256 anyway.
    local = listed or _local_headers()

    target_header: _Header | None = None
    target_model: Model | None = None
    old_header: _Header | None = None
    if compare is not None:
        old_header = _spec(compare[0], local)
        target_header = _spec(compare[1], local)
    elif model is not None:
        try:
            target_model = read(model)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InputError(f"{model}: cannot read a model ({error})") from None
    elif header is not None:
        if not header.is_file():
            raise InputError(f"{header}: no such header file")
        if release is not None and not re.fullmatch(r"\d+\.\d+\.\d+", release):
            raise InputError(f"--release {release}: a release is MAJOR.MINOR.REVISION, e.g. 1.12.10")
        target_header = _Header(release, header)
    elif sdk is not None:
        target_header = _verified(sdk, local)
    elif listed:
        newest = list(listed)[-1]
        target_header = _Header(newest, listed[newest])
    else:
        target_header = _verified(default_sdk(), local)

    batch: list[_Header] = [] if target_header is None else [target_header]
    if old_header is not None:
        batch.append(old_header)
    try:
        parsed = _parse(batch, jobs)
        target = target_model if target_model is not None else parsed[0]
        old = parsed[-1] if old_header is not None else None
        if not listed:
            return Inputs(target, [], old)

        target_key = version_key(target.sdk.release or target.sdk.declared)
        older = [_Header(r, p) for r, p in listed.items() if version_key(r) < target_key]
        history = _parse(older, jobs) + [target]
    except ParseError as error:
        raise InputError(str(error)) from None
    if target.history is None:  # a model read from JSON may already carry its history
        merge_history(history)
    return Inputs(target, history, old)
