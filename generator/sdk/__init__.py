"""SDK headers: acquisition and verification (the pipeline's first stage).

`resolve_header(version)` gives the path of a verified `OrthancCPlugin.h` for an SDK release:
it looks in the cache (`.cache/sdk/<version>/`, or under `$ORTHANC_PYTHON_CACHE`), then
`$ORTHANC_SDK_HEADERS/<version>/`, then the system's `/usr/include/orthanc/` when that file is the
release, then the release's upstream URL; checks the bytes against the sha256 in
`sdk_headers/manifest.yaml`; and keeps the file in the cache.  `list_releases()` gives the
releases of that manifest.  Modules: `manifest` (load + validate), `sources` (where headers come
from), `checksum` (sha256, declared version), `resolve` (the order and the rules), `cli`.
"""

from .errors import (
    ChecksumMismatchError,
    HeaderNotFoundError,
    ManifestError,
    NotAnSdkHeaderError,
    SdkError,
    UnknownVersionError,
)
from .manifest import Manifest, Release, load_manifest
from .resolve import ResolvedHeader, list_releases, resolve_header

__all__ = [
    "ChecksumMismatchError",
    "HeaderNotFoundError",
    "Manifest",
    "ManifestError",
    "NotAnSdkHeaderError",
    "Release",
    "ResolvedHeader",
    "SdkError",
    "UnknownVersionError",
    "list_releases",
    "load_manifest",
    "resolve_header",
]
