"""runtimes.yaml: what it declares, and how a broken file is reported."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.build.chroot import SPEC_FILE, SpecError, cache_dir, load_specs, parse_specs


def test_the_three_runtimes_are_declared() -> None:
    specs = load_specs()
    assert {name: (s.suite, s.arch, s.python) for name, s in specs.items()} == {
        "trixie-amd64": ("trixie", "amd64", "3.13"),
        "sid-amd64": ("sid", "amd64", "3.14"),
        "bookworm-i386": ("bookworm", "i386", "3.11"),
    }


def test_packages_follow_the_python_version() -> None:
    spec = load_specs()["sid-amd64"]
    assert "python3.14-dev" in spec.packages
    assert not any("{" in package for package in spec.packages)
    assert {"orthanc", "orthanc-dev", "orthanc-python", "gcc", "libc6-dev"} <= set(spec.packages)


def test_sid_ignores_release_validity_and_i386_skips_security() -> None:
    specs = load_specs()
    assert any("Check-Valid-Until" in line for line in specs["sid-amd64"].apt_config)
    assert specs["bookworm-i386"].sources == ("bookworm", "bookworm-updates")


def _broken(edit: str) -> dict:
    data = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    runtime = data["runtimes"]["trixie-amd64"]
    if edit == "float python":
        runtime["python"] = 3.1
    elif edit == "unknown key":
        runtime["suit"] = "trixie"
    elif edit == "missing arch":
        del runtime["arch"]
    elif edit == "bad sources":
        runtime["sources"] = "trixie"
    return data


@pytest.mark.parametrize(("edit", "path"), [
    ("float python", "runtimes.trixie-amd64.python"),
    ("unknown key", "runtimes.trixie-amd64.suit"),
    ("missing arch", "runtimes.trixie-amd64.arch"),
    ("bad sources", "runtimes.trixie-amd64.sources"),
])
def test_errors_name_their_path(edit: str, path: str) -> None:
    with pytest.raises(SpecError, match=path.replace(".", r"\.")):
        parse_specs(_broken(edit))


def test_fingerprints_separate_base_from_packages() -> None:
    data = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    before = parse_specs(data)["trixie-amd64"]
    data["runtimes"]["trixie-amd64"]["packages"] = [*data["defaults"]["packages"], "dcmtk"]
    after = parse_specs(data)["trixie-amd64"]
    assert after.base_fingerprint() == before.base_fingerprint()
    assert after.fingerprint() != before.fingerprint()


def test_cache_location_is_outside_the_repo_and_overridable(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    monkeypatch.delenv("ORTHANC_PYTHON_CACHE", raising=False)
    assert cache_dir() == Path.home() / ".cache" / "orthanc-python-gen" / "chroots"
    monkeypatch.setenv("ORTHANC_PYTHON_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path / "chroots"
