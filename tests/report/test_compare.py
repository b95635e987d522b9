"""The compare view, against the function lists of both headers read by regex."""

from __future__ import annotations

from generator.report.document import Status
from tests.report.conftest import Run, header
from tests.report.header_text import deprecated_by_macro, function_names


def test_compare_lists_the_functions_added_between_1_12_6_and_1_12_10(compare_run: Run) -> None:
    assert compare_run.code == 0, compare_run.stderr
    compare = compare_run.document.compare
    assert compare is not None
    old, new = function_names(header("1.12.6")), function_names(header("1.12.10"))
    assert [e.name for e in compare.added] == sorted(new - old)
    assert [e.name for e in compare.removed] == sorted(old - new)
    assert len(compare.added) > 0  # 1.12.10 did add functions (key-value stores, queues, ...)
    assert (compare.old.release, compare.new.release) == ("1.12.6", "1.12.10")
    assert compare.old_counts.functions == len(old)
    assert compare_run.document.counts.functions == len(new)


def test_each_new_function_carries_its_status_in_the_new_release(compare_run: Run) -> None:
    document = compare_run.document
    assert document.compare is not None
    current = {entry.name: entry for entry in document.functions()}
    for entry in document.compare.added:
        assert entry == current[entry.name]
        if entry.status in (Status.NOT_WRAPPED, Status.NOT_APPLICABLE):
            assert entry.reason in document.reasons


def test_compare_lists_newly_deprecated_functions(compare_run: Run) -> None:
    compare = compare_run.document.compare
    assert compare is not None
    newly = deprecated_by_macro(header("1.12.10")) - deprecated_by_macro(header("1.12.6"))
    assert newly <= set(compare.deprecated)


def test_compare_appears_in_every_view(compare_run: Run) -> None:
    compare = compare_run.document.compare
    assert compare is not None
    markdown = (compare_run.output / "coverage.md").read_text(encoding="utf-8")
    html = (compare_run.output / "coverage.html").read_text(encoding="utf-8")
    section = markdown.split("## Changes from 1.12.6 to 1.12.10", 1)[1].split("\n## ", 1)[0]
    for entry in compare.added:
        assert f"| `{entry.name}` |" in section
        assert f'<td class="fn">{entry.name}</td>' in html
    assert f'<span id="compare-added">{len(compare.added)}</span>' in html
    assert "Compare 1.12.6 → 1.12.10" in compare_run.stdout
