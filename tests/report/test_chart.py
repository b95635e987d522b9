"""Geometry of the history chart, on hand-made rows."""

from __future__ import annotations

import pytest

from generator.report.chart import LEFT, PLOT_HEIGHT, TOP, history_chart, nice_step
from generator.report.document import Counts, ReleaseRow


def row(release: str, functions: int, wrapped: int) -> ReleaseRow:
    pct = 100.0 * wrapped / functions
    counts = Counts(functions, wrapped, 0, functions - wrapped, 0, wrapped, functions, pct, 0, 0)
    return ReleaseRow(release, release, counts, [], [])


@pytest.mark.parametrize(("maximum", "step"), [(1, 1), (9, 2), (49, 10), (206, 50), (1000, 200), (0, 1)])
def test_nice_step(maximum: int, step: int) -> None:
    assert nice_step(maximum) == step


def test_points_scale_to_the_plot() -> None:
    chart = history_chart([row("1.0.0", 50, 40), row("1.1.0", 100, 50), row("1.2.0", 200, 150)])
    sdk, wrapped = chart.series
    assert [p.x for p in sdk.points] == [p.x for p in wrapped.points]
    assert sdk.points[0].x == LEFT and sdk.points[-1].x == chart.right
    assert chart.bottom == TOP + PLOT_HEIGHT
    # Top tick is 200 (a round number at or above the maximum); 200 functions sit on it.
    assert chart.y_ticks[-1].label == "200" and sdk.points[-1].y == chart.y_ticks[-1].position == TOP
    assert sdk.points[0].y == pytest.approx(TOP + PLOT_HEIGHT * 0.75, abs=0.05)
    assert wrapped.points[0].y == pytest.approx(TOP + PLOT_HEIGHT * 0.8, abs=0.05)
    assert [t.label for t in chart.x_ticks] == ["1.0.0", "1.1.0", "1.2.0"]
    assert chart.area(sdk).startswith(f"{LEFT:g},{chart.bottom:g} ")


def test_a_single_release_is_drawn_in_the_middle() -> None:
    chart = history_chart([row("1.0.0", 10, 5)])
    (point,) = chart.series[0].points
    assert LEFT < point.x < chart.right
