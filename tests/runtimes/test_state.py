"""Runtime.state(): present / absent / incomplete from what is on disk, without root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.build import chroot
from generator.build.chroot import Runtime, Unavailable, load_specs


@pytest.fixture
def fresh(tmp_path: Path) -> Runtime:
    return Runtime(load_specs()["trixie-amd64"], home=tmp_path / "trixie-amd64")


def _marker(runtime: Runtime, **changes: object) -> dict:
    data = {
        "name": runtime.name, "fingerprint": runtime.spec.fingerprint(),
        "base_fingerprint": runtime.spec.base_fingerprint(), "suite": "trixie", "arch": "amd64",
        "created": "2026-01-01T00:00:00+00:00", "orthanc_version": "1.12.7", "python_version": "3.13.5",
        "python_bits": 64, "sdk_version": "1.12.6",
        "reference_plugin": "/usr/share/orthanc/plugins/libOrthancPython.so",
        "packages": {"orthanc": "1.12.7+dfsg-4"}, "seconds": {"total": 60.0}, "size": "600M",
        "mismatches": [],
    }
    data.update(changes)
    return data


def _finished(runtime: Runtime, **changes: object) -> None:
    orthanc = runtime.host_path("/usr/sbin/Orthanc")
    orthanc.parent.mkdir(parents=True)
    orthanc.write_bytes(b"\x7fELF")
    runtime.marker.write_text(json.dumps(_marker(runtime, **changes)), encoding="utf-8")


def test_absent_when_nothing_exists(fresh: Runtime) -> None:
    state = fresh.state()
    assert state.status == "absent"
    assert "nox -s runtimes" in state.reason


def test_present_reports_the_versions_read_back(fresh: Runtime) -> None:
    _finished(fresh)
    state = fresh.state()
    assert state.status == "present", state
    assert "Orthanc 1.12.7" in state.reason and "Python 3.13.5" in state.reason
    assert fresh.info().sdk_version == "1.12.6"


def test_root_without_marker_is_incomplete(fresh: Runtime) -> None:
    (fresh.root / "usr/bin").mkdir(parents=True)
    assert fresh.state().status == "incomplete"
    with pytest.raises(Unavailable, match="incomplete"):
        fresh.info()


def test_interrupted_creation_names_its_stage(fresh: Runtime) -> None:
    fresh.root.mkdir(parents=True)
    fresh.progress.write_text(json.dumps({"stage": "debootstrap"}), encoding="utf-8")
    state = fresh.state()
    assert state.status == "incomplete"
    assert "debootstrap" in state.reason


def test_changed_description_makes_it_incomplete(fresh: Runtime) -> None:
    _finished(fresh, fingerprint="0" * 16)
    state = fresh.state()
    assert state.status == "incomplete"
    assert "runtimes.yaml changed" in state.reason


def test_unreadable_marker_is_incomplete(fresh: Runtime) -> None:
    _finished(fresh)
    fresh.marker.write_text("{not json", encoding="utf-8")
    assert fresh.state().status == "incomplete"


def test_marker_without_orthanc_is_incomplete(fresh: Runtime) -> None:
    _finished(fresh)
    fresh.host_path("/usr/sbin/Orthanc").unlink()
    assert "missing" in fresh.state().reason


def _debootstrapped(runtime: Runtime, base: str) -> None:
    for path in ("usr/bin/apt-get", "var/lib/dpkg/status"):
        (runtime.root / path).parent.mkdir(parents=True, exist_ok=True)
        (runtime.root / path).write_text("", encoding="utf-8")
    runtime.progress.write_text(json.dumps({"stage": "packages", "base_fingerprint": base}),
                                encoding="utf-8")


def test_resume_keeps_only_a_finished_debootstrap_of_the_same_base(fresh: Runtime) -> None:
    _debootstrapped(fresh, fresh.spec.base_fingerprint())
    assert chroot._debootstrap_done(fresh)
    (fresh.root / "debootstrap").mkdir()  # debootstrap deletes this only when it succeeded
    assert not chroot._debootstrap_done(fresh)
    (fresh.root / "debootstrap").rmdir()
    _debootstrapped(fresh, "another-suite")
    assert not chroot._debootstrap_done(fresh)


def test_host_paths_stay_inside_the_root(fresh: Runtime) -> None:
    assert fresh.host_path(fresh.sdk_header) == fresh.root / "usr/include/orthanc/OrthancCPlugin.h"
    assert fresh.python == "/usr/bin/python3.13"
    with pytest.raises(ValueError):
        fresh.host_path("relative/path")


def test_sdk_version_reads_the_header_defines(tmp_path: Path) -> None:
    header = tmp_path / "OrthancCPlugin.h"
    header.write_text("#define ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER     1\n"
                      "#define ORTHANC_PLUGINS_MINIMAL_MINOR_NUMBER     13\n"
                      "#define ORTHANC_PLUGINS_MINIMAL_REVISION_NUMBER  0\n", encoding="utf-8")
    assert chroot.sdk_version(header) == "1.13.0"


@pytest.mark.parametrize(("debian", "upstream"), [
    ("1.12.7+dfsg-4", "1.12.7"), ("5.0+ds-3+b1", "5.0"), ("1:7.1-2", "7.1"), ("4.0-1~bpo12+1", "4.0"),
])
def test_upstream_versions(debian: str, upstream: str) -> None:
    assert chroot._upstream(debian) == upstream


def test_creating_needs_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ORTHANC_PYTHON_CACHE", str(tmp_path))
    monkeypatch.setattr(chroot.os, "geteuid", lambda: 1000)
    with pytest.raises(Unavailable) as raised:
        chroot.ensure_runtime("bookworm-i386")
    assert raised.value.reason == "needs root"
    assert not (tmp_path / "chroots" / "bookworm-i386" / "root").exists()


def test_listing_shows_every_runtime_without_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ORTHANC_PYTHON_CACHE", str(tmp_path))
    assert chroot.main(["list"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert sorted(row.split()[:2] for row in rows) == [
        ["bookworm-i386", "absent"], ["sid-amd64", "absent"], ["trixie-amd64", "absent"]]
