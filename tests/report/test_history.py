"""The release-by-release view: rows, chart and since-versions against the headers' text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pytest

from generator.report.document import CoverageDocument
from tests.report.conftest import SUBSET, Reports, Run, header
from tests.report.header_text import function_names

SVG = "{http://www.w3.org/2000/svg}"


def check_rows(document: CoverageDocument, releases: list[str]) -> None:
    assert document.history is not None
    rows = document.history.releases
    assert [row.release for row in rows] == releases
    previous: set[str] = set()
    for index, row in enumerate(rows):
        names = function_names(header(row.release))
        assert row.counts.functions == len(names), row.release
        if index:
            assert row.added == sorted(names - previous), row.release
            assert row.removed == sorted(previous - names), row.release
        previous = names
    assert rows[-1].counts == document.counts


def test_rows_agree_with_each_header(subset_run: Run) -> None:
    assert subset_run.code == 0, subset_run.stderr
    check_rows(subset_run.document, list(SUBSET))


def test_history_gives_every_function_a_release(subset_run: Run) -> None:
    document = subset_run.document
    assert document.since_from == "history"
    assert all(entry.since for entry in document.functions())
    # A function absent from 1.12.9's header cannot have appeared before 1.12.9 ... unless the
    # header itself says so; either way it is not older than the oldest release compared.
    new_in_last = function_names(header("1.12.10")) - function_names(header("1.12.9"))
    for entry in document.functions():
        if entry.name in new_in_last and entry.since_source == "history":
            assert entry.since == "1.12.10"


def test_chart_draws_one_point_per_release_and_series(subset_run: Run) -> None:
    document = subset_run.document
    assert document.history is not None
    rows = document.history.releases
    svg = ElementTree.parse(subset_run.output / "history.svg").getroot()
    assert svg.tag == f"{SVG}svg"
    lines = {el.get("class"): el for el in svg.iter(f"{SVG}polyline")}
    assert set(lines) == {"ch-line-sdk", "ch-line-wrapped"}
    sdk_points = [tuple(map(float, p.split(","))) for p in (lines["ch-line-sdk"].get("points") or "").split()]
    wrapped_points = [tuple(map(float, p.split(","))) for p in (lines["ch-line-wrapped"].get("points") or "").split()]
    assert len(sdk_points) == len(wrapped_points) == len(rows)
    # SVG y grows downwards: more functions is higher up, and wrapped never exceeds the SDK.
    for (x1, y_sdk), (x2, y_wrapped) in zip(sdk_points, wrapped_points):
        assert x1 == x2
        assert y_sdk <= y_wrapped
    for a, b, row_a, row_b in zip(sdk_points, sdk_points[1:], rows, rows[1:]):
        assert a[0] < b[0]
        assert (a[1] > b[1]) == (row_a.counts.functions < row_b.counts.functions)
    tips = [t.text for t in svg.iter(f"{SVG}title")]
    for row in rows:
        expected = f"{row.release}: {row.counts.functions} functions in the SDK"
        assert any(tip and tip.startswith(expected) for tip in tips)
    # The same chart is inline in the HTML page, and the Markdown links the file.
    html = (subset_run.output / "coverage.html").read_text(encoding="utf-8")
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="history-chart"') == 1
    assert "](history.svg)" in (subset_run.output / "coverage.md").read_text(encoding="utf-8")


def test_history_of_a_chosen_release_stops_at_it(reports: Reports, history_subset) -> None:  # type: ignore[no-untyped-def]
    run = reports.get("subset-1.12.6", "--sdk", "1.12.6", "--history", str(history_subset))
    assert run.code == 0, run.stderr
    check_rows(run.document, ["1.12.3", "1.12.6"])


@pytest.mark.slow
def test_all_releases_of_the_shared_folder(reports: Reports) -> None:
    """The history of issue 5: every release of the shared folder, each row checked against its header."""
    from tests.report.conftest import SHARED_HEADERS

    run = reports.get("history-all", "--history", str(SHARED_HEADERS))
    assert run.code == 0, run.stderr
    releases = sorted(
        (p.name for p in SHARED_HEADERS.iterdir() if re.fullmatch(r"\d+\.\d+\.\d+", p.name)),
        key=lambda v: tuple(int(x) for x in v.split(".")),
    )
    assert len(releases) >= 58
    check_rows(run.document, releases)
    assert run.document.history is not None
    assert len(run.stdout.splitlines()) <= 25
