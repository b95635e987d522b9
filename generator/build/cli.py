"""`python -m generator matrix list|build`: the build matrix's subcommands.

`list` shows every cell and its state on this machine; `build` builds cells (named, all buildable
ones, or the running interpreter's for a wheel build).  nox's `matrix`, `build_matrix` and
`build_cell` sessions call the same functions.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from ..sdk.errors import SdkError
from .matrix import Cell, Matrix, MatrixError, load_matrix
from .runner import DEFAULT_DIST, build_cells, default_jobs, summary_table
from .state import cell_states

ERRORS: tuple[type[Exception], ...] = (MatrixError, SdkError)
SDK_ENV = "ORTHANC_SDK"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    matrix = subparsers.add_parser("matrix", help="the build matrix (build_matrix.yaml): list or build cells")
    actions = matrix.add_subparsers(dest="matrix_command", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="every cell, buildable here or skipped with the reason")
    _add_selection(listing)
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(handler=_list)

    build = actions.add_parser(
        "build", help="build cells into dist/<sdk>/<cell>/ and update dist/manifest.json"
    )
    _add_selection(build)
    which = build.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "cells", nargs="*", default=[], metavar="CELL", help="cell id (cp312-manylinux_x86_64) or SDK/id"
    )
    which.add_argument("--all", action="store_true", help="every buildable cell")
    which.add_argument(
        "--current", action="store_true", help="the running interpreter's cell, built natively"
    )
    build.add_argument(
        "--jobs", type=int, default=default_jobs(), help="cells built at once (default: %(default)s)"
    )
    build.add_argument("--dist", type=Path, default=DEFAULT_DIST, help="output root (default: dist/)")
    build.set_defaults(handler=_build)


def _add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sdk",
        action="append",
        metavar="VERSION",
        help=f"SDK release of the matrix's product (repeatable; default: ${SDK_ENV} or the matrix's)",
    )


def selected_sdks(args: argparse.Namespace) -> list[str] | None:
    if args.sdk:
        return list(args.sdk)
    from_env = os.environ.get(SDK_ENV, "")
    return [v.strip() for v in from_env.split(",") if v.strip()] or None


def format_states(cells: list[Cell]) -> list[str]:
    states = cell_states(cells)
    width = max((len(state.cell.key) for state in states), default=0)
    lines = [f"{s.cell.key:<{width}}  {s.cell.method:<9}  {s.label:<9}  {s.reason}" for s in states]
    buildable = sum(1 for state in states if state.buildable)
    lines.append(f"{len(states)} cells: {buildable} buildable here, {len(states) - buildable} skipped")
    return lines


def _list(args: argparse.Namespace) -> int:
    matrix = load_matrix()
    cells = matrix.cells(selected_sdks(args))
    if args.json:
        rows = [
            {
                "cell": s.cell.id,
                "sdk": s.cell.sdk,
                "python": s.cell.python,
                "os": s.cell.os,
                "arch": s.cell.arch,
                "method": s.cell.method,
                "state": s.label,
                "reason": s.reason,
            }
            for s in cell_states(cells)
        ]
        print(json.dumps(rows, indent=2))
        return 0
    print("\n".join(format_states(cells)))
    return 0


def cells_to_build(
    matrix: Matrix, names: list[str], *, all_cells: bool, current: bool, sdks: list[str] | None
) -> list[Cell]:
    if current:
        from .current import current_cell

        return [current_cell(matrix, sdks[0] if sdks else None)]
    if all_cells:
        return [state.cell for state in cell_states(matrix.cells(sdks)) if state.buildable]
    return [matrix.find(name, sdks) for name in names]


def _build(args: argparse.Namespace) -> int:
    matrix = load_matrix()
    cells = cells_to_build(
        matrix, args.cells, all_cells=args.all, current=args.current, sdks=selected_sdks(args)
    )
    if not cells:
        print("no buildable cell here (see `python -m generator matrix list`)")
        return 0
    outcomes = build_cells(cells, args.dist, jobs=args.jobs)
    print(summary_table(outcomes))
    failed = any(outcome.status == "failed" for outcome in outcomes)
    # Cells named explicitly must be built: a skip is a failure of the command then.
    refused = not args.all and any(outcome.status != "built" for outcome in outcomes)
    return 1 if failed or refused else 0
