"""Places an SDK header can come from, tried in a fixed order by generator.sdk.resolve.

Each source answers one question: "do you have OrthancCPlugin.h for this version?"  It returns the
bytes it found (a `Found`) or one line saying why not; checking those bytes is not its job, except
for the system header, which is shared by all versions and so only counts when it *is* the
release asked for.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..paths import cache_root
from .checksum import declared_version, sha256_bytes
from .errors import NotAnSdkHeaderError
from .manifest import Manifest, Release, display_path
from .version import Version

HEADER_NAME = "OrthancCPlugin.h"
SDK_HEADERS_ENV = "ORTHANC_SDK_HEADERS"
TIMEOUT_ENV = "ORTHANC_SDK_FETCH_TIMEOUT"
DEFAULT_TIMEOUT = 10.0
# The largest release header is ~420 kB; anything far bigger is not a header.
MAX_DOWNLOAD = 8 * 1024 * 1024


@dataclass(frozen=True)
class Found:
    data: bytes
    source: str  # cache | env | system | upstream | file
    origin: str  # the path or URL, as shown to users
    path: Path | None = None  # where the bytes are on disk, when they are


class Source(Protocol):
    name: str
    offline: bool

    def find(self, version: str, release: Release | None) -> Found | str: ...


def cache_path(version: str) -> Path:
    return cache_root() / "sdk" / version / HEADER_NAME


class CacheSource:
    """Headers fetched earlier: `<cache root>/sdk/<version>/OrthancCPlugin.h`."""

    name = "cache"
    offline = True

    def find(self, version: str, release: Release | None) -> Found | str:
        path = cache_path(version)
        if not path.is_file():
            return f"no {display_path(path)}"
        return Found(path.read_bytes(), self.name, display_path(path), path)


class EnvDirSource:
    """A folder of releases named by `$ORTHANC_SDK_HEADERS`: `<dir>/<version>/OrthancCPlugin.h`."""

    name = "env"
    offline = True

    def find(self, version: str, release: Release | None) -> Found | str:
        root = os.environ.get(SDK_HEADERS_ENV)
        if not root:
            return f"{SDK_HEADERS_ENV} not set"
        path = Path(root).expanduser() / version / HEADER_NAME
        if not path.is_file():
            return f"no {path}"
        return Found(path.read_bytes(), self.name, str(path), path)


class SystemSource:
    """A header installed by the distribution (orthanc-dev), used only for the release it is.

    A listed release is recognised by its sha256 (declared versions lag releases, so they cannot
    tell 1.12.6 from 1.12.7); a release missing from the manifest by its declared version.
    """

    name = "system"
    offline = True

    def __init__(self, paths: tuple[Path, ...]) -> None:
        self.paths = paths

    def find(self, version: str, release: Release | None) -> Found | str:
        reasons = []
        for path in self.paths:
            if not path.is_file():
                reasons.append(f"no {path}")
                continue
            data = path.read_bytes()
            if release is not None:
                digest = sha256_bytes(data)
                if digest == release.sha256:
                    return Found(data, self.name, str(path), path)
                reasons.append(f"{path} is another release (sha256 {digest[:12]}…)")
                continue
            try:
                declared = declared_version(data, str(path))
            except NotAnSdkHeaderError as error:
                reasons.append(str(error))
                continue
            if declared == Version.parse(version):
                return Found(data, self.name, str(path), path)
            reasons.append(f"{path} declares {declared}")
        return "; ".join(reasons) if reasons else "no system header configured"


class UpstreamSource:
    """The release's header at its upstream URL (pattern from the manifest), with a short timeout."""

    name = "upstream"
    offline = False

    def __init__(self, manifest: Manifest, timeout: float | None = None) -> None:
        self.manifest = manifest
        self.timeout = timeout if timeout is not None else float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT))

    def find(self, version: str, release: Release | None) -> Found | str:
        url = self.manifest.upstream_url(version)
        if url is None:
            return f"no upstream URL pattern covers {version}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 (http(s) only, checked on load)
                data = response.read(MAX_DOWNLOAD + 1)
        except urllib.error.HTTPError as error:
            return f"{url}: HTTP {error.code} {error.reason}"
        except urllib.error.URLError as error:
            return f"{url}: unreachable ({error.reason}){_offline_hint(version)}"
        except (TimeoutError, OSError) as error:  # a timeout while reading is not wrapped in URLError
            return f"{url}: unreachable ({error}){_offline_hint(version)}"
        if len(data) > MAX_DOWNLOAD:
            return f"{url}: answer larger than {MAX_DOWNLOAD} bytes, not a header"
        return Found(data, self.name, url)


def _offline_hint(version: str) -> str:
    return f"; without network, put the header in ${SDK_HEADERS_ENV}/{version}/ or pass --header PATH"


def default_sources(manifest: Manifest) -> list[Source]:
    """The order of issue 2: cache, $ORTHANC_SDK_HEADERS, system header, upstream."""
    return [CacheSource(), EnvDirSource(), SystemSource(manifest.system_headers), UpstreamSource(manifest)]
