"""Bad input: one clear line naming the file (and line), exit code 2, no output left."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BAD = Path(__file__).parent / "bad_headers"
REPO = Path(__file__).resolve().parents[2]


def run_model(header: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path / "model.json"
    result = subprocess.run([sys.executable, "-m", "generator", "model", str(header), "-o", str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    return result, out


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("missing.h", None, "no such file"),
        ("empty.h", None, "empty file"),
        ("not_c.h", 1, "error"),
        ("other_library.h", None, "not an Orthanc plugin SDK header"),
        ("syntax_error.h", 8, "error"),
    ],
)
def test_bad_header_is_refused_with_one_line(tmp_path, name, line, words):
    result, out = run_model(BAD / name, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0] and words in lines[0]
    if line is not None:
        assert f"{name}:{line}:" in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def test_directory_instead_of_header(tmp_path):
    result, out = run_model(BAD, tmp_path)
    assert result.returncode == 2 and "directory" in result.stderr
