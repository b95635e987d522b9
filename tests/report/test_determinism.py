"""Same inputs, same bytes: no dates, no absolute paths, no unordered output."""

from __future__ import annotations

from pathlib import Path

from tests.report.conftest import Run, run_cli


def test_a_second_run_writes_identical_files(subset_run: Run, history_subset: Path, tmp_path: Path) -> None:
    code, _, err = run_cli("coverage", "--history", str(history_subset), "--jobs", "1", "-o", str(tmp_path))
    assert code == 0, err
    first = sorted(p.name for p in subset_run.output.iterdir())
    assert first == ["coverage.html", "coverage.json", "coverage.md", "history.svg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == first
    for name in first:
        assert (tmp_path / name).read_bytes() == (subset_run.output / name).read_bytes(), name


def test_outputs_do_not_name_the_machine(subset_run: Run, history_subset: Path) -> None:
    for path in subset_run.output.iterdir():
        text = path.read_text(encoding="utf-8")
        assert str(history_subset) not in text and str(Path.home()) not in text, path.name
