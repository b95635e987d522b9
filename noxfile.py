"""nox sessions: thin entry points over generator/ (the matrix is build_matrix.yaml).

The matrix is loaded and validated once, when nox reads this file: a broken build_matrix.yaml stops
every session with the place of the error before anything runs.

Every session runs in the interpreter that runs nox (`python=False`, no virtualenv).  Creating a
virtualenv per session would re-install the toolkit's dependencies each time from the one registry
this machine reaches, which is slow, and buys nothing here: the Pythons that matter are the
matrix's *target* interpreters, which the builders call themselves (pythonX.Y on PATH, inside a
chroot, or a Windows CPython for MinGW), not the one that runs the session.
"""

from __future__ import annotations

import os
import platform
import struct
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from generator.build.cli import format_states  # noqa: E402
from generator.build.matrix import MatrixError, load_matrix  # noqa: E402
from generator.build.runner import DEFAULT_DIST, build_cells, default_jobs, summary_table  # noqa: E402
from generator.build.state import cell_states  # noqa: E402

MATRIX = load_matrix()

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "tests"]
# In CI a missing interpreter is an error, not a skip (matters for any session given python=...).
nox.options.error_on_missing_interpreters = bool(os.environ.get("CI"))


def _interpreter(session: nox.Session) -> None:
    """First line of every session: which Python runs it, and its pointer width."""
    bits = struct.calcsize("P") * 8
    session.log(f"{sys.executable} (Python {platform.python_version()}, {bits}-bit, {platform.machine()})")


def _options(session: nox.Session) -> tuple[list[str] | None, int, list[str]]:
    """--sdk V (repeatable) and --jobs N from the positional arguments; the rest are returned."""
    sdks: list[str] = []
    jobs = default_jobs()
    rest: list[str] = []
    args = iter(session.posargs)
    for arg in args:
        if arg == "--sdk":
            sdks.append(next(args, ""))
        elif arg == "--jobs":
            jobs = int(next(args, str(jobs)))
        else:
            rest.append(arg)
    env_sdks = [v.strip() for v in os.environ.get("ORTHANC_SDK", "").split(",") if v.strip()]
    return (sdks or env_sdks or None), jobs, rest


def _fail_on_matrix_error(session: nox.Session, error: MatrixError) -> None:
    session.error(str(error))


@nox.session(python=False)
def matrix(session: nox.Session) -> None:
    """Every cell of build_matrix.yaml and its state here: buildable, or skipped with the reason."""
    _interpreter(session)
    sdks, _, _ = _options(session)
    try:
        cells = MATRIX.cells(sdks)
    except MatrixError as error:
        _fail_on_matrix_error(session, error)
    for line in format_states(cells):
        print(line)


@nox.session(python=False)
def build_matrix(session: nox.Session) -> None:
    """Build every buildable cell (`-- --sdk V --jobs N`): a line per cell, then a summary table."""
    _interpreter(session)
    sdks, jobs, _ = _options(session)
    try:
        states = cell_states(MATRIX.cells(sdks))
    except MatrixError as error:
        _fail_on_matrix_error(session, error)
    cells = [state.cell for state in states if state.buildable]
    session.log(f"{len(cells)} of {len(states)} cells buildable here (`nox -s matrix` says why not)")
    outcomes = build_cells(cells, DEFAULT_DIST, jobs=jobs, log=print)
    print(summary_table(outcomes))
    if any(outcome.status == "failed" for outcome in outcomes):
        session.error("some cells failed (logs in dist/logs/)")


@nox.session(python=False)
def build_cell(session: nox.Session) -> None:
    """Build the cells named after `--`: `nox -s build_cell -- cp312-manylinux_x86_64 [1.12.7/cp313-...]`."""
    _interpreter(session)
    sdks, jobs, names = _options(session)
    if not names:
        session.error("name a cell: nox -s build_cell -- CELL (cells: nox -s matrix)")
    try:
        cells = [MATRIX.find(name, sdks) for name in names]
    except MatrixError as error:
        _fail_on_matrix_error(session, error)
    outcomes = build_cells(cells, DEFAULT_DIST, jobs=jobs, log=print)
    print(summary_table(outcomes))
    if any(outcome.status != "built" for outcome in outcomes):
        session.error("not every cell named was built")


@nox.session(python=False)
def tests(session: nox.Session) -> None:
    """The test suite (the README's test command): `nox -s tests -- -k matrix` narrows it."""
    _interpreter(session)
    session.run(sys.executable, "-m", "pytest", *session.posargs)


