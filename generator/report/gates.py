"""CI gates over coverage documents: each returns a verdict, the CLI turns failures into exit 1.

- fail_under:   coverage (generated + custom) / (all - not applicable) below a percentage;
- baseline:     a function wrapped (generated or custom) in the baseline document is neither now,
                although the SDK still has it (a function the SDK dropped is listed, not failed);
- unclassified: a function is not wrapped with a reason the plan derived from its C types,
                because no rule names it (custom.yaml, or rules.yaml's not_applicable /
                not_wrapped), and it was not already in that state in the baseline.  Without a
                baseline every such function counts.  A maintainer clears it by writing a
                hand-written wrapper or a rule with a deliberate reason.  With a history and no
                baseline, every release of the history counts (unclassified_history): a custom
                entry that older releases cannot compile leaves the function to the rules there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from generator.plan.plan import Plan
from generator.report.document import WRAPPED, CoverageDocument


@dataclass
class Verdict:
    gate: str
    passed: bool
    summary: str
    offenders: list[str] = field(default_factory=list)


def fail_under(document: CoverageDocument, minimum: float) -> Verdict:
    counts = document.counts
    # On the counts, not on the rounded percentage (which would let 79.996 pass 80); the tolerance
    # only absorbs the float error of a minimum given as the exact ratio.
    passed = counts.wrapped * 100 >= minimum * counts.applicable - 1e-9
    relation = ">=" if passed else "<"
    return Verdict(
        "fail-under",
        passed,
        f"coverage {counts.coverage_percent:.1f}% {relation} {minimum:g}% "
        f"({counts.wrapped} of {counts.applicable} applicable)",
    )


def baseline_regressions(document: CoverageDocument, baseline: CoverageDocument) -> tuple[Verdict, list[str]]:
    """The verdict, and the baseline's wrapped functions that the SDK no longer has (not failures)."""
    now = {entry.name: entry for entry in document.functions()}
    lost: list[str] = []
    dropped: list[str] = []
    for entry in sorted(baseline.functions(), key=lambda e: e.name):
        if entry.status not in WRAPPED:
            continue
        current = now.get(entry.name)
        if current is None:
            dropped.append(entry.name)
        elif current.status not in WRAPPED:
            lost.append(f"{entry.name} ({entry.status.value} -> {current.status.value}: {current.reason})")
    base = baseline.sdk.release
    summary = (
        f"no function wrapped in baseline {base} is unwrapped now"
        if not lost
        else f"{len(lost)} function(s) wrapped in baseline {base} are unwrapped now"
    )
    return Verdict("baseline", not lost, summary, lost), dropped


def unclassified(document: CoverageDocument, baseline: CoverageDocument | None) -> Verdict:
    known = {e.name for e in baseline.functions() if e.unclassified} if baseline is not None else set()
    entries = sorted(document.functions(), key=lambda e: e.name)
    found = [f"{e.name} ({e.reason})" for e in entries if e.unclassified and e.name not in known]
    scope = f"new since baseline {baseline.sdk.release}" if baseline is not None else "no baseline: all count"
    summary = (
        f"every function has a rule or maps mechanically ({scope})"
        if not found
        else f"{len(found)} function(s) not wrapped and named by no rule ({scope})"
    )
    return Verdict("unclassified", not found, summary, found)


def unclassified_history(plans: Sequence[Plan]) -> Verdict:
    """The strict unclassified gate over the releases of a history (the target's own plan included
    or not: each function is named once, with the releases where it is unclassified)."""
    from generator.report.build import entries_of, release_of

    releases_of: dict[str, list[str]] = {}
    reasons: dict[str, str] = {}
    for plan in plans:
        for entry in entries_of(plan):
            if entry.unclassified:
                releases_of.setdefault(entry.name, []).append(release_of(plan.model))
                reasons[entry.name] = entry.reason or ""
    found = [f"{name} ({reasons[name]}) in {_releases(releases)}" for name, releases in sorted(releases_of.items())]
    summary = (
        f"every function of the {len(plans)} releases of the history has a rule or maps mechanically"
        if not found
        else f"{len(found)} function(s) not wrapped and named by no rule in some release of the history"
    )
    return Verdict("unclassified-history", not found, summary, found)


def _releases(releases: list[str]) -> str:
    """A short list: a long run of releases as its first and last (the history is in order)."""
    if len(releases) <= 3:
        return ", ".join(releases)
    return f"{releases[0]} … {releases[-1]} ({len(releases)} releases)"
