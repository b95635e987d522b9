"""The project's manifest of SDK releases (sdk_headers/manifest.yaml), loaded and validated.

Loading checks every entry and fails on the first bad one with its place in the file
(`sdk_headers/manifest.yaml: releases[3].sha256: ...`), so a typo never turns into a silently
accepted header later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..paths import REPO_ROOT, SDK_MANIFEST
from .errors import ManifestError
from .version import Version

DEFAULT_MANIFEST = SDK_MANIFEST
SCHEMA_VERSION = 1

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Release:
    """One SDK release: the checksum that identifies its header and what the header declares."""

    version: str
    declared: str
    sha256: str
    bytes: int

    @property
    def key(self) -> Version:
        return Version.parse(self.version)


@dataclass(frozen=True)
class UpstreamPattern:
    """Where headers of releases `first`..`last` (inclusive; no `last`: open-ended) are published."""

    first: Version
    last: Version | None
    url: str

    def covers(self, version: Version) -> bool:
        return self.first <= version and (self.last is None or version <= self.last)


@dataclass(frozen=True)
class Manifest:
    path: Path
    releases: tuple[Release, ...]
    upstream: tuple[UpstreamPattern, ...]
    system_headers: tuple[Path, ...]

    def get(self, version: str) -> Release | None:
        for release in self.releases:
            if release.version == version:
                return release
        return None

    def versions(self) -> list[str]:
        return [release.version for release in self.releases]

    def upstream_url(self, version: str) -> str | None:
        """The upstream URL of `version`'s header, listed or not; None if no pattern covers it."""
        try:
            wanted = Version.parse(version)
        except ValueError:
            return None
        for pattern in self.upstream:
            if pattern.covers(wanted):
                return pattern.url.format(version=version)
        return None


def display_path(path: Path) -> str:
    """`path` relative to the repository when it is inside it: what error messages show."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


class _Checker:
    """Reads typed values out of parsed YAML, raising ManifestError with the value's place."""

    def __init__(self, path: Path) -> None:
        self.prefix = display_path(path)

    def fail(self, where: str, problem: str) -> ManifestError:
        return ManifestError(f"{self.prefix}: {where}: {problem}")

    def mapping(self, value: object, where: str, required: set[str], optional: set[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"expected a mapping, got {type(value).__name__}")
        unknown = sorted(set(map(str, value)) - required - optional)
        if unknown:
            allowed = ", ".join(sorted(required | optional))
            raise self.fail(where, f"unknown key {unknown[0]!r} (allowed: {allowed})")
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(where, f"missing key {missing[0]!r}")
        return value

    def sequence(self, value: object, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {type(value).__name__}")
        return value

    def string(self, value: object, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"expected a quoted string, got {value!r}")
        return value

    def version(self, value: object, where: str) -> Version:
        text = self.string(value, where)
        try:
            return Version.parse(text)
        except ValueError as error:
            raise self.fail(where, str(error)) from None


def load_manifest(path: Path = DEFAULT_MANIFEST) -> Manifest:
    """Load and validate the manifest; ManifestError names the file and the bad entry."""
    check = _Checker(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ManifestError(f"{display_path(path)}: cannot read: {error.strerror}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ManifestError(f"{display_path(path)}{line}: not valid YAML") from None

    top = check.mapping(document, "top level", {"schema_version", "releases"}, {"upstream", "system_headers"})
    if top["schema_version"] != SCHEMA_VERSION:
        raise check.fail("schema_version", f"expected {SCHEMA_VERSION}, got {top['schema_version']!r}")

    releases = tuple(
        _release(check, entry, f"releases[{index}]")
        for index, entry in enumerate(check.sequence(top["releases"], "releases"))
    )
    if not releases:
        raise check.fail("releases", "the list is empty")
    for index in range(1, len(releases)):
        if releases[index].key <= releases[index - 1].key:
            raise check.fail(
                f"releases[{index}].version",
                f"{releases[index].version} is not after {releases[index - 1].version} (keep the list "
                "sorted, each release once)",
            )

    upstream = tuple(
        _upstream(check, entry, f"upstream[{index}]")
        for index, entry in enumerate(check.sequence(top.get("upstream", []), "upstream"))
    )
    for index, pattern in enumerate(upstream):
        for other in upstream[:index]:
            if _overlap(pattern, other):
                raise check.fail(
                    f"upstream[{index}]", f"its range overlaps the one starting at {other.first}"
                )

    system = tuple(
        Path(check.string(entry, f"system_headers[{index}]"))
        for index, entry in enumerate(check.sequence(top.get("system_headers", []), "system_headers"))
    )
    return Manifest(path=path, releases=releases, upstream=upstream, system_headers=system)


def _release(check: _Checker, entry: object, where: str) -> Release:
    fields = check.mapping(entry, where, {"version", "declared", "sha256", "bytes"}, set())
    version = check.version(fields["version"], f"{where}.version")
    declared = check.version(fields["declared"], f"{where}.declared")
    if declared > version:
        raise check.fail(f"{where}.declared", f"{declared} is newer than the release {version}")
    sha256 = check.string(fields["sha256"], f"{where}.sha256")
    if not _SHA256_RE.match(sha256):
        raise check.fail(f"{where}.sha256", f"expected 64 lower-case hex digits, got {sha256!r}")
    size = fields["bytes"]
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise check.fail(f"{where}.bytes", f"expected a positive integer, got {size!r}")
    return Release(version=str(version), declared=str(declared), sha256=sha256, bytes=size)


def _upstream(check: _Checker, entry: object, where: str) -> UpstreamPattern:
    fields = check.mapping(entry, where, {"first", "url"}, {"last"})
    first = check.version(fields["first"], f"{where}.first")
    last = check.version(fields["last"], f"{where}.last") if "last" in fields else None
    if last is not None and last < first:
        raise check.fail(f"{where}.last", f"{last} is before first {first}")
    url = check.string(fields["url"], f"{where}.url")
    if "{version}" not in url or not url.startswith(("https://", "http://")):
        raise check.fail(f"{where}.url", "expected an http(s) URL containing {version}")
    return UpstreamPattern(first=first, last=last, url=url)


def _overlap(a: UpstreamPattern, b: UpstreamPattern) -> bool:
    a_before_b = a.last is not None and a.last < b.first
    b_before_a = b.last is not None and b.last < a.first
    return not (a_before_b or b_before_a)
