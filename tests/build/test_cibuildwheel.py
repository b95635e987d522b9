"""build_matrix.yaml and cibuildwheel agree on the cells (by `cibuildwheel --print-build-identifiers`).

Two checks per platform: cibuildwheel itself (no configuration) offers every identifier of the
matrix that is not declared unsupported (and really does not offer those), and with wheel/'s
configuration, the one CI uses, it builds exactly the matrix's cells.  cibuildwheel runs offline.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.build.matrix import Matrix, load_matrix
from generator.paths import REPO_ROOT

PLATFORMS = ["linux", "windows", "macos"]


def _cibuildwheel() -> list[str]:
    found = shutil.which("cibuildwheel")
    if found is None:
        pytest.skip("cibuildwheel is not installed (pip install cibuildwheel; it is in the dev extras)")
    return [found]


def identifiers(platform: str, package: Path, cwd: Path, archs: list[str] | None = None) -> set[str]:
    command = [*_cibuildwheel(), "--print-build-identifiers", "--platform", platform]
    if archs:
        command += ["--archs", ",".join(archs)]
    done = subprocess.run(
        [*command, str(package)], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


@pytest.fixture(scope="module")
def matrix() -> Matrix:
    return load_matrix()


def expected_ids(matrix: Matrix, platform: str) -> set[str]:
    unsupported = {f"cp{v.replace('.', '')}-" for v in matrix.cibuildwheel_unsupported}
    return {
        cell.id
        for cell in matrix.cells()
        if cell.os == platform and not any(cell.id.startswith(prefix) for prefix in unsupported)
    }


@pytest.mark.parametrize("platform", PLATFORMS)
def test_ci_configuration_builds_exactly_the_matrix_cells(matrix: Matrix, platform: str) -> None:
    ours = expected_ids(matrix, platform)
    theirs = identifiers(platform, Path("wheel"), cwd=REPO_ROOT)
    assert theirs == ours, (
        f"only cibuildwheel: {sorted(theirs - ours)}; only the matrix: {sorted(ours - theirs)}"
    )


@pytest.mark.parametrize("platform", PLATFORMS)
def test_cibuildwheel_supports_the_matrix(matrix: Matrix, platform: str, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "probe"\nversion = "0"\n', encoding="utf-8")
    archs = sorted({p.cibuildwheel_arch for p in matrix.platforms if p.os == platform})
    offered = identifiers(platform, Path("."), cwd=tmp_path, archs=archs)
    # Plain CPython on the manylinux / Windows / macOS images only: no free-threaded 't' builds, no musl.
    plain = {i for i in offered if re.match(r"^cp\d+-", i) and "musllinux" not in i}
    missing = expected_ids(matrix, platform) - plain
    assert not missing, f"cibuildwheel does not offer {sorted(missing)}"
    for version in matrix.cibuildwheel_unsupported:
        tag = f"cp{version.replace('.', '')}-"
        assert not any(i.startswith(tag) for i in offered), (
            f"{version} is offered again: update build_matrix.yaml"
        )
