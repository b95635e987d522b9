"""The summary block kept in README-like files: spliced in place, and current."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build.matrix import load_matrix
from generator.paths import REPO_ROOT
from generator.report.inputs import InputError
from generator.report.readme import BEGIN, END, splice, summary_block
from tests.report.conftest import Reports, run_cli

HOSTS = [REPO_ROOT / "README.md"]


def test_splice_replaces_only_the_block() -> None:
    text = f"# Title\n\nbefore\n{BEGIN} -->\nold figures\n{END}\nafter\n"
    assert splice(text, f"{BEGIN} -->\nnew\n{END}\n") == f"# Title\n\nbefore\n{BEGIN} -->\nnew\n{END}\nafter\n"
    with pytest.raises(InputError, match="no .* block"):
        splice("no markers\n", "x")
    with pytest.raises(InputError, match="2 .* block"):
        splice(text + text, "x")


def test_summary_into_updates_a_file(reports: Reports, tmp_path: Path) -> None:
    host = tmp_path / "README.md"
    host.write_text(f"intro\n\n{BEGIN} -->\n{END}\n\nrest\n", encoding="utf-8")
    code, out, err = run_cli("coverage", "--sdk", "1.10.1", "-o", str(tmp_path / "r"), "--summary-into", str(host))
    assert code == 0, err
    text = host.read_text(encoding="utf-8")
    assert text.startswith("intro\n\n") and text.endswith("\n\nrest\n")
    c = reports.sdk("1.10.1").document.counts
    assert f"| **all** | **{c.functions}** |" in text
    assert f"= {c.wrapped} / {c.applicable}." in text
    assert "summary updated" in out


def test_committed_summaries_are_current(reports: Reports) -> None:
    hosts = [p for p in HOSTS if p.is_file() and BEGIN in p.read_text(encoding="utf-8")]
    if not hosts:
        pytest.skip("no README.md or docs/coverage.md carries a coverage summary block")
    sdk = load_matrix().default_sdk
    expected = summary_block(reports.sdk(sdk).document)
    for host in hosts:
        text = host.read_text(encoding="utf-8")
        where = host.relative_to(REPO_ROOT)
        assert expected in text, (
            f"{where}: coverage summary is stale; run "
            f"python -m generator coverage --sdk {sdk} -o dist/coverage/{sdk} --summary-into {where}"
        )
