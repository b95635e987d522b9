"""The real plugin (runtime/ + rendered C) for every Windows cell of build_matrix.yaml, as
`nox -s build_cell -- cp311-win_amd64` builds it: through the registered "mingw" builder and the
runner, into a dist/ with its manifest.  Each DLL is then read the way Windows' loader and Orthanc
would: the PE flavour, exactly the four Orthanc entry points exported, pythonXY.dll of the cell's
version plus system DLLs imported, and nothing of the Linux build (libpython soname, interpreter
path) inside.  Cells whose CPython source is unreachable from here are skipped with the reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.build.builders import get_builder
from generator.build.matrix import load_matrix
from generator.build.mingw import ORTHANC_ENTRY_POINTS
from generator.build.mingw_build import build_mingw_cell, probe_mingw_cell
from generator.build.pe_info import is_system_dll, read_pe
from generator.build.runner import Outcome, build_cells
from generator.build.windows_arch import python_dll_name, windows_arch
from generator.paths import REPO_ROOT

pytestmark = pytest.mark.slow

MATRIX = load_matrix()
WINDOWS_CELLS = [cell for cell in MATRIX.cells() if cell.method == "mingw"]
Built = tuple[Path, dict[str, Outcome]]


def test_mingw_builder_is_registered_with_its_probe() -> None:
    builder = get_builder("mingw")
    assert builder is not None
    assert builder.build is build_mingw_cell and builder.probe is probe_mingw_cell


def test_every_windows_architecture_and_python_has_a_mingw_cell() -> None:
    ids = {cell.id for cell in WINDOWS_CELLS}
    assert {f"cp3{minor}-{arch}" for minor in range(9, 15) for arch in ("win_amd64", "win32")} <= ids


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every Windows cell built once, two at a time (unbuildable ones come back as skipped)."""
    dist = tmp_path_factory.mktemp("dist")
    outcomes = build_cells(WINDOWS_CELLS, dist, jobs=2, log=lambda line: None)
    return dist, {outcome.cell.id: outcome for outcome in outcomes}


def built_cell(built: Built, cell_id: str) -> tuple[Path, Outcome]:
    dist, outcomes = built
    outcome = outcomes[cell_id]
    if outcome.status == "skipped":
        pytest.skip(f"{cell_id}: {outcome.detail}")
    log = dist / "logs" / f"{outcome.cell.sdk}-{cell_id}.log"
    assert outcome.status == "built", f"{outcome.detail}\n{log.read_text() if log.is_file() else ''}"
    assert outcome.entry is not None
    return dist, outcome


@pytest.mark.parametrize("cell_id", [cell.id for cell in WINDOWS_CELLS])
def test_windows_cell_is_a_plugin_dll_orthanc_can_load(built: Built, cell_id: str) -> None:
    dist, outcome = built_cell(built, cell_id)
    assert outcome.entry is not None
    cell = outcome.cell
    target = windows_arch(cell.arch)
    dll = dist / outcome.entry.plugin.path
    assert dll == dist / cell.sdk / cell.id / f"OrthancPython-{cell.id}.dll"
    if shutil.which("file"):
        described = subprocess.run(["file", "-b", str(dll)], capture_output=True, text=True).stdout
        assert described.startswith(target.file_magic), described

    pe = read_pe(dll)
    assert (pe.machine, pe.is_dll) == ({"win_amd64": "AMD64", "win32": "I386"}[target.platform], True)
    assert pe.dll_name == dll.name
    assert sorted(pe.exports) == sorted(ORTHANC_ENTRY_POINTS)
    python_dll = python_dll_name(cell.python)
    assert python_dll in pe.imports and len(pe.imports[python_dll]) > 50
    others = [name for name in pe.imports if name != python_dll]
    assert all(is_system_dll(name) for name in others), others

    data = dll.read_bytes()
    for linux_only in (b"libpython", b"/usr/bin/python", b".pyenv", str(REPO_ROOT).encode()):
        assert linux_only not in data, f"{linux_only!r} in a Windows DLL"
    assert (dll.parent / "orthanc.pyi").is_file()


@pytest.mark.parametrize("cell_id", [cell.id for cell in WINDOWS_CELLS])
def test_windows_cell_has_its_manifest_entry(built: Built, cell_id: str) -> None:
    dist, outcome = built_cell(built, cell_id)
    assert outcome.entry is not None
    entries = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["cells"]
    [entry] = [e for e in entries if e["cell"] == cell_id and e["sdk"] == outcome.cell.sdk]
    assert entry["method"] == "mingw" and entry["os"] == "windows"
    assert entry["python"] == outcome.cell.python
    assert entry["compiler"].startswith(windows_arch(outcome.cell.arch).triplet)
    assert f"python{outcome.cell.python}" in entry["compiler"]  # the CPython source it used
    assert entry["sha256"] == outcome.entry.plugin.sha256
    assert entry["stub"]["path"] == f"{outcome.cell.sdk}/{cell_id}/orthanc.pyi"


@pytest.mark.parametrize("cell_id", ["cp311-win_amd64", "cp311-win32"])
def test_the_cp311_cells_are_built_here(built: Built, cell_id: str) -> None:
    """The issue's must-show cells: skipped only when bookworm's python3.11 source is unreachable."""
    built_cell(built, cell_id)


def test_building_a_windows_cell_twice_gives_the_same_bytes(built: Built, tmp_path: Path) -> None:
    _, first = built_cell(built, "cp311-win_amd64")
    [again] = build_cells([first.cell], tmp_path, jobs=1, log=lambda line: None)
    assert again.status == "built", again.detail
    assert first.entry is not None and again.entry is not None
    assert again.entry.plugin.sha256 == first.entry.plugin.sha256
