"""The coverage document: what coverage.json holds, as typed dataclasses.

Markdown, HTML, the console summary and the CI gates all read this document and nothing else, so
what a view shows is always in the JSON.  Each field carries its meaning in `metadata["doc"]`;
schema.py turns classes, field types and these texts into coverage.schema.json.
The document holds no dates and no absolute paths: the same inputs give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from generator.plan.plan import Status

SCHEMA_VERSION = 1


def doc(text: str, **kwargs: Any) -> Any:
    """A dataclass field documented for the schema."""
    return field(metadata={"doc": text}, **kwargs)


class Rule(str, Enum):
    """Where a function's status comes from."""

    CUSTOM = "custom.yaml"  # a hand-written entry covers it
    RULES = "rules.yaml"  # named by a not_applicable or not_wrapped rule
    TYPEMAP = "typemap"  # derived from its parameter and return kinds (typemap.yaml)
    DESTRUCTOR = "destructor"  # derived: the model marks it as a class destructor


WRAPPED = (Status.GENERATED, Status.CUSTOM)


@dataclass
class Counts:
    """Functions by status, and the coverage percentage."""

    functions: int = doc("all SDK functions counted")
    generated: int = doc("wrapped by generated code")
    custom: int = doc("covered by a hand-written function")
    not_wrapped: int = doc("without a Python counterpart, with a reason")
    not_applicable: int = doc("needing no Python counterpart, with a reason")
    wrapped: int = doc("generated + custom")
    applicable: int = doc("functions - not_applicable")
    coverage_percent: float = doc("100 * wrapped / applicable, to 2 decimals (100 when applicable is 0)")
    deprecated: int = doc("functions the header marks deprecated")
    unclassified: int = doc("not_wrapped functions whose reason was derived, not named by a rule")

    @classmethod
    def of(cls, entries: list[FunctionEntry]) -> Counts:
        by_status = {status: sum(1 for e in entries if e.status == status) for status in Status}
        wrapped = by_status[Status.GENERATED] + by_status[Status.CUSTOM]
        applicable = len(entries) - by_status[Status.NOT_APPLICABLE]
        return cls(
            functions=len(entries),
            generated=by_status[Status.GENERATED],
            custom=by_status[Status.CUSTOM],
            not_wrapped=by_status[Status.NOT_WRAPPED],
            not_applicable=by_status[Status.NOT_APPLICABLE],
            wrapped=wrapped,
            applicable=applicable,
            coverage_percent=percent(wrapped, applicable),
            deprecated=sum(1 for e in entries if e.deprecated),
            unclassified=sum(1 for e in entries if e.unclassified),
        )


def percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 100.0


@dataclass
class SdkRef:
    """The header a set of figures comes from."""

    release: str = doc("Orthanc release (the folder name in a history), or the declared version")
    declared: str = doc("version the header declares (ORTHANC_PLUGINS_MINIMAL_*_NUMBER)")
    header: str = doc("file name of the header")
    sha256: str = doc("sha256 of the header")


@dataclass
class FunctionEntry:
    """One SDK function and what the Python module does with it."""

    name: str = doc("C name, OrthancPluginXxx")
    status: Status = doc("the wrap plan's status")
    reason: str | None = doc(
        "reason code (see reasons) of not_wrapped and not_applicable; 'destructor' for generated destructors"
    )
    rule: Rule = doc("where the status comes from")
    unclassified: bool = doc("not_wrapped with a reason derived from the types, no rule names it")
    python: list[str] = doc("qualified Python names that offer it (orthanc.Xxx, orthanc.Class.Method)")
    group: str = doc("the header's doc group (@ingroup), empty when it has none")
    since: str | None = doc("release where it appeared; null when unknown")
    since_source: str | None = doc(
        "evidence kept for since: annotation, service-note, doc-note, history, first-release"
    )
    deprecated: bool = doc("the header marks it deprecated")
    line: int = doc("line of its declaration in the header")


@dataclass
class Group:
    """The functions of one doc group of the header."""

    name: str = doc("the doc group as written in the header, empty for functions without one")
    title: str = doc("the name shown")
    counts: Counts = doc("figures of this group")
    functions: list[FunctionEntry] = doc("its functions, by name")


@dataclass
class ReleaseRow:
    """Figures of one release of a history."""

    release: str = doc("release (folder name)")
    declared: str = doc("version its header declares")
    counts: Counts = doc("figures of that release's wrap plan")
    added: list[str] = doc("functions absent from the previous release of the history")
    removed: list[str] = doc("functions of the previous release that this one lacks")


@dataclass
class RemovedFunction:
    """A function of an older release that the target release no longer has."""

    name: str = doc("C name")
    since: str | None = doc("release where it appeared")
    last_seen: str = doc("last release of the history that has it")
    removed_in: str = doc("first release of the history without it")


@dataclass
class History:
    """The target release and the releases before it, oldest first."""

    releases: list[ReleaseRow] = doc("one row per release, oldest first; the last is the target")
    removed: list[RemovedFunction] = doc("functions removed before the target release")


@dataclass
class StatusChange:
    """A function present in both releases whose wrap status or reason changed."""

    name: str = doc("C name")
    old_status: Status = doc("status in the old release")
    old_reason: str | None = doc("reason in the old release")
    new_status: Status = doc("status in the new release")
    new_reason: str | None = doc("reason in the new release")


@dataclass
class ItemChange:
    """An SDK item other than a function that a release added or removed."""

    kind: str = doc("enumeration, enum_member, class, callback or struct")
    name: str = doc("C name")


@dataclass
class Compare:
    """What the new release changes compared with the old one."""

    old: SdkRef = doc("the older header")
    new: SdkRef = doc("the newer header (the document's sdk)")
    old_counts: Counts = doc("figures of the old release")
    added: list[FunctionEntry] = doc("functions of the new release absent from the old, with their status")
    removed: list[FunctionEntry] = doc("functions of the old release absent from the new, with their status")
    deprecated: list[str] = doc("functions deprecated in the new release and not in the old (new ones too)")
    changed: list[StatusChange] = doc("functions of both releases whose status or reason changed")
    items_added: list[ItemChange] = doc(
        "other items added: enumerations, enum members, classes, callbacks, structs"
    )
    items_removed: list[ItemChange] = doc("other items removed")


@dataclass
class CoverageDocument:
    """Coverage of the Orthanc plugin SDK by the generated `orthanc` Python module."""

    sdk: SdkRef = doc("the header reported on")
    since_from: str = doc("'history' when since-versions come from a history of headers, else 'header'")
    counts: Counts = doc("figures over all functions")
    reasons: dict[str, str] = doc("reason code -> sentence, for every code used in this document")
    groups: list[Group] = doc("functions by doc group: groups by name, the group-less last")
    history: History | None = doc("per-release figures, when built with a history")
    compare: Compare | None = doc("differences with an older release, when asked for")
    schema_version: int = doc("version of this format", default=SCHEMA_VERSION)

    def functions(self) -> list[FunctionEntry]:
        return [entry for group in self.groups for entry in group.functions]
