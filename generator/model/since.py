"""Combine the evidence for the release where each item appeared.

Sources: ORTHANC_PLUGIN_SINCE_SDK annotations, "New in Orthanc X" notes on
service codes and in documentation, and (with a history of headers) the first
release whose header has the item. A history can skip releases, so the first
appearance is only an upper bound; a claim is well-founded unless a header of
a release at or after the claimed version, and before the first appearance,
lacks the item. The earliest well-founded claim wins and any disagreement is
recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from generator.model.entities import Evidence, Model, Since


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def sinces(model: Model) -> Iterator[tuple[str, str, Since]]:
    """(kind, name, since) of every item of the model."""
    for enum in model.enumerations:
        yield "enumeration", enum.name, enum.since
        for member in enum.members:
            yield "enum_member", member.name, member.since
    for cls in model.classes:
        yield "class", cls.name, cls.since
    for function in model.functions:
        yield "function", function.name, function.since
    for callback in model.callbacks:
        yield "callback", callback.name, callback.since
    for struct in model.structs:
        yield "struct", struct.name, struct.since


def resolve(since: Since, absent_in: Iterable[str] = ()) -> None:
    """Fill since.version/source from since.evidence, in place."""
    absent = sorted(absent_in, key=version_key)
    history = [e for e in since.evidence if e.source in ("history", "first-release")]
    first_seen = version_key(history[0].version) if history else None

    def contradicted(evidence: Evidence) -> bool:
        if evidence.source in ("history", "first-release") or first_seen is None:
            return False
        claimed = version_key(evidence.version)
        return any(claimed <= version_key(r) < first_seen for r in absent)

    candidates = [e for e in since.evidence if not contradicted(e)]
    rejected = [e for e in since.evidence if contradicted(e)]
    if not candidates:
        since.version, since.source = None, None
        return
    # "first-release" means "in the oldest header known, maybe older": an
    # explicit claim of the same version is the better-founded source.
    best = min(candidates, key=lambda e: (version_key(e.version), e.source in ("history", "first-release")))
    since.version, since.source = best.version, best.source
    versions = sorted({e.version for e in since.evidence}, key=version_key)
    if len(versions) > 1:
        parts = [f"{e.source}={e.version}" for e in since.evidence]
        note = "sources disagree: " + ", ".join(parts) + f"; kept {since.version}"
        if rejected:
            note += " (" + ", ".join(f"{e.source} contradicted by history" for e in rejected) + ")"
        since.disagreement = note
    else:
        since.disagreement = None


def resolve_single(model: Model) -> None:
    """Since-versions for a model built from one header: explicit evidence only."""
    for _kind, _name, since in sinces(model):
        resolve(since)
