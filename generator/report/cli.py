"""`python -m generator coverage` and `python -m generator coverage-index`.

Exit codes: 0 report written and every gate asked for passed; 1 a gate failed (the report is
written all the same, for the CI artifacts); 2 an input could not be used (one line on stderr).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.plan.plan import PlanError
from generator.report.inputs import InputError
from generator.report.schema import DocumentError

ERRORS: tuple[type[Exception], ...] = (InputError, DocumentError, PlanError)

_DEFAULT_HISTORY = "default"


def _percentage(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 100.0:
        raise argparse.ArgumentTypeError(f"a percentage is between 0 and 100, not {text}")
    return value


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    coverage = subparsers.add_parser(
        "coverage",
        help="coverage report: which SDK functions the orthanc module wraps (JSON, Markdown, HTML)",
        description=(
            "Write DIR/coverage.json (schema: generator/report/coverage.schema.json), coverage.md and a "
            "self-contained coverage.html for one SDK release; with --history also a table and chart "
            "release by release (history.svg); with --compare what a release changed. "
            "Coverage = (generated + custom) / (all - not applicable)."
        ),
    )
    source = coverage.add_mutually_exclusive_group()
    source.add_argument(
        "--sdk", metavar="VERSION",
        help="an SDK release of sdk_headers/manifest.yaml "
        "(default: the newest of --history, else the build matrix's default SDK)",
    )
    source.add_argument(
        "--header", type=Path, metavar="PATH", help="any OrthancCPlugin.h (e.g. a release not listed yet)"
    )
    source.add_argument(
        "--model", type=Path, metavar="MODEL", help="a model.json written by `python -m generator model`"
    )
    source.add_argument(
        "--compare", nargs=2, metavar=("OLD", "NEW"),
        help="report on NEW and what it added, removed or deprecated since OLD (versions or header paths)",
    )
    coverage.add_argument("--release", help="the Orthanc release of --header, when known")
    coverage.add_argument(
        "--history", nargs="?", const=_DEFAULT_HISTORY, metavar="DIR",
        help="folder of VERSION/OrthancCPlugin.h: since-versions from comparing releases, and a row per "
        "release up to the target (default DIR: $ORTHANC_SDK_HEADERS, ../shared/sdk_headers, or the cache)",
    )
    coverage.add_argument(
        "-o", "--output", type=Path, required=True, metavar="DIR", help="folder for the report files"
    )
    coverage.add_argument(
        "--jobs", type=int, metavar="N", help="headers parsed in parallel (default: one per core)"
    )
    coverage.add_argument(
        "--summary-into", type=Path, metavar="FILE",
        help="also replace the <!-- coverage-summary:begin --> ... <!-- coverage-summary:end --> block "
        "of FILE (e.g. README.md) with this report's summary tables",
    )
    gates = coverage.add_argument_group("gates (exit code 1 when one fails; the report is written anyway)")
    gates.add_argument(
        "--fail-under", type=_percentage, metavar="PCT", help="fail when coverage is below PCT percent"
    )
    gates.add_argument(
        "--baseline", type=Path, metavar="COVERAGE_JSON",
        help="fail when a function wrapped in this earlier coverage.json is not wrapped now",
    )
    gates.add_argument(
        "--fail-on-unclassified", action="store_true",
        help="fail when a function is not wrapped and no rule names it (with --baseline: only "
        "functions that were not already so in the baseline; with --history and no --baseline: "
        "in any release of the history)",
    )
    coverage.set_defaults(handler=run)

    index = subparsers.add_parser(
        "coverage-index",
        help="index.md and index.html over the reports in DIR/*/coverage.json",
    )
    index.add_argument("directory", type=Path, metavar="DIR")
    index.add_argument("folders", nargs="*", metavar="FOLDER", help="index only these reports of DIR")
    index.set_defaults(handler=run_index)


def run(args: argparse.Namespace) -> int:
    from generator.plan.plan import build_plan
    from generator.report import gates
    from generator.report.build import coverage_document
    from generator.report.console import summary_lines
    from generator.report.inputs import default_history_dir, load_inputs
    from generator.report.render import write_report
    from generator.report.schema import read

    history_dir = None
    if args.history is not None:
        history_dir = default_history_dir() if args.history == _DEFAULT_HISTORY else Path(args.history)
    if args.release and not args.header:
        raise InputError("--release describes --header; it has no meaning without it")
    baseline = read(args.baseline) if args.baseline else None  # before the slow part: fail early

    inputs = load_inputs(
        sdk=args.sdk,
        header=args.header,
        release=args.release,
        model=args.model,
        compare=tuple(args.compare) if args.compare else None,
        history_dir=history_dir,
        jobs=args.jobs,
    )
    plan = build_plan(inputs.target)
    history = [build_plan(m) for m in inputs.history[:-1]] + [plan] if inputs.history else None
    old = build_plan(inputs.old) if inputs.old is not None else None
    document = coverage_document(plan, history=history, old=old)
    written = write_report(document, args.output)
    if args.summary_into is not None:
        from generator.report.readme import update_file

        changed = update_file(args.summary_into, document)
        print(f"{args.summary_into}: summary {'updated' if changed else 'already current'}")

    verdicts = []
    dropped: list[str] = []
    if args.fail_under is not None:
        verdicts.append(gates.fail_under(document, args.fail_under))
    if baseline is not None:
        verdict, dropped = gates.baseline_regressions(document, baseline)
        verdicts.append(verdict)
    if args.fail_on_unclassified:
        verdicts.append(gates.unclassified(document, baseline))
        if history is not None and baseline is None:
            verdicts.append(gates.unclassified_history(history[:-1]))
    for line in summary_lines(document, verdicts, dropped, written):
        print(line)
    return 0 if all(v.passed for v in verdicts) else 1


def run_index(args: argparse.Namespace) -> int:
    from generator.report.index import write_index

    written = write_index(args.directory, args.folders)
    print(f"Wrote {', '.join(p.name for p in written)} in {args.directory}")
    return 0
