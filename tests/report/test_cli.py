"""The command's sources and its usage errors (exit code 2, one line on stderr)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.report.conftest import SUBSET, Reports, header, run_cli


def test_a_new_header_is_reported_with_the_history_before_it(tmp_path: Path, reports: Reports) -> None:
    """The maintainer's case: a release not in the history yet, given as a file."""
    history = tmp_path / "history"
    for version in SUBSET[:-1]:
        (history / version).mkdir(parents=True)
        shutil.copyfile(header(version), history / version / "OrthancCPlugin.h")
    new = tmp_path / "incoming" / "OrthancCPlugin.h"
    new.parent.mkdir()
    shutil.copyfile(header(SUBSET[-1]), new)
    code, out, err = run_cli("coverage", "--header", str(new), "--release", SUBSET[-1], "--history", str(history),
                             "-o", str(tmp_path / "r"))
    assert code == 0, err
    from generator.report.schema import read

    document = read(tmp_path / "r" / "coverage.json")
    assert document.history is not None
    assert [r.release for r in document.history.releases] == list(SUBSET)
    assert document.counts == reports.sdk(SUBSET[-1]).document.counts
    assert f"History: {len(SUBSET)} releases" in out


def test_a_model_file_gives_the_same_figures_as_its_header(tmp_path: Path, reports: Reports) -> None:
    model = tmp_path / "model.json"
    code, _, err = run_cli("model", str(header("1.10.1")), "--release", "1.10.1", "-o", str(model))
    assert code == 0, err
    code, _, err = run_cli("coverage", "--model", str(model), "-o", str(tmp_path / "r"))
    assert code == 0, err
    direct = (reports.sdk("1.10.1").output / "coverage.json").read_bytes()
    assert (tmp_path / "r" / "coverage.json").read_bytes() == direct


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    out = str(tmp_path / "r")
    cases = [
        (["--sdk", "9.9.9"], "give its file with --header PATH"),
        (["--header", str(tmp_path / "missing.h")], "no such header file"),
        (["--release", "1.2.3"], "--release describes --header"),
        (["--header", str(header("1.10.1")), "--release", "next"], "MAJOR.MINOR.REVISION"),
        (["--compare", "1.12.6", str(tmp_path / "missing.h")], "no such header file"),
        (["--history", str(tmp_path / "no-history")], "history directory not found"),
    ]
    for args, message in cases:
        code, _, err = run_cli("coverage", *args, "-o", out)
        assert code == 2, args
        assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "r").exists()
