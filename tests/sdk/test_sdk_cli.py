"""`python -m generator sdk ...` as a user runs it: a real subprocess, real exit codes and streams."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.paths import REPO_ROOT

from .synthetic import SYSTEM_HEADER, header_text, sha

SHA_1_10_1 = "25636a2d6aeed108caa0cb079d944ae77d23857a3b6fd4690fed046ccce6612f"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=60,
    )


def test_list_shows_every_release() -> None:
    done = run("sdk", "list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["version", "declared", "sha256", "bytes", "available"]
    rows = [line.split() for line in lines[1:-1]]
    assert len(rows) == 58
    assert rows[-1][:2] == ["1.12.10", "1.12.10"]
    row_1_10_1 = next(row for row in rows if row[0] == "1.10.1")
    if SYSTEM_HEADER.is_file() and sha(SYSTEM_HEADER.read_bytes()) == SHA_1_10_1:
        assert row_1_10_1[-1] in ("cache", "system")


def test_fetch_places_the_header_in_the_cache(isolated: Path) -> None:
    if not SYSTEM_HEADER.is_file():
        pytest.skip(f"{SYSTEM_HEADER} not installed (Debian package orthanc-dev)")
    done = run("sdk", "fetch", "1.10.1")
    assert done.returncode == 0, done.stderr
    cached = isolated / "sdk" / "1.10.1" / "OrthancCPlugin.h"
    assert cached.read_bytes() == SYSTEM_HEADER.read_bytes()
    assert done.stdout.splitlines()[0] == f"SDK 1.10.1: {cached}"


def test_unknown_version_is_one_line_and_exit_2() -> None:
    done = run("sdk", "fetch", "9.9.9")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: unknown SDK version 9.9.9")
    assert "0.8.6, 0.9.0" in done.stderr and "1.12.10" in done.stderr


def test_checksum_mismatch_is_one_line_and_exit_2(tmp_path: Path) -> None:
    wrong = tmp_path / "OrthancCPlugin.h"
    wrong.write_bytes(header_text(1, 10, 1))
    done = run("sdk", "fetch", "1.10.1", "--header", str(wrong))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert f"expected {SHA_1_10_1}, actual {sha(wrong.read_bytes())}" in done.stderr


def test_allow_unknown_prints_the_manifest_line_to_add(tmp_path: Path) -> None:
    new = tmp_path / "OrthancCPlugin.h"
    new.write_bytes(header_text(1, 13, 0))
    done = run("sdk", "fetch", "1.13.0", "--allow-unknown", "--header", str(new))
    assert done.returncode == 0, done.stderr
    digest, size = sha(new.read_bytes()), new.stat().st_size
    expected = f'- {{version: "1.13.0", declared: "1.13.0", sha256: "{digest}", bytes: {size}}}'
    assert expected in done.stdout


def test_usage_errors_exit_2() -> None:
    done = run("sdk", "fetch")
    assert done.returncode == 2 and "VERSION" in done.stderr
