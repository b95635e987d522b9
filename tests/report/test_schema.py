"""coverage.json against its committed JSON Schema."""

from __future__ import annotations

import json

import pytest

from generator.report.schema import SCHEMA_PATH, DocumentError, dumps, from_data, schema_text, validate
from tests.report.conftest import Reports, Run


def test_committed_schema_is_the_derived_one() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "generator/report/coverage.schema.json is stale: run python -m generator.report.schema"
    )


@pytest.mark.parametrize("name", ["sdk", "compare", "subset"])
def test_every_kind_of_report_validates(name: str, reports: Reports, compare_run: Run, subset_run: Run) -> None:
    run = {"sdk": reports.sdk("1.10.1"), "compare": compare_run, "subset": subset_run}[name]
    data = json.loads((run.output / "coverage.json").read_text(encoding="utf-8"))
    assert validate(data) == []
    assert data["schema_version"] == 1


def test_documents_read_back_unchanged(compare_run: Run) -> None:
    text = (compare_run.output / "coverage.json").read_text(encoding="utf-8")
    assert dumps(from_data(json.loads(text))) == text


def test_schema_rejects_what_a_reader_could_misread(reports: Reports) -> None:
    data = json.loads((reports.sdk("1.10.1").output / "coverage.json").read_text(encoding="utf-8"))
    data["groups"][0]["functions"][0]["status"] = "half_wrapped"
    del data["counts"]["coverage_percent"]
    data["extra"] = 1
    problems = validate(data)
    assert any("half_wrapped" in p for p in problems)
    assert any("coverage_percent" in p for p in problems)
    assert any("extra" in p for p in problems)
    with pytest.raises(DocumentError, match="not a valid coverage document"):
        from_data(data)
