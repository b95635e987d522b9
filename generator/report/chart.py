"""Geometry of the history chart: SDK functions versus wrapped functions, release by release.

Only numbers are computed here (scales, points, ticks); templates/history.svg.j2 spells the SVG.
Coordinates are rounded to one decimal so that the output is stable across platforms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.report.document import ReleaseRow

STEP = 16.0  # horizontal distance between two releases
LEFT, RIGHT, TOP, BOTTOM = 52.0, 20.0, 34.0, 64.0
PLOT_HEIGHT = 240.0
MIN_PLOT_WIDTH = 320.0


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str  # tooltip


@dataclass(frozen=True)
class Series:
    key: str  # CSS class
    label: str
    points: list[Point]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:g},{p.y:g}" for p in self.points)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    left: float
    right: float  # x of the plot's right edge
    top: float
    bottom: float  # y of the plot's bottom edge (the zero line)
    series: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    title: str

    def area(self, series: Series) -> str:
        """Closed outline of the area under a series."""
        if not series.points:
            return ""
        first, last = series.points[0], series.points[-1]
        return f"{first.x:g},{self.bottom:g} {series.polyline} {last.x:g},{self.bottom:g}"


def _round(value: float) -> float:
    return round(value, 1)


def nice_step(maximum: int, ticks: int = 5) -> int:
    """A round step (1, 2, 2.5 or 5 times a power of ten, as integers) giving about `ticks` ticks."""
    raw = max(maximum, 1) / ticks
    power = 1
    while power * 10 <= raw:
        power *= 10
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def history_chart(rows: Sequence[ReleaseRow]) -> Chart:
    count = len(rows)
    plot_width = max(MIN_PLOT_WIDTH, STEP * (count - 1))
    step = plot_width / (count - 1) if count > 1 else 0.0
    top_value = max((row.counts.functions for row in rows), default=0)
    y_step = nice_step(top_value)
    y_max = max(y_step, -(-top_value // y_step) * y_step)
    bottom = TOP + PLOT_HEIGHT

    def x_of(index: int) -> float:
        return _round(LEFT + (index * step if count > 1 else plot_width / 2))

    def y_of(value: int) -> float:
        return _round(bottom - PLOT_HEIGHT * value / y_max)

    def series(key: str, label: str, value_of: str) -> Series:
        points = []
        for index, row in enumerate(rows):
            value = getattr(row.counts, value_of)
            tip = f"{row.release}: {value} {label} ({row.counts.coverage_percent:.1f}% coverage)"
            points.append(Point(x_of(index), y_of(value), tip))
        return Series(key, label, points)

    return Chart(
        width=_round(LEFT + plot_width + RIGHT),
        height=_round(bottom + BOTTOM),
        left=LEFT,
        right=_round(LEFT + plot_width),
        top=TOP,
        bottom=bottom,
        series=[
            series("sdk", "functions in the SDK", "functions"),
            series("wrapped", "functions wrapped", "wrapped"),
        ],
        y_ticks=[Tick(y_of(v), str(v)) for v in range(0, y_max + 1, y_step)],
        x_ticks=[Tick(x_of(i), row.release) for i, row in enumerate(rows)],
        title=f"SDK functions and wrapped functions, {rows[0].release} to {rows[-1].release}" if rows else "",
    )
