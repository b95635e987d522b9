"""The committed manifest is right, and a broken one is refused with the place of the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.sdk.checksum import declared_version, sha256_file
from generator.sdk.errors import ManifestError
from generator.sdk.manifest import DEFAULT_MANIFEST, load_manifest
from generator.sdk.version import Version


def test_project_manifest_lists_58_sorted_releases() -> None:
    manifest = load_manifest()
    versions = manifest.versions()
    assert len(versions) == 58
    assert versions[0] == "0.8.6" and versions[-1] == "1.12.10"
    assert [Version.parse(v) for v in versions] == sorted(Version.parse(v) for v in versions)
    assert manifest.get("1.12.7").declared == "1.12.6"  # declared versions lag releases
    assert manifest.get("1.12.7").sha256 == manifest.get("1.12.6").sha256


def test_project_manifest_matches_the_shared_corpus(shared_headers: Path) -> None:
    """Same facts as the corpus' own manifest, and each header really has that sha256 and declares that."""
    ours = load_manifest()
    theirs = yaml.safe_load((shared_headers / "manifest.yaml").read_text())["releases"]
    assert [r["version"] for r in theirs] == ours.versions()
    for entry in theirs:
        release = ours.get(entry["version"])
        assert (release.sha256, release.declared, release.bytes) == (
            entry["sha256"],
            entry["declared"],
            entry["bytes"],
        )
        header = shared_headers / entry["version"] / "OrthancCPlugin.h"
        assert sha256_file(header) == release.sha256, header
        assert str(declared_version(header.read_bytes(), str(header))) == release.declared, header
        assert header.stat().st_size == release.bytes


def test_upstream_patterns_follow_the_source_tree_moves() -> None:
    manifest = load_manifest()
    assert manifest.upstream_url("0.8.6").endswith("Orthanc-0.8.6/Plugins/Include/OrthancCPlugin.h")
    assert manifest.upstream_url("1.7.1").endswith("Orthanc-1.7.1/Plugins/Include/orthanc/OrthancCPlugin.h")
    assert manifest.upstream_url("1.7.2").endswith(
        "Orthanc-1.7.2/OrthancServer/Plugins/Include/orthanc/OrthancCPlugin.h"
    )
    # A release newer than the list still has a URL: that is how a brand-new release is fetched.
    assert "Orthanc-1.13.0/" in manifest.upstream_url("1.13.0")
    assert manifest.upstream_url("0.1.0") is None


def _broken(tmp_path: Path, edit: str, replacement: str) -> Path:
    text = DEFAULT_MANIFEST.read_text(encoding="utf-8")
    assert edit in text
    path = tmp_path / "manifest.yaml"
    path.write_text(text.replace(edit, replacement, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "replacement", "message"),
    [
        (
            'sha256: "1b38c6486bca',
            'sha256: "XYZ8c6486bca',
            r"releases\[0\]\.sha256: expected 64 lower-case hex",
        ),
        ('version: "0.9.0"', "version: 0.9", r"releases\[1\]\.version: expected a quoted string, got 0\.9"),
        ('version: "0.9.6"', 'version: "0.9.5"', r"releases\[7\]\.version: 0\.9\.5 is not after 0\.9\.5"),
        (
            'declared: "0.9.0"',
            'declared: "0.9.7"',
            r"releases\[1\]\.declared: 0\.9\.7 is newer than the release",
        ),
        ("bytes: 65352", "bytes: -1", r"releases\[0\]\.bytes: expected a positive integer"),
        ("bytes: 65352", "bytes: 65352, size: 3", r"releases\[0\]: unknown key 'size'"),
        ('last: "1.7.1"', 'last: "1.7.2"', r"upstream\[1\]: its range overlaps"),
        (
            "/OrthancServer/Plugins/Include/orthanc/OrthancCPlugin.h",
            "/x.h",
            r"upstream\[0\]\.url: .*\{version\}",
        ),
        ("schema_version: 1", "schema_version: 2", r"schema_version: expected 1, got 2"),
    ],
)
def test_broken_manifest_names_the_bad_entry(
    tmp_path: Path, edit: str, replacement: str, message: str
) -> None:
    if "x.h" in replacement:  # drop the {version} placeholder from the first pattern
        edit, replacement = "Orthanc-{version}/OrthancServer", "Orthanc-latest/OrthancServer"
    path = _broken(tmp_path, edit, replacement)
    with pytest.raises(ManifestError, match=message) as caught:
        load_manifest(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)


def test_manifest_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text("releases: [\n  {version: ", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"manifest\.yaml:\d+: not valid YAML"):
        load_manifest(path)


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read"):
        load_manifest(tmp_path / "nope.yaml")
