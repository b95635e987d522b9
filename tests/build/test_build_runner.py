"""Building cells through registered builders: output folders, dist/manifest.json, failures, skips.

The builder here is a real one of a tiny shared library (the C compiler on this machine), standing
in for the plugin: what is tested is the orchestration around any builder.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build.availability import Unavailable
from generator.build.builders import BuildResult, register
from generator.build.manifest import read_manifest
from generator.build.matrix import Cell, load_matrix, with_method
from generator.build.runner import build_cells, output_dir, summary_table
from generator.build.state import host_arch

SOURCE = "int orthanc_python_stand_in(void) { return %d; }\n"


def compile_stand_in(cell: Cell, out_dir: Path) -> BuildResult:
    (out_dir / "plugin.c").write_text(SOURCE % int(cell.python.split(".")[1]), encoding="utf-8")
    plugin = out_dir / f"libOrthancPython-cp{cell.python.replace('.', '')}.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", plugin.name, "plugin.c"], cwd=out_dir, check=True)
    (out_dir / "plugin.c").unlink()
    stub = out_dir / "orthanc.pyi"
    stub.write_text("def LogInfo(message: str) -> None: ...\n", encoding="utf-8")
    return BuildResult(plugin=plugin, stub=stub, compiler="cc (stand-in)")


@pytest.fixture
def cells() -> list[Cell]:
    if shutil.which("cc") is None or host_arch() != "x86_64" or not sys.platform.startswith("linux"):
        pytest.skip("needs a linux x86_64 host with cc")
    running = f"cp{sys.version_info[0]}{sys.version_info[1]}-manylinux_x86_64"
    matrix = load_matrix()
    return [with_method(matrix.find(running, ["1.10.1"]), "host"), with_method(matrix.find(running), "host")]


def test_cells_are_built_into_their_folders_with_a_manifest(
    tmp_path: Path, cells: list[Cell], builder_registry
) -> None:
    register("host")(compile_stand_in)
    lines: list[str] = []
    outcomes = build_cells(cells, tmp_path, jobs=2, log=lines.append)
    assert [o.status for o in outcomes] == ["built", "built"], [o.detail for o in outcomes]
    assert len(lines) == 2 and all(line.startswith(("[1/2] ", "[2/2] ")) for line in lines)

    document = json.loads((tmp_path / "manifest.json").read_text())
    assert document["schema_version"] == 1
    assert [(e["sdk"], e["cell"]) for e in document["cells"]] == [(c.sdk, c.id) for c in cells]
    for entry, cell in zip(document["cells"], cells):
        plugin = tmp_path / entry["plugin"]["path"]
        assert plugin.parent == output_dir(tmp_path, cell)
        assert entry["size"] == plugin.stat().st_size
        assert entry["sha256"] == hashlib.sha256(plugin.read_bytes()).hexdigest()
        assert (entry["python"], entry["compiler"], entry["method"]) == (cell.python, "cc (stand-in)", "host")
        assert entry["stub"]["path"] == f"{cell.sdk}/{cell.id}/orthanc.pyi"


def test_building_again_gives_the_same_bytes_and_manifest(
    tmp_path: Path, cells: list[Cell], builder_registry
) -> None:
    register("host")(compile_stand_in)
    build_cells(cells, tmp_path, jobs=1, log=lambda _: None)
    first = (tmp_path / "manifest.json").read_bytes()
    stale = output_dir(tmp_path, cells[0]) / "stale.txt"
    stale.write_text("left over")
    build_cells(cells, tmp_path, jobs=1, log=lambda _: None)
    assert (tmp_path / "manifest.json").read_bytes() == first
    assert not stale.exists()  # each build starts from an empty folder


def test_one_cell_rebuilt_keeps_the_others_entries(
    tmp_path: Path, cells: list[Cell], builder_registry
) -> None:
    register("host")(compile_stand_in)
    build_cells(cells, tmp_path, log=lambda _: None)
    build_cells(cells[:1], tmp_path, log=lambda _: None)
    assert set(read_manifest(tmp_path)) == {cell.key for cell in cells}


def test_failed_cell_leaves_a_log_and_no_output(tmp_path: Path, cells: list[Cell], builder_registry) -> None:
    def broken(cell: Cell, out_dir: Path) -> BuildResult:
        (out_dir / "half.o").write_text("partial")
        raise RuntimeError("linker said no\nsecond line")

    register("host")(broken)
    [outcome, _] = build_cells(cells, tmp_path, log=lambda _: None)
    assert outcome.status == "failed"
    log = tmp_path / "logs" / f"{outcome.cell.sdk}-{outcome.cell.id}.log"
    assert outcome.detail == f"linker said no (log: {log})"
    assert "RuntimeError: linker said no" in log.read_text()
    assert not output_dir(tmp_path, outcome.cell).exists()
    assert not (tmp_path / "manifest.json").exists()


def test_builder_finding_a_missing_prerequisite_skips(
    tmp_path: Path, cells: list[Cell], builder_registry
) -> None:
    def unavailable(cell: Cell, out_dir: Path) -> BuildResult:
        raise Unavailable("no python3.12-config")

    register("host")(unavailable)
    outcomes = build_cells(cells, tmp_path, log=lambda _: None)
    assert {(o.status, o.detail) for o in outcomes} == {("skipped", "no python3.12-config")}


def test_cells_without_builder_are_skipped_with_the_reason(
    tmp_path: Path, cells: list[Cell], builder_registry
) -> None:
    outcomes = build_cells(cells, tmp_path, log=lambda _: None)
    assert all(o.status == "skipped" and o.detail.startswith("no builder registered") for o in outcomes)
    table = summary_table(outcomes)
    assert table.splitlines()[0].split() == ["cell", "sdk", "python", "method", "result", "seconds", "detail"]
    assert table.splitlines()[-1] == "0 built, 2 skipped, 0 failed"
