"""The index over several reports: DIR/index.md and DIR/index.html, one row per DIR/*/coverage.json."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.model.since import version_key
from generator.report.document import CoverageDocument
from generator.report.render import HTML_NAME, JSON_NAME, MARKDOWN_NAME, environment, write_texts
from generator.report.schema import DocumentError, read

INDEX_MD = "index.md"
INDEX_HTML = "index.html"


@dataclass(frozen=True)
class IndexRow:
    folder: str
    document: CoverageDocument

    @property
    def kind(self) -> str:
        if self.document.compare:
            return f"changes from {self.document.compare.old.release}"
        if self.document.history:
            return f"history of {len(self.document.history.releases)} releases"
        return "single release"

    @property
    def markdown(self) -> str:
        return f"{self.folder}/{MARKDOWN_NAME}"

    @property
    def html(self) -> str:
        return f"{self.folder}/{HTML_NAME}"


def _sort_key(row: IndexRow) -> tuple[tuple[int, ...], int, str]:
    document = row.document
    try:
        release = version_key(document.sdk.release)
    except ValueError:
        release = ()
    detail = 2 if document.compare else 1 if document.history else 0
    return release, detail, row.folder


def index_rows(directory: Path, folders: Sequence[str] = ()) -> list[IndexRow]:
    """The reports in `folders` of `directory` (default: every folder with a coverage.json).

    DocumentError names a folder without a usable report.
    """
    names = list(folders) or sorted(path.parent.name for path in directory.glob(f"*/{JSON_NAME}"))
    if not names:
        raise DocumentError(f"{directory}: no */{JSON_NAME} reports to index")
    rows = [IndexRow(name, read(directory / name / JSON_NAME)) for name in names]
    return sorted(rows, key=_sort_key)


def write_index(directory: Path, folders: Sequence[str] = ()) -> list[Path]:
    rows = index_rows(directory, folders)
    env = environment()
    texts = {
        INDEX_MD: env.get_template("index.md.j2").render(rows=rows),
        INDEX_HTML: env.get_template("index.html.j2").render(rows=rows),
    }
    return write_texts(texts, directory)
