"""The console summary: one screen (at most 25 lines) with the figures, the gates and the files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from generator.report.document import CoverageDocument, Status
from generator.report.gates import Verdict

MAX_LINES = 25
NAMES_PER_LINE = 3


def _by_reason(document: CoverageDocument, status: Status) -> str:
    counts = Counter(e.reason for e in document.functions() if e.status == status and e.reason)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{code} {n}" for code, n in ordered)


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMES_PER_LINE])
    more = len(names) - NAMES_PER_LINE
    return shown + (f" … and {more} more" if more > 0 else "")


def summary_lines(
    document: CoverageDocument,
    verdicts: Sequence[Verdict] = (),
    dropped: Sequence[str] = (),
    written: Sequence[Path] = (),
) -> list[str]:
    c = document.counts
    sdk = document.sdk
    lines = [
        f"Coverage of SDK {sdk.release} (declares {sdk.declared}, sha256 {sdk.sha256[:12]}…)",
        f"  functions      {c.functions:4d}",
        f"  generated      {c.generated:4d}",
        f"  custom         {c.custom:4d}",
        f"  not wrapped    {c.not_wrapped:4d}   {_by_reason(document, Status.NOT_WRAPPED)}",
        f"  not applicable {c.not_applicable:4d}   {_by_reason(document, Status.NOT_APPLICABLE)}",
        f"  coverage     {c.coverage_percent:6.1f} %  ({c.wrapped} of {c.applicable} applicable)",
        f"  deprecated {c.deprecated}; not wrapped without a rule {c.unclassified}",
    ]
    if document.history:
        rows = document.history.releases
        first, last = rows[0], rows[-1]
        lines.append(
            f"History: {len(rows)} releases {first.release} … {last.release}: "
            f"functions {first.counts.functions} → {last.counts.functions}, "
            f"wrapped {first.counts.wrapped} → {last.counts.wrapped}"
        )
    if document.compare:
        cmp = document.compare
        wrapped = sum(1 for e in cmp.added if e.status in (Status.GENERATED, Status.CUSTOM))
        lines.append(
            f"Compare {cmp.old.release} → {cmp.new.release}: {len(cmp.added)} added ({wrapped} wrapped), "
            f"{len(cmp.removed)} removed, {len(cmp.deprecated)} newly deprecated, "
            f"{len(cmp.changed)} changed status"
        )
        if cmp.added:
            lines.append(f"  added: {_names([e.name for e in cmp.added])}")
    for verdict in verdicts:
        lines.append(f"Gate {verdict.gate}: {'ok' if verdict.passed else 'FAILED'}: {verdict.summary}")
        if verdict.offenders:
            lines.append(f"  {_names(verdict.offenders)}")
    if dropped:
        lines.append(f"  no longer in the SDK (not a failure): {_names(list(dropped))}")
    if written:
        folder = written[0].parent
        lines.append(f"Wrote {', '.join(p.name for p in written)} in {folder}")
    return lines[:MAX_LINES]
