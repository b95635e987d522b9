"""resolve_header(): sources in order, verification, unknown releases, the system header, no network."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from generator.sdk import (
    ChecksumMismatchError,
    HeaderNotFoundError,
    NotAnSdkHeaderError,
    SdkError,
    UnknownVersionError,
    list_releases,
    load_manifest,
    resolve_header,
)
from generator.sdk.manifest import Manifest
from generator.sdk.sources import CacheSource, EnvDirSource, SystemSource, UpstreamSource, default_sources

from .synthetic import FAKE_200, FAKE_210, SYSTEM_HEADER, header_text, sha, write_manifest


def _cache_file(cache: Path, version: str) -> Path:
    return cache / "sdk" / version / "OrthancCPlugin.h"


def _put(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- the order of sources ------------------------------------------------------------------------


def test_default_order_is_cache_env_system_upstream() -> None:
    assert [s.name for s in default_sources(load_manifest())] == ["cache", "env", "system", "upstream"]


def test_each_source_in_turn(
    tmp_path: Path, isolated: Path, headers_dir: Path, upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Remove the winning source each time: the next one in the order answers, and its bytes end up
    in the cache with a provenance note."""
    system_header = _put(tmp_path / "system" / "OrthancCPlugin.h", FAKE_210)
    manifest = load_manifest(write_manifest(tmp_path / "m.yaml", upstream.pattern, system=[system_header]))
    monkeypatch.setenv("ORTHANC_SDK_HEADERS", str(headers_dir))

    # env first (the cache is empty)
    first = resolve_header("2.1.0", manifest=manifest)
    assert (first.source, first.origin) == ("env", str(headers_dir / "2.1.0" / "OrthancCPlugin.h"))
    assert first.path == _cache_file(isolated, "2.1.0")
    assert first.path.read_bytes() == FAKE_210 and first.sha256 == sha(FAKE_210)
    provenance = json.loads((first.path.parent / "provenance.json").read_text())
    assert provenance["source"] == "env" and provenance["sha256"] == sha(FAKE_210)

    # now the cache answers, before env
    again = resolve_header("2.1.0", manifest=manifest)
    assert again.source == "cache" and again.path == first.path

    # without cache and env: the system header (which is 2.1.0)
    first.path.unlink()
    monkeypatch.delenv("ORTHANC_SDK_HEADERS")
    system = resolve_header("2.1.0", manifest=manifest)
    assert (system.source, system.origin) == ("system", str(system_header))

    # without the system header: upstream, over real HTTP
    _cache_file(isolated, "2.1.0").unlink()
    system_header.unlink()
    fetched = resolve_header("2.1.0", manifest=manifest)
    assert fetched.source == "upstream" and fetched.origin == upstream.pattern.format(version="2.1.0")
    assert upstream.requests == ["/2.1.0/OrthancCPlugin.h"]
    assert fetched.path.read_bytes() == FAKE_210


def test_system_header_of_another_release_is_passed_over(tmp_path: Path, upstream) -> None:
    other = _put(tmp_path / "system" / "OrthancCPlugin.h", FAKE_200)
    manifest = load_manifest(write_manifest(tmp_path / "m.yaml", upstream.pattern, system=[other]))
    resolved = resolve_header("2.1.0", manifest=manifest)
    assert resolved.source == "upstream"
    answer = SystemSource((other,)).find("2.1.0", manifest.get("2.1.0"))
    assert answer == f"{other} is another release (sha256 {sha(FAKE_200)[:12]}…)"


def test_shared_header_is_recognised_by_checksum_not_declared_version(tmp_path: Path, upstream) -> None:
    """2.0.1 re-ships 2.0.0's header (declares 2.0.0): found for both."""
    header = _put(tmp_path / "system" / "OrthancCPlugin.h", FAKE_200)
    manifest = load_manifest(write_manifest(tmp_path / "m.yaml", upstream.pattern, system=[header]))
    assert resolve_header("2.0.1", manifest=manifest).source == "system"
    assert resolve_header("2.0.1", manifest=manifest).declared == "2.0.0"


# -- checksum mismatch ---------------------------------------------------------------------------


