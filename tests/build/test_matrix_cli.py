"""`python -m generator matrix ...` as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from generator.build.matrix import load_matrix
from generator.paths import REPO_ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "generator", "matrix", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )


def test_list_shows_every_cell_with_a_state() -> None:
    done = run("list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    cells = load_matrix().cells()
    assert len(lines) == len(cells) + 1
    assert lines[-1].startswith(f"{len(cells)} cells: ")
    for line, cell in zip(lines, cells):
        key, method, state, *reason = line.split()
        assert (key, method) == (cell.key, cell.method)
        assert state in ("buildable", "skipped") and reason


def test_list_json_for_another_sdk() -> None:
    done = run("list", "--json", "--sdk", "1.9.0")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {row["sdk"] for row in rows} == {"1.9.0", "1.10.1", "1.12.7", "1.13.0"}
    mac = next(row for row in rows if row["cell"] == "cp312-macosx_arm64")
    assert (mac["state"], mac["method"]) == ("skipped", "ci-runner")


def test_unknown_cell_is_one_line_and_exit_2() -> None:
    done = run("build", "cp38-macosx_arm64")
    assert done.returncode == 2
    assert done.stderr == (
        "error: build_matrix.yaml: cell 'cp38-macosx_arm64' is excluded by exclude[0] "
        "(cibuildwheel 4 no longer builds cp38, and macOS cells are only built by CI)\n"
    )


def test_unknown_sdk_is_one_line_and_exit_2() -> None:
    done = run("list", "--sdk", "7.0.0")
    assert done.returncode == 2
    assert done.stderr.startswith("error: SDK 7.0.0 is not in sdk_headers/manifest.yaml (known: 0.8.6,")
    assert done.stderr.count("\n") == 1


def test_named_cell_that_cannot_be_built_here_fails_the_command(tmp_path: Path) -> None:
    done = run("build", "cp312-macosx_x86_64", "--dist", str(tmp_path))
    assert done.returncode == 1
    assert "needs a macOS runner" in done.stderr
    assert done.stdout.splitlines()[-1] == "0 built, 1 skipped, 0 failed"
