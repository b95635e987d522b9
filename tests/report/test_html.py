"""The HTML page: self-contained, and its totals read back from the DOM rendered by chromium."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.report.conftest import Reports, Run

TOTAL_IDS = {
    "total-functions": "functions",
    "total-generated": "generated",
    "total-custom": "custom",
    "total-not-wrapped": "not_wrapped",
    "total-not-applicable": "not_applicable",
    "total-wrapped": "wrapped",
    "total-applicable": "applicable",
    "total-deprecated": "deprecated",
    "total-unclassified": "unclassified",
}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


class _ById(HTMLParser):
    """Text content of the elements with an id, and every URL the page would load."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: dict[str, str] = {}
        self.attributes: dict[str, dict[str, str | None]] = {}
        self.loads: list[str] = []
        self._open: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("src", "href") if tag != "a" else ():
            if values.get(key):
                self.loads.append(f"{tag} {key}={values[key]}")
        if tag in ("link", "script", "iframe", "object", "embed", "img"):
            self.loads.append(tag)
        ident = values.get("id")
        if ident:
            self.text.setdefault(ident, "")
            self.attributes[ident] = values
        if tag not in ("meta", "br", "img", "input", "link", "circle", "rect", "line", "polyline", "polygon"):
            self._open.append(ident)

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for ident in self._open:
            if ident:
                self.text[ident] += data


def parse(html: str) -> _ById:
    parser = _ById()
    parser.feed(html)
    return parser


def test_page_is_self_contained(subset_run: Run) -> None:
    html = (subset_run.output / "coverage.html").read_text(encoding="utf-8")
    assert parse(html).loads == []
    assert "@import" not in html and "url(" not in html
    links = [line for line in html.split('href="')[1:]]
    assert all(link.startswith("#") for link in links)


def test_totals_in_the_page_source(reports: Reports) -> None:
    run = reports.sdk("1.10.1")
    found = parse((run.output / "coverage.html").read_text(encoding="utf-8"))
    counts = run.document.counts
    for ident, field in TOTAL_IDS.items():
        assert found.text[ident].strip() == str(getattr(counts, field)), ident


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    return path


def rendered_dom(chromium: str, page: Path) -> str:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.parametrize("name", ["sdk", "subset"])
def test_chromium_renders_the_totals(chromium: str, name: str, reports: Reports, subset_run: Run) -> None:
    run = reports.sdk("1.10.1") if name == "sdk" else subset_run
    dom = parse(rendered_dom(chromium, run.output / "coverage.html"))
    counts = run.document.counts
    for ident, field in TOTAL_IDS.items():
        assert dom.text.get(ident, "").strip() == str(getattr(counts, field)), ident
    assert dom.attributes["coverage-percent"]["data-value"] == str(counts.coverage_percent)
    assert dom.text["coverage-percent"].replace("\u202f", " ").strip() == f"{counts.coverage_percent:.1f} %"
    assert dom.text["sdk-release"] == run.document.sdk.release
    if run.document.history:
        assert "history-chart" in dom.attributes