def test_corrupt_cache_is_refused_not_skipped(isolated: Path, fake_manifest: Manifest) -> None:
    bad = FAKE_210 + b"/* edited */\n"
    _put(_cache_file(isolated, "2.1.0"), bad)
    with pytest.raises(ChecksumMismatchError) as caught:
        resolve_header("2.1.0", manifest=fake_manifest)
    message = str(caught.value)
    assert f"expected {sha(FAKE_210)}, actual {sha(bad)}" in message
    assert "from cache " in message and "delete it to fetch again" in message


def test_wrong_file_in_env_dir_is_refused(headers_dir: Path, fake_manifest: Manifest, monkeypatch) -> None:
    _put(headers_dir / "2.1.0" / "OrthancCPlugin.h", FAKE_200)
    monkeypatch.setenv("ORTHANC_SDK_HEADERS", str(headers_dir))
    with pytest.raises(ChecksumMismatchError, match=f"from env {headers_dir}/2.1.0/OrthancCPlugin.h"):
        resolve_header("2.1.0", manifest=fake_manifest)


def test_wrong_download_is_refused_and_not_cached(isolated: Path, tmp_path: Path, upstream) -> None:
    _put(tmp_path / "upstream" / "2.1.0" / "OrthancCPlugin.h", b"<html>not found</html>")
    manifest = load_manifest(write_manifest(tmp_path / "m.yaml", upstream.pattern, system=[]))
    with pytest.raises(ChecksumMismatchError, match=r"from upstream http://127\.0\.0\.1:\d+/2\.1\.0/"):
        resolve_header("2.1.0", manifest=manifest)
    assert not _cache_file(isolated, "2.1.0").exists()


def test_given_header_is_checked_too(tmp_path: Path, fake_manifest: Manifest) -> None:
    given = _put(tmp_path / "mine.h", FAKE_200)
    with pytest.raises(
        ChecksumMismatchError, match=f"from file {given}: sha256 mismatch, expected {sha(FAKE_210)}"
    ):
        resolve_header("2.1.0", header=given, manifest=fake_manifest)
    resolved = resolve_header("2.0.0", header=given, manifest=fake_manifest)
    assert (resolved.source, resolved.in_manifest) == ("file", True)


# -- unknown versions ----------------------------------------------------------------------------


def test_unknown_version_lists_the_known_ones(fake_manifest: Manifest) -> None:
    with pytest.raises(UnknownVersionError) as caught:
        resolve_header("3.0.0", manifest=fake_manifest)
    assert "unknown SDK version 3.0.0" in str(caught.value)
    assert "known: 2.0.0, 2.0.1, 2.1.0" in str(caught.value)
    assert "--allow-unknown" in str(caught.value)


def test_not_a_version(fake_manifest: Manifest) -> None:
    with pytest.raises(SdkError, match="'latest' is not a version"):
        resolve_header("latest", manifest=fake_manifest)


def test_allow_unknown_with_given_header_records_what_it_is(
    isolated: Path, tmp_path: Path, fake_manifest
) -> None:
    data = header_text(3, 0, 0, "/* brand new */")
    given = _put(tmp_path / "new.h", data)
    resolved = resolve_header("3.0.0", allow_unknown=True, header=given, manifest=fake_manifest)
    assert (resolved.in_manifest, resolved.declared, resolved.sha256) == (False, "3.0.0", sha(data))
    assert resolved.path == _cache_file(isolated, "3.0.0")
    provenance = json.loads((resolved.path.parent / "provenance.json").read_text())
    assert provenance == {
        "version": "3.0.0",
        "declared": "3.0.0",
        "sha256": sha(data),
        "source": "file",
        "origin": str(given),
        "in_manifest": False,
    }


def test_allow_unknown_from_a_source(fake_manifest: Manifest, upstream) -> None:
    """No --header: the sources are searched as usual (here upstream has 3.0.0)."""
    resolved = resolve_header("3.0.0", allow_unknown=True, manifest=fake_manifest)
    assert (resolved.source, resolved.in_manifest, resolved.declared) == ("upstream", False, "3.0.0")


