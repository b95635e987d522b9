"""CI gates: each fails when it should and passes when it should, through the real command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.report import gates
from generator.report.console import summary_lines
from generator.report.document import Status
from generator.report.schema import from_data
from tests.report.conftest import Reports, Run, header, run_cli
from tests.report.header_text import function_names

# The gates need a release with a function left unwrapped: 1.12.10 keeps its database back-end out
# (1.10.1 is wholly wrapped since issue 16).
BASE_SDK = "1.12.10"


@pytest.fixture(scope="module")
def base(reports: Reports) -> Run:
    run = reports.sdk(BASE_SDK)
    assert run.code == 0, run.stderr
    return run


def edited_baseline(base: Run, tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    data = json.loads((base.output / "coverage.json").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def entries(data: dict) -> list[dict]:  # type: ignore[type-arg]
    return [entry for group in data["groups"] for entry in group["functions"]]


def test_fail_under_compares_exact_counts(base: Run) -> None:
    document = base.document
    c = document.counts
    exact = 100 * c.wrapped / c.applicable
    assert gates.fail_under(document, exact).passed
    assert not gates.fail_under(document, exact + 0.0001).passed
    if c.coverage_percent > exact:  # rounded up: the rounded figure must not pass
        assert not gates.fail_under(document, c.coverage_percent).passed
    assert gates.fail_under(document, 0).passed
    assert not gates.fail_under(document, 100).passed


def test_fail_under_sets_the_exit_code(base: Run, tmp_path: Path) -> None:
    pct = base.document.counts.coverage_percent
    code, out, _ = run_cli("coverage", "--sdk", BASE_SDK, "--fail-under", str(int(pct) + 1), "-o", str(tmp_path / "a"))
    assert code == 1
    assert "Gate fail-under: FAILED" in out
    assert (tmp_path / "a" / "coverage.json").is_file()  # written all the same, for CI artifacts
    code, out, _ = run_cli("coverage", "--sdk", BASE_SDK, "--fail-under", str(int(pct)), "-o", str(tmp_path / "b"))
    assert code == 0
    assert "Gate fail-under: ok" in out


def test_baseline_fails_when_a_wrapped_function_is_no_longer_wrapped(base: Run, tmp_path: Path) -> None:
    victim = next(e for e in base.document.functions() if e.status == Status.NOT_WRAPPED)

    def pretend_it_was_wrapped(data: dict) -> None:  # type: ignore[type-arg]
        for entry in entries(data):
            if entry["name"] == victim.name:
                entry.update(status="generated", reason=None, rule="typemap", unclassified=False,
                             python=["orthanc.Whatever"])

    baseline = edited_baseline(base, tmp_path, pretend_it_was_wrapped)
    code, out, _ = run_cli("coverage", "--sdk", BASE_SDK, "--baseline", str(baseline), "-o", str(tmp_path / "r"))
    assert code == 1
    assert "Gate baseline: FAILED" in out
    assert victim.name in out


def test_baseline_passes_when_nothing_was_lost(base: Run, tmp_path: Path) -> None:
    def add_a_function_the_sdk_dropped(data: dict) -> None:  # type: ignore[type-arg]
        gone = dict(entries(data)[0], name="OrthancPluginDroppedLongAgo", status="generated", reason=None,
                    rule="typemap", unclassified=False)
        data["groups"][0]["functions"].append(gone)

    baseline = edited_baseline(base, tmp_path, add_a_function_the_sdk_dropped)
    code, out, _ = run_cli("coverage", "--sdk", BASE_SDK, "--baseline", str(baseline), "-o", str(tmp_path / "r"))
    assert code == 0, out
    assert "Gate baseline: ok" in out
    assert "no longer in the SDK (not a failure): OrthancPluginDroppedLongAgo" in out


def test_unclassified_without_baseline_counts_every_function_without_rule(base: Run) -> None:
    # Every function of the release has a decision (issue 16): the strict gate passes ...
    assert base.document.counts.unclassified == 0
    assert gates.unclassified(base.document, None).passed
    # ... and fails, naming each, once functions fall through to a reason derived from their C types.
    data = json.loads((base.output / "coverage.json").read_text(encoding="utf-8"))
    fallen = sorted(entry["name"] for entry in entries(data)[:2])
    for entry in entries(data):
        if entry["name"] in fallen:
            entry.update(status="not_wrapped", reason="needs-callback", rule="typemap", unclassified=True, python=[])
    document = from_data(data)
    verdict = gates.unclassified(document, None)
    assert not verdict.passed
    assert sorted(str(offender).split(" ")[0] for offender in verdict.offenders) == fallen, verdict.offenders
    assert gates.unclassified(document, document).passed


def test_unclassified_with_baseline_names_the_new_functions_without_rule(reports: Reports, tmp_path: Path) -> None:
    old = reports.sdk("1.12.6")
    assert old.code == 0, old.stderr
    code, out, _ = run_cli("coverage", "--sdk", "1.12.10", "--baseline", str(old.output / "coverage.json"),
                           "--fail-on-unclassified", "-o", str(tmp_path / "r"))
    new_functions = function_names(header("1.12.10")) - function_names(header("1.12.6"))
    data = json.loads((tmp_path / "r" / "coverage.json").read_text(encoding="utf-8"))
    # Every function 1.12.10 added is wrapped or has a rule (issue 16): the gate passes ...
    assert not [e.name for e in from_data(data).functions() if e.unclassified and e.name in new_functions]
    assert code == 0, out
    assert "Gate unclassified: ok" in out and "Gate baseline: ok" in out
    # ... and names exactly the new functions that would have none (the two registrations of 1.12.9).
    lost = ["OrthancPluginRegisterAuditLogHandler", "OrthancPluginRegisterHttpAuthentication"]
    assert set(lost) <= new_functions
    for entry in entries(data):
        if entry["name"] in lost:
            entry.update(status="not_wrapped", reason="needs-callback", rule="typemap", unclassified=True, python=[])
    verdict = gates.unclassified(from_data(data), old.document)
    assert not verdict.passed
    assert [o.split(" ")[0] for o in verdict.offenders] == lost


def test_a_broken_baseline_is_a_usage_error(base: Run, tmp_path: Path) -> None:
    wrong_version = edited_baseline(base, tmp_path, lambda data: data.update(schema_version=99))
    code, _, err = run_cli("coverage", "--sdk", BASE_SDK, "--baseline", str(wrong_version), "-o", str(tmp_path / "r"))
    assert code == 2
    assert err.startswith("error: ") and "schema_version 99" in err and len(err.splitlines()) == 1
    not_json = tmp_path / "not.json"
    not_json.write_text("{", encoding="utf-8")
    code, _, err = run_cli("coverage", "--sdk", BASE_SDK, "--baseline", str(not_json), "-o", str(tmp_path / "r"))
    assert code == 2 and "cannot read a JSON document" in err


def test_console_stays_on_one_screen_with_everything_on(reports: Reports, history_subset: Path) -> None:
    run = reports.get("everything", "--compare", "1.12.6", "1.12.10", "--history", str(history_subset))
    assert run.code == 0, run.stderr
    document = run.document
    assert document.history is not None and document.compare is not None
    failing = [
        gates.fail_under(document, 100),
        gates.Verdict("baseline", False, "many lost", [f"OrthancPluginF{i}" for i in range(40)]),
        gates.unclassified(document, None),
    ]
    lines = summary_lines(document, failing, [f"OrthancPluginGone{i}" for i in range(40)],
                          [run.output / "coverage.json"])
    assert len(lines) <= 25
    assert sum(line.startswith("Gate ") for line in lines) == 3


def test_history_gate_names_each_function_with_the_releases_where_it_lacks_a_rule() -> None:
    """Both ways on real plans: 1.2.0 has only the first HTTP filter API, which the module's filter
    cannot use; the rule of rules.yaml classifies it there (and only there: 1.3.0 compiles the custom
    entry). Without that rule, the history gate names it with its release."""
    from generator.parse.header_parser import model_from_header
    from generator.plan.plan import Status as PlanStatus
    from generator.plan.plan import build_plan

    plans = [build_plan(model_from_header(header(version), version)) for version in ("1.2.0", "1.3.0")]
    name = "OrthancPluginRegisterIncomingHttpRequestFilter"
    statuses = [next(p for p in plan.functions if p.name == name) for plan in plans]
    assert [(s.status, s.rule) for s in statuses] == [(PlanStatus.NOT_WRAPPED, "rules.yaml"),
                                                      (PlanStatus.CUSTOM, "custom.yaml")]
    before = gates.unclassified_history(plans).offenders  # (other functions may still lack a rule)
    assert not any(offender.startswith(f"{name} ") for offender in before)

    statuses[0].rule = "typemap"  # as if rules.yaml had no entry for it
    verdict = gates.unclassified_history(plans)
    assert not verdict.passed and verdict.gate == "unclassified-history"
    assert sorted(set(verdict.offenders) - set(before)) == [f"{name} (first-filter-api) in 1.2.0"]


@pytest.mark.slow
def test_every_release_of_the_history_passes_the_unclassified_gate(reports: Reports) -> None:
    """The CI gate of issue 16: every SDK function of every release of the shared folder is wrapped or
    has a rule with a deliberate reason (`coverage --history --fail-on-unclassified`)."""
    from tests.report.conftest import SHARED_HEADERS

    run = reports.get("history-gate", "--history", str(SHARED_HEADERS), "--fail-on-unclassified")
    assert "Gate unclassified-history:" in run.stdout, run.stdout
    assert run.code == 0, run.stdout
    assert run.document.counts.unclassified == 0
