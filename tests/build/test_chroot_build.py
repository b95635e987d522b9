"""The "chroot" builder (generator/build/chroot_build.py).

Without root: its registration, its probe, and where the SDK header comes from (a fake runtime
root in a temporary cache).  With root and the runtimes of `nox -s runtimes`: every chroot cell of
build_matrix.yaml built for real through the runner, as `nox -s build_cell` does, and checked as
a binary (architecture, libpython, interpreter path, no build paths), in the manifest, and for
reproducibility.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from generator.build import chroot
from generator.build.availability import Unavailable
from generator.build.builders import get_builder
from generator.build.chroot_build import build_chroot_cell, generate_for, probe_chroot_cell
from generator.build.matrix import Cell, load_matrix
from generator.build.runner import Outcome, build_cells
from generator.paths import REPO_ROOT
from generator.sdk.errors import ChecksumMismatchError
from tests.headers import header

MATRIX = load_matrix()
CHROOT_CELLS = [cell for cell in MATRIX.cells() if cell.method == "chroot"]
# ELF e_ident[EI_CLASS] and e_machine per Debian architecture.
ELF_SHAPE = {"amd64": (2, 62), "i386": (1, 3)}


def cell_named(key: str) -> Cell:
    return next(cell for cell in CHROOT_CELLS if cell.key == key)


@pytest.fixture
def fake_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> chroot.Runtime:
    """trixie-amd64 as an empty root file system in a temporary cache (no debootstrap, no root)."""
    monkeypatch.setenv("ORTHANC_PYTHON_CACHE", str(tmp_path / "cache"))
    runtime = chroot.get_runtime("trixie-amd64")
    runtime.root.mkdir(parents=True)
    return runtime


def place(runtime: chroot.Runtime, path: str, content: bytes = b"") -> None:
    target = runtime.host_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


def test_chroot_builder_is_registered_with_its_probe() -> None:
    builder = get_builder("chroot")
    assert builder is not None
    assert builder.build is build_chroot_cell and builder.probe is probe_chroot_cell


def test_matrix_has_a_chroot_cell_per_runtime_own_sdk() -> None:
    by_runtime = {(cell.runtime, cell.sdk) for cell in CHROOT_CELLS}
    assert {("bookworm-i386", "1.10.1"), ("trixie-amd64", "1.12.7"), ("sid-amd64", "1.13.0")} <= by_runtime


def test_probe_names_the_missing_build_tool(fake_runtime: chroot.Runtime) -> None:
    cell = cell_named("1.12.7/cp313-manylinux_x86_64")
    with pytest.raises(Unavailable, match="has no /usr/bin/gcc"):
        probe_chroot_cell(cell)
    place(fake_runtime, "/usr/bin/gcc")
    with pytest.raises(Unavailable, match="python3.13-config"):
        probe_chroot_cell(cell)
    place(fake_runtime, "/usr/bin/python3.13-config")
    probe_chroot_cell(cell)  # the manifest's header: the runtime's is not needed


def test_probe_of_a_runtime_header_cell_needs_the_header(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORTHANC_PYTHON_CACHE", str(tmp_path / "cache"))
    cell = cell_named("1.13.0/cp314-manylinux_x86_64")
    assert cell.header == "runtime"
    runtime = chroot.get_runtime("sid-amd64")
    place(runtime, "/usr/bin/gcc")
    place(runtime, "/usr/bin/python3.14-config")
    with pytest.raises(Unavailable, match="OrthancCPlugin.h"):
        probe_chroot_cell(cell)


@pytest.mark.slow
def test_runtime_header_is_verified_against_the_manifest(fake_runtime: chroot.Runtime, tmp_path: Path) -> None:
    place(fake_runtime, fake_runtime.sdk_header, header("1.12.7").read_bytes())
    generated = generate_for("1.12.7", tmp_path / "ok", fake_runtime, "runtime")
    assert generated.header.source == "file" and generated.header.in_manifest
    assert (generated.sources / "OrthancCPlugin.h").read_bytes() == header("1.12.7").read_bytes()
    # Another release's bytes under this release's name: refused, never built.
    place(fake_runtime, fake_runtime.sdk_header, header("1.10.1").read_bytes())
    with pytest.raises(ChecksumMismatchError):
        generate_for("1.12.7", tmp_path / "bad", fake_runtime, "runtime")


@pytest.mark.slow
def test_a_release_the_manifest_lacks_is_taken_from_the_runtime(fake_runtime: chroot.Runtime,
                                                                  tmp_path: Path) -> None:
    place(fake_runtime, fake_runtime.sdk_header, header("1.12.10").read_bytes())
    generated = generate_for("1.99.0", tmp_path / "unknown", fake_runtime, "runtime")
    assert (generated.header.version, generated.header.declared) == ("1.99.0", "1.12.10")
    assert not generated.header.in_manifest
    assert (generated.sources / "OrthancCPlugin.h").read_bytes() == header("1.12.10").read_bytes()


@pytest.mark.slow
def test_a_manifest_cell_uses_the_runtime_copy_only_when_it_is_that_release(
        fake_runtime: chroot.Runtime, tmp_path: Path) -> None:
    place(fake_runtime, fake_runtime.sdk_header, header("1.12.7").read_bytes())
    assert generate_for("1.12.7", tmp_path / "same", fake_runtime, "manifest").header.source == "file"
    # The runtime carries another release: the manifest's own sources are used instead.
    other = generate_for("1.10.1", tmp_path / "other", fake_runtime, "manifest")
    assert other.header.source != "file"
    assert (other.sources / "OrthancCPlugin.h").read_bytes() == header("1.10.1").read_bytes()


# ---- real builds in the runtimes -------------------------------------------------------------


def present_runtimes() -> set[str]:
    return {name for name in chroot.runtime_names() if chroot.get_runtime(name).state().status == "present"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Outcome]]:
    """Every chroot cell of the matrix whose runtime exists, built once (two at a time)."""
    if os.geteuid() != 0:
        pytest.skip("needs root (chroot, mount)")
    present = present_runtimes()
    cells = [cell for cell in CHROOT_CELLS if cell.runtime in present]
    if not cells:
        pytest.skip("no runtime created yet (nox -s runtimes)")
    dist = tmp_path_factory.mktemp("dist")
    outcomes = build_cells(cells, dist, jobs=2, log=lambda line: None)
    return dist, {outcome.cell.key: outcome for outcome in outcomes}


def built_cell(built: tuple[Path, dict[str, Outcome]], key: str) -> tuple[Path, Outcome]:
    dist, outcomes = built
    if key not in outcomes:
        runtime = cell_named(key).runtime
        pytest.skip(f"runtime {runtime} is {chroot.get_runtime(str(runtime)).state()}")
    outcome = outcomes[key]
    log = dist / "logs" / f"{key.replace('/', '-')}.log"
    assert outcome.status == "built", f"{outcome.detail}\n{log.read_text() if log.is_file() else ''}"
    return dist, outcome


@pytest.mark.chroot
@pytest.mark.slow
@pytest.mark.parametrize("key", [cell.key for cell in CHROOT_CELLS])
def test_chroot_cell_builds_for_its_runtime(built: tuple[Path, dict[str, Outcome]], key: str) -> None:
    dist, outcome = built_cell(built, key)
    cell = outcome.cell
    assert outcome.entry is not None
    runtime = chroot.get_runtime(str(cell.runtime))
    python = runtime.spec.python
    plugin = dist / outcome.entry.plugin.path
    assert plugin == dist / cell.sdk / cell.id / f"libOrthancPython-cp{python.replace('.', '')}.so"
    assert (plugin.parent / "orthanc.pyi").is_file()
    data = plugin.read_bytes()
    assert (data[4], struct.unpack_from("<H", data, 18)[0]) == ELF_SHAPE[runtime.spec.arch]
    if shutil.which("readelf"):
        dynamic = subprocess.run(["readelf", "-d", str(plugin)], capture_output=True, text=True).stdout
        assert f"[libpython{python}.so.1.0]" in dynamic
    # multiprocessing is pointed at the chroot's interpreter, not at a host path.
    assert f"/usr/bin/python{python}\0".encode() in data
    for host_path in (str(REPO_ROOT), "/tmp/orthanc-python-build-", "/tmp/orthanc-python-gen-"):
        assert host_path.encode() not in data, f"{host_path} leaked into the binary"
    entry = next(e for e in json.loads((dist / "manifest.json").read_text())["cells"]
                 if e["cell"] == cell.id and e["sdk"] == cell.sdk)
    assert entry["method"] == "chroot" and entry["compiler"].endswith(f"chroot {cell.runtime}")
    assert entry["sha256"] == outcome.entry.plugin.sha256


@pytest.mark.chroot
@pytest.mark.slow
def test_runtime_header_cell_wraps_more_than_an_older_sdk(built: tuple[Path, dict[str, Outcome]]) -> None:
    # sid's own 1.13.0 header against trixie's 1.12.7 (the default 1.12.10 is only one function short).
    dist, new = built_cell(built, "1.13.0/cp314-manylinux_x86_64")
    _, old = built_cell(built, "1.12.7/cp313-manylinux_x86_64")
    assert new.entry is not None and old.entry is not None and new.entry.stub and old.entry.stub
    new_stub = (dist / new.entry.stub.path).read_text()
    old_stub = (dist / old.entry.stub.path).read_text()
    assert new_stub.count("def ") > old_stub.count("def ")


@pytest.mark.chroot
@pytest.mark.slow
def test_building_a_chroot_cell_twice_gives_the_same_bytes(built: tuple[Path, dict[str, Outcome]],
                                                          tmp_path: Path) -> None:
    key = "1.10.1/cp311-manylinux_i686"  # the 32-bit one, and the quickest
    _, first = built_cell(built, key)
    [again] = build_cells([first.cell], tmp_path, jobs=1, log=lambda line: None)
    assert again.status == "built", again.detail
    assert first.entry is not None and again.entry is not None
    assert again.entry.plugin.sha256 == first.entry.plugin.sha256
