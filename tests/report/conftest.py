"""Fixtures of the coverage report tests: real SDK headers, reports made once.

Every report is made by the real command (`python -m generator coverage`, called in-process) into
a temporary folder, with the header cache redirected there too.  Fixtures are package-scoped:
parsing headers is the slow part, and the environment is restored before other test folders run.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import main
from generator.paths import REPO_ROOT
from generator.report.document import CoverageDocument
from generator.report.schema import read

SHARED_HEADERS = Path(os.environ.get("ORTHANC_SDK_HEADERS") or REPO_ROOT.parent / "shared" / "sdk_headers")
# A short history for the quick tests: the releases around the compare view of issue 5.
SUBSET = ("1.12.3", "1.12.6", "1.12.7", "1.12.9", "1.12.10")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    output: Path

    @property
    def document(self) -> CoverageDocument:
        return read(self.output / "coverage.json")


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def header(version: str) -> Path:
    return SHARED_HEADERS / version / "OrthancCPlugin.h"


@pytest.fixture(scope="package", autouse=True)
def report_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Headers from the shared folder, a private cache (resolve_header stores what it verifies)."""
    if not (SHARED_HEADERS / "manifest.yaml").is_file():
        pytest.skip(f"shared SDK headers not found at {SHARED_HEADERS} (set ORTHANC_SDK_HEADERS)")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ORTHANC_SDK_HEADERS", str(SHARED_HEADERS))
        patch.setenv("ORTHANC_PYTHON_CACHE", str(tmp_path_factory.mktemp("cache")))
        patch.setenv("ORTHANC_SDK_FETCH_TIMEOUT", "5")
        yield


class Reports:
    """`python -m generator coverage ARGS -o <tmp>/<name>`, run once per name for this package."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runs: dict[str, Run] = {}

    def get(self, name: str, *args: str) -> Run:
        if name not in self.runs:
            output = self.root / name
            code, stdout, stderr = run_cli("coverage", *args, "-o", str(output))
            self.runs[name] = Run(code, stdout, stderr, output)
        return self.runs[name]

    def sdk(self, version: str) -> Run:
        return self.get(f"sdk-{version}", "--sdk", version)


@pytest.fixture(scope="package")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    return Reports(tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="package")
def history_subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A history folder with the releases of SUBSET (copies: a history folder is any such tree)."""
    root = tmp_path_factory.mktemp("history")
    for version in SUBSET:
        (root / version).mkdir()
        shutil.copyfile(header(version), root / version / "OrthancCPlugin.h")
    return root


@pytest.fixture(scope="package")
def subset_run(reports: Reports, history_subset: Path) -> Run:
    return reports.get("history-subset", "--history", str(history_subset))


@pytest.fixture(scope="package")
def compare_run(reports: Reports) -> Run:
    return reports.get("compare", "--compare", "1.12.6", "1.12.10")
