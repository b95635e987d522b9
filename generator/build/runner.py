"""Build a set of cells: each through its method's builder, a progress line as each ends, a summary.

Cells run in parallel (a thread per job: builders spend their time in compiler subprocesses), each
in its own output folder dist/<sdk>/<cell>/, emptied first so that nothing stale survives.  A cell
that cannot be built here is skipped with its reason; a failed one leaves no output folder but a
log in dist/logs/.  dist/manifest.json is updated once, at the end, with the cells that were built.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from ..paths import default_dist
from . import chroot
from .availability import Unavailable
from .builders import get_builder
from .manifest import ManifestEntry, entry_for, write_manifest
from .matrix import Cell
from .state import cell_state

DEFAULT_DIST = default_dist()

Log = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    cell: Cell
    status: str  # built | skipped | failed
    seconds: float
    detail: str  # reason, error, or what was made
    entry: ManifestEntry | None = None


def output_dir(dist: Path, cell: Cell) -> Path:
    return dist / cell.sdk / cell.id


def default_jobs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def build_cell(cell: Cell, dist: Path = DEFAULT_DIST) -> Outcome:
    """Build one cell (or say why not); never raises for a cell's own failure."""
    start = time.monotonic()
    state = cell_state(cell)
    if not state.buildable:
        return Outcome(cell, "skipped", 0.0, state.reason)
    builder = get_builder(cell.method)
    assert builder is not None  # cell_state checked it
    out_dir = output_dir(dist, cell)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    try:
        result = builder.build(cell, out_dir)
        entry = entry_for(cell, result, dist)
    except (Unavailable, chroot.Unavailable) as error:
        shutil.rmtree(out_dir, ignore_errors=True)
        return Outcome(cell, "skipped", time.monotonic() - start, error.reason)
    except Exception as error:  # a failed cell must not stop the others
        shutil.rmtree(out_dir, ignore_errors=True)
        log = dist / "logs" / f"{cell.sdk}-{cell.id}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc(), encoding="utf-8")
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return Outcome(cell, "failed", time.monotonic() - start, f"{first_line} (log: {log})")
    size = f"{entry.plugin.size / 1024:.0f} KiB"
    return Outcome(cell, "built", time.monotonic() - start, f"{entry.plugin.path}, {size}", entry)


def build_cells(
    cells: Sequence[Cell], dist: Path = DEFAULT_DIST, *, jobs: int | None = None, log: Log | None = None
) -> list[Outcome]:
    """Build `cells`, printing one line per finished cell; returns outcomes in the cells' order."""
    say = log or _print
    jobs = jobs or default_jobs()
    total = len(cells)
    done = 0
    lock = threading.Lock()
    outcomes: dict[str, Outcome] = {}
    width = max((len(cell.key) for cell in cells), default=0)

    def report(outcome: Outcome) -> None:
        nonlocal done
        with lock:
            done += 1
            outcomes[outcome.cell.key] = outcome
            say(
                f"[{done:>{len(str(total))}}/{total}] {outcome.cell.key:<{width}} {outcome.cell.method:<9} "
                f"{outcome.status:<7} {outcome.seconds:5.1f} s  {outcome.detail}"
            )

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(build_cell, cell, dist) for cell in cells]
        for future in as_completed(futures):
            report(future.result())

    ordered = [outcomes[cell.key] for cell in cells]
    built = [outcome.entry for outcome in ordered if outcome.entry is not None]
    if built:
        write_manifest(dist, built)
    return ordered


def summary_table(outcomes: Sequence[Outcome]) -> str:
    """A fixed-width table of every cell's result, then the counts."""
    rows = [("cell", "sdk", "python", "method", "result", "seconds", "detail")]
    for outcome in outcomes:
        cell = outcome.cell
        rows.append(
            (
                cell.id,
                cell.sdk,
                cell.python,
                cell.method,
                outcome.status,
                f"{outcome.seconds:.1f}",
                outcome.detail,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(value.ljust(width) for value, width in zip(row, widths)) + "  " + row[-1] for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths) + "  ------")
    counts = {
        status: sum(1 for o in outcomes if o.status == status) for status in ("built", "skipped", "failed")
    }
    lines.append(f"{counts['built']} built, {counts['skipped']} skipped, {counts['failed']} failed")
    return "\n".join(line.rstrip() for line in lines)


def _print(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
