"""reports.yaml (what `nox -s coverage` writes) and the index over several reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.report.batch import BatchError, load_reports
from tests.report.conftest import Reports, Run, run_cli


def test_the_nox_reports_cover_issue_5() -> None:
    specs = {spec.folder: spec for spec in load_reports()}
    for version in ("1.7.2", "1.10.1", "1.12.10"):
        assert ("--sdk", version) == specs[version].args[:2]
    assert "--history" in specs["history"].args
    assert any(spec.args[:3] == ("--compare", "1.12.6", "1.12.10") for spec in specs.values())
    assert specs["1.10.1"].command(Path("dist/coverage"))[-2:] == ["-o", "dist/coverage/1.10.1"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("reports: []\n", "non-empty list"),
        ("reports:\n  - {folder: a, args: [--sdk, 1.10]}\n", "list of strings"),
        ("reports:\n  - {folder: ../up, args: []}\n", "plain folder name"),
        ("reports:\n  - {folder: a, args: [-o, x]}\n", "output folder"),
        ("reports:\n  - {folder: a, args: []}\n  - {folder: a, args: []}\n", "folder used twice"),
        ("reports:\n  - {folder: a}\n", "folder and args"),
    ],
)
def test_bad_report_lists_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "reports.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BatchError, match=message):
        load_reports(path)


def test_index_lists_each_report_with_its_figures(reports: Reports, compare_run: Run, tmp_path: Path) -> None:
    sdk = reports.sdk("1.10.1")
    for run, folder in ((sdk, "1.10.1"), (compare_run, "compare")):
        (tmp_path / folder).mkdir()
        for path in run.output.iterdir():
            (tmp_path / folder / path.name).write_bytes(path.read_bytes())
    code, out, err = run_cli("coverage-index", str(tmp_path))
    assert code == 0, err
    markdown = (tmp_path / "index.md").read_text(encoding="utf-8")
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    for run, folder in ((sdk, "1.10.1"), (compare_run, "compare")):
        c = run.document.counts
        assert f"[{folder}]({folder}/coverage.md)" in markdown
        assert f"| {c.functions} | {c.generated} | {c.custom} | {c.not_wrapped} | {c.not_applicable} |" in markdown
        assert f'<a href="{folder}/coverage.html">' in html
    assert markdown.index("[1.10.1]") < markdown.index("[compare]")  # by release: 1.10.1 before 1.12.10
    code, _, err = run_cli("coverage-index", str(tmp_path), "missing")
    assert code == 2 and "missing" in err
