"""Wrap plans in, the coverage document out.

The figures are counted here once; every view reads them from the document.  Entries are sorted
by name and groups by title, so the document depends only on the headers and the plan rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.model.entities import Function, Model
from generator.model.since import sinces
from generator.plan.plan import Plan, PlannedFunction, Status
from generator.report.document import (
    Compare,
    Counts,
    CoverageDocument,
    FunctionEntry,
    Group,
    History,
    ItemChange,
    ReleaseRow,
    RemovedFunction,
    Rule,
    SdkRef,
    StatusChange,
)

UNGROUPED_TITLE = "Without a doc group"


def release_of(model: Model) -> str:
    return model.sdk.release or model.sdk.declared


def sdk_ref(model: Model) -> SdkRef:
    return SdkRef(release_of(model), model.sdk.declared, model.sdk.header, model.sdk.sha256)


def rule_of(planned: PlannedFunction) -> Rule:
    """Where the plan took the status from (recorded by build_plan)."""
    return Rule(planned.rule)


def qualified(scope: str, name: str) -> str:
    return f"orthanc.{name}" if scope == "module" else f"orthanc.{scope}.{name}"


def python_names(planned: PlannedFunction, plan: Plan) -> list[str]:
    if planned.status == Status.CUSTOM:
        covering = [entry for entry in plan.custom if planned.name in entry.covers]
        return sorted(qualified(entry.scope, entry.python) for entry in covering)
    return [qualified(planned.scope, name) for name in planned.python_names]


def function_entry(function: Function, planned: PlannedFunction, plan: Plan) -> FunctionEntry:
    rule = rule_of(planned)
    return FunctionEntry(
        name=function.name,
        status=planned.status,
        reason=planned.reason,
        rule=rule,
        unclassified=planned.status == Status.NOT_WRAPPED and rule == Rule.TYPEMAP,
        python=python_names(planned, plan),
        group=function.doc.group,
        since=function.since.version,
        since_source=function.since.source,
        deprecated=function.deprecated,
        line=function.location.line,
    )


def entries_of(plan: Plan) -> list[FunctionEntry]:
    planned = {p.name: p for p in plan.functions}
    found = [function_entry(f, planned[f.name], plan) for f in plan.model.functions]
    return sorted(found, key=lambda e: e.name)


def group_entries(entries: Sequence[FunctionEntry]) -> list[Group]:
    by_group: dict[str, list[FunctionEntry]] = {}
    for entry in entries:
        by_group.setdefault(entry.group, []).append(entry)
    named = sorted((name for name in by_group if name), key=str.lower)
    order = named + ([""] if "" in by_group else [])
    groups = []
    for name in order:
        members = sorted(by_group[name], key=lambda e: e.name)
        groups.append(Group(name, name or UNGROUPED_TITLE, Counts.of(members), members))
    return groups


def history_section(plans: Sequence[Plan]) -> History:
    """Rows for the plans of a history, oldest first; the last plan is the target's."""
    rows = []
    previous: set[str] = set()
    first_seen: dict[str, str] = {}
    last_seen: dict[str, str] = {}
    releases = [release_of(plan.model) for plan in plans]
    for index, plan in enumerate(plans):
        release = releases[index]
        names = {f.name for f in plan.model.functions}
        for name in names:
            first_seen.setdefault(name, release)
            last_seen[name] = release
        rows.append(
            ReleaseRow(
                release=release,
                declared=plan.model.sdk.declared,
                counts=Counts.of(entries_of(plan)),
                added=sorted(names - previous) if index else [],
                removed=sorted(previous - names),
            )
        )
        previous = names
    removed = [
        RemovedFunction(name, first_seen[name], seen, releases[releases.index(seen) + 1])
        for name, seen in sorted(last_seen.items())
        if name not in previous
    ]
    return History(rows, removed)


def _items(model: Model) -> set[tuple[str, str]]:
    return {(kind, name) for kind, name, _since in sinces(model) if kind != "function"}


def compare_section(old: Plan, new: Plan) -> Compare:
    old_entries = {e.name: e for e in entries_of(old)}
    new_entries = {e.name: e for e in entries_of(new)}
    changed = []
    for name in sorted(old_entries.keys() & new_entries.keys()):
        before, after = old_entries[name], new_entries[name]
        if (before.status, before.reason) != (after.status, after.reason):
            changed.append(StatusChange(name, before.status, before.reason, after.status, after.reason))
    deprecated = [
        name for name, entry in sorted(new_entries.items())
        if entry.deprecated and not (name in old_entries and old_entries[name].deprecated)
    ]
    old_items, new_items = _items(old.model), _items(new.model)
    return Compare(
        old=sdk_ref(old.model),
        new=sdk_ref(new.model),
        old_counts=Counts.of(list(old_entries.values())),
        added=[new_entries[name] for name in sorted(new_entries.keys() - old_entries.keys())],
        removed=[old_entries[name] for name in sorted(old_entries.keys() - new_entries.keys())],
        deprecated=deprecated,
        changed=changed,
        items_added=[ItemChange(kind, name) for kind, name in sorted(new_items - old_items)],
        items_removed=[ItemChange(kind, name) for kind, name in sorted(old_items - new_items)],
    )


def used_reasons(document: CoverageDocument, all_reasons: dict[str, str]) -> dict[str, str]:
    codes = {e.reason for e in document.functions() if e.reason}
    if document.compare:
        for entry in document.compare.added + document.compare.removed:
            if entry.reason:
                codes.add(entry.reason)
        for change in document.compare.changed:
            codes.update(filter(None, (change.old_reason, change.new_reason)))
    return {code: all_reasons[code] for code in sorted(codes)}


def coverage_document(
    plan: Plan,
    *,
    history: Sequence[Plan] | None = None,
    old: Plan | None = None,
) -> CoverageDocument:
    """The document for `plan`'s SDK; `history` ends with `plan`, `old` is the release compared with."""
    entries = entries_of(plan)
    document = CoverageDocument(
        sdk=sdk_ref(plan.model),
        since_from="history" if plan.model.history is not None else "header",
        counts=Counts.of(entries),
        reasons={},
        groups=group_entries(entries),
        history=history_section(history) if history else None,
        compare=compare_section(old, plan) if old is not None else None,
    )
    document.reasons = used_reasons(document, plan.reasons)
    return document