@nox.session(python=False)
def lint(session: nox.Session) -> None:
    """ruff on everything, mypy on the generator package."""
    _interpreter(session)
    session.run(sys.executable, "-m", "ruff", "check", ".")
    session.run(sys.executable, "-m", "mypy", "generator")


# Sessions the lead engineer adds next to these: `build` (one cell end to end via
# `python -m generator build`), `coverage` (the coverage report), `bench` (benchmarks/, not timed
# tests); the chroot runtimes add `runtimes`.


COVERAGE_DIST = ROOT / "dist" / "coverage"
COVERAGE_GATE_DIST = ROOT / "dist" / "coverage-gate"
_COVERAGE_SOURCES = {"--sdk", "--header", "--model", "--compare", "--history"}


@nox.session(python=False)
def coverage(session: nox.Session) -> None:
    """Coverage reports of generator/report/reports.yaml into dist/coverage/<folder>/, plus an index."""
    _interpreter(session)
    from generator.report.batch import load_reports

    specs = load_reports()
    for spec in specs:
        session.run(sys.executable, "-m", "generator", *spec.command(COVERAGE_DIST))
    folders = [spec.folder for spec in specs]
    session.run(sys.executable, "-m", "generator", "coverage-index", str(COVERAGE_DIST), *folders)
    session.log(f"open {COVERAGE_DIST / 'index.html'}")


@nox.session(python=False)
def coverage_gate(session: nox.Session) -> None:
    """Coverage with CI gates: `-- --fail-under 75 --baseline OLD/coverage.json --fail-on-unclassified`.

    Options after `--` go to `python -m generator coverage`; without a source option the report is on
    the matrix's default SDK, and without -o it goes to dist/coverage-gate/.
    """
    _interpreter(session)
    args = list(session.posargs)
    if not _COVERAGE_SOURCES & set(args):
        args += ["--sdk", MATRIX.default_sdk]
    if not {"-o", "--output"} & set(args):
        args += ["-o", str(COVERAGE_GATE_DIST)]
    if not {"--fail-under", "--baseline", "--fail-on-unclassified"} & set(args):
        session.warn("no gate given: --fail-under PCT, --baseline COVERAGE_JSON, --fail-on-unclassified")
    session.run(sys.executable, "-m", "generator", "coverage", *args)


@nox.session(python=False)
def runtimes(session: nox.Session) -> None:
    """Create the debootstrap runtimes of generator/build/runtimes.yaml in the cache (root needed).

    `nox -s runtimes -- sid-amd64` makes one; `python -m generator.build.chroot list|remove` shows
    their state or deletes one.  Made runtimes are kept, so only the first run pays.
    """
    _interpreter(session)
    if os.geteuid() != 0:
        session.skip("needs root (debootstrap, chroot, mount); state: python -m generator.build.chroot list")
    session.run(sys.executable, "-m", "generator.build.chroot", "create", *session.posargs)


@nox.session(python=False)
def build(session: nox.Session) -> None:
    """The main job: the default cell (the matrix's default SDK, this interpreter) into dist/."""
    _interpreter(session)
    session.run(sys.executable, "-m", "generator", "build", "--sdk", MATRIX.default_sdk, "--python", sys.executable,
                "-o", str(ROOT / "dist"), *session.posargs)


@nox.session(python=False)
def bench(session: nox.Session) -> None:
    """Benchmarks (benchmarks/): figures with same-run references in dist/bench/, never asserted.

    `nox -s bench -- --only plugin --requests 20000` runs benchmarks/bench_plugin.py alone, with its options.
    """
    _interpreter(session)
    args = list(session.posargs)
    only = args.pop(args.index("--only") + 1) if "--only" in args[:-1] else None
    args = [arg for arg in args if arg != "--only"]
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        if only is None or script.stem == f"bench_{only}":
            session.run(sys.executable, str(script), *args)


@nox.session(python=False)
def asan(session: nox.Session) -> None:
    """The plugin built with AddressSanitizer, under the runtime and reliability tests; fails on any ASan error.

    `nox -s asan -- tests/reliability/test_fuzz.py -k functions` runs other tests (tests/reliability/asan_run.py).
    """
    _interpreter(session)
    session.run(sys.executable, "-m", "tests.reliability.asan_run", *session.posargs)
