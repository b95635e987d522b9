"""The report's figures against an independent count of the header text."""

from __future__ import annotations

import fnmatch

import pytest
import yaml

from generator.plan.plan import HERE as PLAN_DIR
from generator.report.document import Counts, Rule, Status
from tests.report.conftest import Reports, header
from tests.report.header_text import deprecated_by_macro, function_names

RELEASES = ["1.7.2", "1.10.1", "1.12.10"]


@pytest.mark.parametrize("version", RELEASES)
def test_every_function_of_the_header_is_reported_once(reports: Reports, version: str) -> None:
    run = reports.sdk(version)
    assert run.code == 0, run.stderr
    document = run.document
    names = [entry.name for entry in document.functions()]
    expected = function_names(header(version))
    assert len(names) == len(set(names)), "a function is listed in two groups"
    assert set(names) == expected
    assert document.counts.functions == len(expected)


@pytest.mark.parametrize("version", RELEASES)
def test_counts_add_up(reports: Reports, version: str) -> None:
    document = reports.sdk(version).document
    c = document.counts
    assert c.generated + c.custom + c.not_wrapped + c.not_applicable == c.functions
    assert c.wrapped == c.generated + c.custom
    assert c.applicable == c.functions - c.not_applicable
    exact = 100 * (c.generated + c.custom) / (c.functions - c.not_applicable)
    assert c.coverage_percent == pytest.approx(exact, abs=0.005)
    # Groups partition the functions, and each group's figures are its own.
    for field in ("functions", "generated", "custom", "not_wrapped", "not_applicable", "deprecated"):
        assert sum(getattr(g.counts, field) for g in document.groups) == getattr(c, field), field
    for group in document.groups:
        assert group.counts == Counts.of(group.functions)
        assert all(entry.group == group.name for entry in group.functions)


@pytest.mark.parametrize("version", RELEASES)
def test_statuses_follow_the_rule_files(reports: Reports, version: str) -> None:
    """Read custom.yaml and rules.yaml directly: named functions have the status the file gives."""
    document = reports.sdk(version).document
    by_name = {entry.name: entry for entry in document.functions()}
    rules = yaml.safe_load((PLAN_DIR / "rules.yaml").read_text(encoding="utf-8"))
    custom = yaml.safe_load((PLAN_DIR / "custom.yaml").read_text(encoding="utf-8"))["custom"]
    for name, reason in rules["not_applicable"].items():
        if name in by_name and by_name[name].status != Status.CUSTOM:
            assert (by_name[name].status, by_name[name].reason, by_name[name].rule) == (
                Status.NOT_APPLICABLE, reason, Rule.RULES)
    for entry in custom:
        requires = entry.get("requires", entry["covers"][:1])
        if not all(name in by_name for name in requires):
            continue
        scope = "" if entry["scope"] == "module" else entry["scope"] + "."
        for name in entry["covers"]:
            if name in by_name:
                assert by_name[name].status == Status.CUSTOM
                assert f"orthanc.{scope}{entry['python']}" in by_name[name].python
    for entry in by_name.values():
        if entry.status == Status.NOT_WRAPPED:
            named = any(fnmatch.fnmatchcase(entry.name, p) for p in rules["not_wrapped"])
            assert entry.rule == (Rule.RULES if named else Rule.TYPEMAP)
            assert entry.unclassified == (not named)
            assert entry.reason in document.reasons
        elif entry.status == Status.GENERATED and entry.rule == Rule.TYPEMAP:
            assert entry.python and all(p.startswith("orthanc.") for p in entry.python)


@pytest.mark.parametrize("version", RELEASES)
def test_deprecated_functions_are_marked(reports: Reports, version: str) -> None:
    document = reports.sdk(version).document
    marked = {entry.name for entry in document.functions() if entry.deprecated}
    assert deprecated_by_macro(header(version)) <= marked
    assert document.counts.deprecated == len(marked)


def test_markdown_lists_every_function_with_its_status(reports: Reports) -> None:
    run = reports.sdk("1.10.1")
    text = (run.output / "coverage.md").read_text(encoding="utf-8")
    c = run.document.counts
    assert f"| **all** | **{c.functions}** |" in text
    assert f"**Coverage: {c.coverage_percent:.1f} %**" in text
    functions_part = text.split("\n## Functions\n", 1)[1]
    for entry in run.document.functions():
        rows = [line for line in functions_part.splitlines() if line.startswith(f"| `{entry.name}` |")]
        assert len(rows) == 1, entry.name
        label = {"generated": "generated", "custom": "custom", "not_wrapped": "not wrapped",
                 "not_applicable": "not applicable"}[entry.status.value]
        assert f"| {label} |" in rows[0]
        if entry.status == Status.CUSTOM:
            assert all(f"`{name}`" in rows[0] for name in entry.python)
        if entry.status in (Status.NOT_WRAPPED, Status.NOT_APPLICABLE):
            assert entry.reason and entry.reason in rows[0]


def test_single_header_report_says_where_since_versions_come_from(reports: Reports) -> None:
    document = reports.sdk("1.10.1").document
    assert document.since_from == "header"
    assert document.history is None and document.compare is None
    # From one header only what it says itself ("New in Orthanc X" notes): never a history source.
    dated = [e for e in document.functions() if e.since]
    assert dated and len(dated) < len(document.functions())
    assert all(e.since_source not in ("history", "first-release") for e in dated)
    markdown = (reports.sdk("1.10.1").output / "coverage.md").read_text(encoding="utf-8")
    assert "add `--history` to compare releases" in markdown


def test_console_summary_fits_one_screen(reports: Reports) -> None:
    run = reports.sdk("1.10.1")
    lines = run.stdout.splitlines()
    assert 5 <= len(lines) <= 25
    assert f"{run.document.counts.coverage_percent:.1f} %" in run.stdout
