"""Expansion of build_matrix.yaml into cells: which exist, their names, how each is built."""

from __future__ import annotations

import re
from typing import Any

import pytest

from generator.build.matrix import Cell, MatrixError, load_matrix, with_method

ID_GRAMMAR = re.compile(r"^cp3\d+-(manylinux_(x86_64|i686)|win_amd64|win32|macosx_(x86_64|arm64))$")


@pytest.fixture(scope="module")
def cells() -> dict[str, Cell]:
    return {cell.key: cell for cell in load_matrix().cells()}


def test_every_cell_of_the_default_sdk_and_the_includes(cells: dict[str, Cell]) -> None:
    # 7 Pythons x 6 platforms, minus cp38 on macOS (2) and linux i686 (1), plus 3 runtime cells.
    assert len(cells) == 7 * 6 - 3 + 3
    assert {cell.sdk for cell in cells.values()} == {"1.12.10", "1.10.1", "1.12.7", "1.13.0"}
    assert all(ID_GRAMMAR.match(cell.id) for cell in cells.values())


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (
            "1.12.10/cp312-manylinux_x86_64",
            {"method": "host", "python": "3.12", "os": "linux", "arch": "x86_64"},
        ),
        ("1.12.10/cp38-manylinux_x86_64", {"method": "host"}),
        ("1.12.10/cp314-manylinux_x86_64", {"method": "chroot", "runtime": "sid-amd64"}),
        ("1.12.10/cp311-manylinux_i686", {"method": "chroot", "runtime": "bookworm-i386"}),
        ("1.12.10/cp312-manylinux_i686", {"method": "ci-runner", "runner": "ubuntu-latest"}),
        ("1.12.10/cp311-win32", {"method": "mingw", "toolchain": "i686-w64-mingw32-gcc", "arch": "x86"}),
        ("1.12.10/cp311-win_amd64", {"method": "mingw", "toolchain": "x86_64-w64-mingw32-gcc", "arch": "x64"}),
        ("1.12.10/cp38-win_amd64", {"method": "mingw"}),
        ("1.12.10/cp312-macosx_x86_64", {"method": "ci-runner", "runner": "macos-14"}),
        ("1.12.10/cp312-macosx_arm64", {"method": "ci-runner", "os": "macos", "arch": "arm64"}),
        (
            "1.12.7/cp313-manylinux_x86_64",
            {"method": "chroot", "runtime": "trixie-amd64", "header": "manifest"},
        ),
        ("1.13.0/cp314-manylinux_x86_64", {"method": "chroot", "runtime": "sid-amd64", "header": "runtime"}),
    ],
)
def test_cell_is_built_as_the_rules_say(cells: dict[str, Cell], key: str, expected: dict[str, Any]) -> None:
    cell = cells[key]
    assert {name: getattr(cell, name) for name in expected} == expected


def test_excluded_cells_are_absent(cells: dict[str, Cell]) -> None:
    ids = {cell.id for cell in cells.values()}
    assert "cp38-macosx_arm64" not in ids and "cp38-macosx_x86_64" not in ids
    assert "cp38-manylinux_i686" not in ids
    assert "cp38-win32" in ids  # cp38 stays where this machine can build it


def test_pointer_width_follows_the_platform(cells: dict[str, Cell]) -> None:
    assert cells["1.12.10/cp311-win32"].platform.bits == 32
    assert cells["1.12.10/cp311-manylinux_i686"].platform.bits == 32
    assert cells["1.12.10/cp311-macosx_arm64"].platform.bits == 64


def test_cells_are_sorted_and_unique() -> None:
    cells = load_matrix().cells()
    assert [c.sort_key() for c in cells] == sorted(c.sort_key() for c in cells)
    assert len({c.key for c in cells}) == len(cells)


def test_other_sdk_releases_are_selectable() -> None:
    matrix = load_matrix()
    cells = matrix.cells(["1.10.1", "0.9.5"])
    sdks = {cell.sdk for cell in cells}
    assert sdks == {"1.10.1", "0.9.5", "1.12.7", "1.13.0"}  # the runtime cells always come along
    assert "1.12.10" not in sdks
    assert sum(1 for cell in cells if cell.sdk == "0.9.5") == 39


def test_unknown_sdk_selection_lists_the_known_ones() -> None:
    with pytest.raises(
        MatrixError, match=r"SDK 1\.99\.0 is not in sdk_headers/manifest\.yaml \(known: 0\.8\.6, "
    ):
        load_matrix().cells(["1.99.0"])


def test_find_by_id_or_sdk_and_id() -> None:
    matrix = load_matrix()
    assert matrix.find("cp313-manylinux_x86_64").key == "1.12.10/cp313-manylinux_x86_64"
    assert matrix.find("1.12.7/cp313-manylinux_x86_64").runtime == "trixie-amd64"
    assert matrix.find("1.13.0/cp314-manylinux_x86_64").header == "runtime"
    assert matrix.find("cp313-manylinux_x86_64", ["1.10.1"]).key == "1.10.1/cp313-manylinux_x86_64"


def test_find_explains_misses() -> None:
    matrix = load_matrix()
    with pytest.raises(
        MatrixError, match=r"cell 'cp38-macosx_arm64' is excluded by exclude\[0\] \(cibuildwheel 4"
    ):
        matrix.find("cp38-macosx_arm64")
    with pytest.raises(
        MatrixError, match=r"no cell 'cp312-linux_x86_64'; cells of cp312: 1\.12\.10/cp312-macosx_arm64"
    ):
        matrix.find("cp312-linux_x86_64")


def test_with_method_makes_a_native_build_of_the_same_cell() -> None:
    cell = load_matrix().find("cp311-manylinux_i686")
    native = with_method(cell, "host")
    assert (native.id, native.method, native.runtime) == (cell.id, "host", None)


def test_current_interpreter_cell() -> None:
    """What a wheel build makes: this interpreter's cell, natively (cibuildwheel runs each target)."""
    import struct
    import sys

    from generator.build.current import current_cell, current_cell_id

    if not sys.platform.startswith("linux") or struct.calcsize("P") != 8:
        pytest.skip("checked on 64-bit Linux")
    expected = f"cp{sys.version_info[0]}{sys.version_info[1]}-manylinux_x86_64"
    assert current_cell_id() == expected
    cell = current_cell(load_matrix())
    assert (cell.key, cell.method) == (f"1.12.10/{expected}", "host")
    assert current_cell(load_matrix(), "1.10.1").sdk == "1.10.1"
