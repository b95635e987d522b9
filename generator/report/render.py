"""The views of a coverage document: coverage.md, coverage.html (self-contained), history.svg.

Templates (generator/report/templates/) hold the Markdown, HTML and SVG syntax; this module picks
what they show.  HTML and SVG are autoescaped, Markdown cells go through `md_cell`.
Files are written only once every view has rendered, each atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from generator.atomic_files import write_texts
from generator.report.chart import Chart, history_chart
from generator.report.document import CoverageDocument, FunctionEntry, ItemChange, Status
from generator.report.schema import dumps

TEMPLATES = Path(__file__).parent / "templates"

JSON_NAME = "coverage.json"
MARKDOWN_NAME = "coverage.md"
HTML_NAME = "coverage.html"
SVG_NAME = "history.svg"

STATUS_LABELS = {
    Status.GENERATED: "generated",
    Status.CUSTOM: "custom",
    Status.NOT_WRAPPED: "not wrapped",
    Status.NOT_APPLICABLE: "not applicable",
}


def md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _autoescape(name: str | None) -> bool:
    return name is not None and (".html" in name or ".svg" in name)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md_cell=md_cell, status_label=lambda s: STATUS_LABELS[Status(s)])
    return env


@dataclass(frozen=True)
class ReasonRow:
    code: str
    sentence: str
    status: str
    count: int


def reason_rows(document: CoverageDocument) -> list[ReasonRow]:
    """Per (status, reason code): how many functions, most frequent first."""
    counts: dict[tuple[Status, str], int] = {}
    for entry in document.functions():
        if entry.reason and entry.status in (Status.NOT_WRAPPED, Status.NOT_APPLICABLE):
            key = (entry.status, entry.reason)
            counts[key] = counts.get(key, 0) + 1
    # not_wrapped first, then by frequency
    ordered = sorted(counts.items(), key=lambda kv: (kv[0][0] != Status.NOT_WRAPPED, -kv[1], kv[0][1]))
    return [
        ReasonRow(code, document.reasons[code], STATUS_LABELS[status], count)
        for (status, code), count in ordered
    ]


def reason_text(entry: FunctionEntry, reasons: dict[str, str]) -> str:
    """The reason code with its sentence; empty when the function has no reason."""
    return f"{entry.reason}: {reasons[entry.reason]}" if entry.reason else ""


@dataclass(frozen=True)
class View:
    doc: CoverageDocument
    chart: Chart | None
    reason_rows: list[ReasonRow]
    status_labels: dict[str, str]
    svg_name: str

    def python_names(self, entry: FunctionEntry) -> list[str]:
        """The Python names to show: those of a wrapped function (none for a destructor)."""
        return entry.python if entry.status in (Status.GENERATED, Status.CUSTOM) else []

    def reason(self, entry: FunctionEntry) -> str:
        return reason_text(entry, self.doc.reasons)

    def since(self, entry: FunctionEntry) -> str:
        return entry.since or ("?" if self.doc.since_from == "header" else "")

    def items_by_kind(self, items: list[ItemChange]) -> list[tuple[str, list[str]]]:
        grouped: dict[str, list[str]] = {}
        for item in items:
            grouped.setdefault(item.kind, []).append(item.name)
        return sorted(grouped.items())


def build_view(document: CoverageDocument) -> View:
    chart = history_chart(document.history.releases) if document.history else None
    labels = {status.value: label for status, label in STATUS_LABELS.items()}
    return View(document, chart, reason_rows(document), labels, SVG_NAME)


def render(document: CoverageDocument) -> dict[str, str]:
    """File name -> text of every output."""
    env = environment()
    view = build_view(document)
    texts = {
        JSON_NAME: dumps(document),
        MARKDOWN_NAME: env.get_template("coverage.md.j2").render(view=view),
        HTML_NAME: env.get_template("coverage.html.j2").render(view=view),
    }
    if view.chart is not None:
        texts[SVG_NAME] = env.get_template("history.svg.j2").render(chart=view.chart)
    return texts


def write_report(document: CoverageDocument, output_dir: Path) -> list[Path]:
    texts = render(document)
    written = write_texts(texts, output_dir)
    stale = output_dir / SVG_NAME
    if SVG_NAME not in texts and stale.exists():  # a previous run's chart would mislead
        stale.unlink()
    return written
