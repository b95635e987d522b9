"""Errors of the SDK stage.  Each message is one line a user can act on; the CLI prints it as is."""

from __future__ import annotations


class SdkError(Exception):
    """Base class: anything that stops a header from being resolved."""


class ManifestError(SdkError):
    """The manifest file is unreadable or one of its entries is invalid (message names the path)."""


class UnknownVersionError(SdkError):
    """A version that the manifest does not list, and --allow-unknown was not given."""


class ChecksumMismatchError(SdkError):
    """A header was found but its bytes are not the release's: refused, never used."""


class HeaderNotFoundError(SdkError):
    """No source could provide the header; the message says what each source answered."""


class NotAnSdkHeaderError(SdkError):
    """A file that does not declare an SDK version (no ORTHANC_PLUGINS_MINIMAL_*_NUMBER macros)."""
