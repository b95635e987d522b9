"""resolve_header(): find a release's OrthancCPlugin.h, verify it, keep it in the cache.

Sources are tried in order and the first that has the file wins; its bytes must then be the
release's (sha256 from the manifest), or the header is refused: a wrong file is never passed on
to the next stage, not even when a later source might have had the right one, because a bad
cache or a bad $ORTHANC_SDK_HEADERS is something the user has to know about.
A version missing from the manifest is an error unless `allow_unknown` is given; then the header
(from `header`, or from a source) is accepted and what it is gets recorded instead: its sha256 and
the version its macros declare.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .checksum import declared_version, sha256_bytes
from .errors import ChecksumMismatchError, HeaderNotFoundError, SdkError, UnknownVersionError
from .manifest import Manifest, Release, display_path, load_manifest
from .sources import Found, Source, cache_path, default_sources
from .version import Version

PROVENANCE_NAME = "provenance.json"


@dataclass(frozen=True)
class ResolvedHeader:
    """A verified header: where it is now, what it is, and where it came from."""

    version: str
    path: Path
    sha256: str
    source: str  # cache | env | system | upstream | file
    declared: str = ""
    in_manifest: bool = True
    origin: str = ""  # the path or URL it was found at


def list_releases(manifest: Manifest | None = None) -> list[Release]:
    """Every release of the manifest, oldest first."""
    return list((manifest or load_manifest()).releases)


def resolve_header(
    version: str,
    *,
    allow_unknown: bool = False,
    header: Path | None = None,
    manifest: Manifest | None = None,
    sources: Sequence[Source] | None = None,
) -> ResolvedHeader:
    """Return the verified header of SDK release `version`, cached under `<cache>/sdk/<version>/`.

    `header` skips the search and checks that file instead.  `manifest` and `sources` default to
    the project's manifest and the standard order; tests pass their own.
    """
    manifest = manifest or load_manifest()
    try:
        Version.parse(version)
    except ValueError as error:
        raise SdkError(f"SDK version {error}") from None
    release = manifest.get(version)
    if release is None and not allow_unknown:
        known = ", ".join(manifest.versions())
        raise UnknownVersionError(
            f"unknown SDK version {version} (not in {display_path(manifest.path)}); known: {known}; "
            "pass --allow-unknown to accept a header that is not listed yet"
        )

    found = _read_given(header) if header is not None else _search(version, release, manifest, sources)
    resolved = _verify(version, release, found)
    return _store(resolved, found) if found.source != "cache" else resolved


def _read_given(header: Path) -> Found:
    try:
        return Found(header.read_bytes(), "file", str(header), header)
    except OSError as error:
        raise SdkError(f"{header}: cannot read: {error.strerror}") from None


def _search(
    version: str, release: Release | None, manifest: Manifest, sources: Sequence[Source] | None
) -> Found:
    misses = []
    for source in sources if sources is not None else default_sources(manifest):
        answer = source.find(version, release)
        if isinstance(answer, Found):
            return answer
        misses.append(f"{source.name}: {answer}")
    raise HeaderNotFoundError(f"no source has OrthancCPlugin.h of SDK {version}: " + "; ".join(misses))


def _verify(version: str, release: Release | None, found: Found) -> ResolvedHeader:
    digest = sha256_bytes(found.data)
    where = f"{found.source} {found.origin}"
    if release is not None:
        if digest != release.sha256:
            hint = " (delete it to fetch again)" if found.source == "cache" else ""
            raise ChecksumMismatchError(
                f"refused OrthancCPlugin.h for SDK {version} from {where}{hint}: sha256 mismatch, "
                f"expected {release.sha256}, actual {digest}"
            )
        declared = release.declared
    else:
        declared_v = declared_version(found.data, where)
        if declared_v > Version.parse(version):
            raise SdkError(
                f"refused OrthancCPlugin.h from {where}: it declares SDK {declared_v}, newer than the "
                f"requested {version}"
            )
        declared = str(declared_v)
    return ResolvedHeader(
        version=version,
        path=found.path if found.path is not None else cache_path(version),
        sha256=digest,
        source=found.source,
        declared=declared,
        in_manifest=release is not None,
        origin=found.origin,
    )


def _store(resolved: ResolvedHeader, found: Found) -> ResolvedHeader:
    """Copy a verified header into the cache (atomically) with a note of where it came from."""
    target = cache_path(resolved.version)
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(target, found.data)
    stored = ResolvedHeader(**{**asdict(resolved), "path": target})
    provenance = {
        key: str(value) if isinstance(value, Path) else value for key, value in asdict(stored).items()
    }
    del provenance["path"]
    _atomic_write(
        target.parent / PROVENANCE_NAME, (json.dumps(provenance, indent=2, sort_keys=True) + "\n").encode()
    )
    return stored


def _atomic_write(target: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