def test_allow_unknown_lags_are_fine_but_a_newer_declaration_is_not(tmp_path: Path, fake_manifest) -> None:
    lagging = _put(tmp_path / "lag.h", header_text(3, 0, 0))
    assert (
        resolve_header("3.0.1", allow_unknown=True, header=lagging, manifest=fake_manifest).declared
        == "3.0.0"
    )
    with pytest.raises(SdkError, match="declares SDK 3.0.0, newer than the requested 2.9.0"):
        resolve_header("2.9.0", allow_unknown=True, header=lagging, manifest=fake_manifest)


def test_allow_unknown_still_needs_an_sdk_header(tmp_path: Path, fake_manifest: Manifest) -> None:
    junk = _put(tmp_path / "junk.h", b"int main(void) { return 0; }\n")
    with pytest.raises(NotAnSdkHeaderError, match=r"no ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER"):
        resolve_header("3.0.0", allow_unknown=True, header=junk, manifest=fake_manifest)


def test_missing_given_header(tmp_path: Path, fake_manifest: Manifest) -> None:
    with pytest.raises(SdkError, match=r"nope\.h: cannot read"):
        resolve_header("2.1.0", header=tmp_path / "nope.h", manifest=fake_manifest)


# -- the real system header and the real manifest ------------------------------------------------


@pytest.fixture
def system_1_10_1() -> Path:
    manifest = load_manifest()
    if not SYSTEM_HEADER.is_file():
        pytest.skip(f"{SYSTEM_HEADER} not installed (Debian package orthanc-dev)")
    if sha(SYSTEM_HEADER.read_bytes()) != manifest.get("1.10.1").sha256:
        pytest.skip(f"{SYSTEM_HEADER} is not 1.10.1's header on this machine")
    return SYSTEM_HEADER


def test_system_header_is_detected_as_1_10_1(system_1_10_1: Path) -> None:
    resolved = resolve_header("1.10.1")
    assert (resolved.source, resolved.origin, resolved.declared) == ("system", str(system_1_10_1), "1.10.1")
    assert resolved.sha256 == "25636a2d6aeed108caa0cb079d944ae77d23857a3b6fd4690fed046ccce6612f"


def test_system_header_is_not_taken_for_1_10_0(system_1_10_1: Path) -> None:
    manifest = load_manifest()
    answer = SystemSource(manifest.system_headers).find("1.10.0", manifest.get("1.10.0"))
    assert isinstance(answer, str) and "is another release" in answer


def test_shared_corpus_through_env(shared_headers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORTHANC_SDK_HEADERS", str(shared_headers))
    for release in list_releases()[::10]:
        resolved = resolve_header(release.version)
        assert resolved.source == "env" and resolved.sha256 == release.sha256


# -- no network ----------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the socket is closed


def test_unreachable_upstream_fails_cleanly(tmp_path: Path) -> None:
    pattern = f"http://127.0.0.1:{_closed_port()}/{{version}}/OrthancCPlugin.h"
    manifest = load_manifest(write_manifest(tmp_path / "m.yaml", pattern, system=[]))
    with pytest.raises(HeaderNotFoundError) as caught:
        resolve_header("2.1.0", manifest=manifest)
    message = str(caught.value)
    assert message.startswith("no source has OrthancCPlugin.h of SDK 2.1.0: cache: no ")
    assert "env: ORTHANC_SDK_HEADERS not set" in message
    assert f"upstream: {pattern.format(version='2.1.0')}: unreachable (" in message
    assert "without network, put the header in $ORTHANC_SDK_HEADERS/2.1.0/ or pass --header PATH" in message
    assert "\n" not in message


def test_real_upstream_without_network_says_so() -> None:
    """This machine has no internet: the real upstream URL must fail quickly with the reason."""
    manifest = load_manifest()
    answer = UpstreamSource(manifest, timeout=5).find("1.12.10", manifest.get("1.12.10"))
    if not isinstance(answer, str):
        pytest.skip("upstream answered: this machine has network access")
    assert answer.startswith(manifest.upstream_url("1.12.10") + ": unreachable (")


def test_sources_report_why_they_miss(isolated: Path, fake_manifest: Manifest) -> None:
    assert CacheSource().find("2.1.0", None) == f"no {_cache_file(isolated, '2.1.0')}"
    assert EnvDirSource().find("2.1.0", None) == "ORTHANC_SDK_HEADERS not set"
