"""The wrap plan: for every SDK function of a model, exactly one status.

- generated: parameters and return map mechanically (typemap.yaml);
- custom: a hand-written function of the runtime covers it (custom.yaml);
- not_wrapped: with a reason code (rules.yaml, or the first kind that does not map);
- not_applicable: needs no Python counterpart, with a reason code.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from generator.model.entities import Function, Kind, Model
from generator.model.naming import strip_prefix

HERE = Path(__file__).parent


class Status(str, Enum):
    GENERATED = "generated"
    CUSTOM = "custom"
    NOT_WRAPPED = "not_wrapped"
    NOT_APPLICABLE = "not_applicable"


class PlanError(Exception):
    pass


@cache
def load_yaml(name: str) -> Any:
    with open(HERE / name, encoding="utf-8") as stream:
        return yaml.safe_load(stream)


@dataclass(frozen=True)
class CustomEntry:
    python: str
    scope: str  # "module" or a class python name
    c_function: str
    covers: tuple[str, ...]
    requires: tuple[str, ...]
    signature: str
    doc: str


@dataclass
class PlannedFunction:
    name: str
    status: Status
    reason: str | None = None  # code from rules.yaml for not_wrapped / not_applicable
    scope: str = "module"  # "module" or the receiver's class python name
    python_names: list[str] = field(default_factory=list)
    custom: list[str] = field(default_factory=list)  # python names of covering custom entries
    # Where the status comes from: "custom.yaml", "rules.yaml", "destructor" (the model marks it),
    # or "typemap" (derived from the parameter and return kinds).
    rule: str = "typemap"


@dataclass
class Plan:
    model: Model
    functions: list[PlannedFunction]
    custom: list[CustomEntry]  # entries whose required SDK functions exist
    reasons: dict[str, str]

    def get(self, name: str) -> PlannedFunction:
        for planned in self.functions:
            if planned.name == name:
                return planned
        raise KeyError(name)

    def with_status(self, status: Status) -> list[PlannedFunction]:
        return [p for p in self.functions if p.status == status]


def custom_entries() -> list[CustomEntry]:
    entries = []
    for raw in load_yaml("custom.yaml")["custom"]:
        covers = tuple(raw["covers"])
        entries.append(
            CustomEntry(
                python=raw["python"],
                scope=raw["scope"],
                c_function=raw["c_function"],
                covers=covers,
                requires=tuple(raw.get("requires", covers[:1])),
                signature=raw["signature"],
                doc=raw.get("doc", ""),
            )
        )
    return entries


def unmapped_reason(function: Function) -> str | None:
    """None when every parameter and the return map mechanically."""
    typemap = load_yaml("typemap.yaml")
    for index, param in enumerate(function.parameters):
        kind = param.type.kind.value
        if kind in typemap["arguments"]:
            continue
        if kind in typemap["hidden"]:
            if param.type.kind == Kind.OUTPUT_POINTER and param.type.width is None and param.type.ref == "string":
                return typemap["unmapped"]["output_pointer"]
            if param.type.kind == Kind.CONTEXT and index != 0:
                return "unsupported-type"
            continue
        return typemap["unmapped"].get(kind, "unsupported-type")
    kind = function.returns.kind.value
    if kind not in typemap["returns"]:
        return typemap["unmapped"].get(kind, "unsupported-type")
    return None


def build_plan(model: Model) -> Plan:
    rules = load_yaml("rules.yaml")
    reasons: dict[str, str] = rules["reasons"]
    names = {f.name for f in model.functions}
    classes = {c.name: c.python_name for c in model.classes}
    custom = [e for e in custom_entries() if all(r in names for r in e.requires)]
    custom_by_function: dict[str, list[str]] = {}
    for entry in custom:
        for covered in entry.covers:
            custom_by_function.setdefault(covered, []).append(entry.python)

    planned: list[PlannedFunction] = []
    for function in model.functions:
        scope = classes[function.class_name] if function.class_name else "module"
        item = PlannedFunction(function.name, Status.GENERATED, scope=scope)
        not_applicable = rules["not_applicable"].get(function.name)
        not_wrapped = next(
            (reason for pattern, reason in rules["not_wrapped"].items() if fnmatch.fnmatchcase(function.name, pattern)),
            None,
        )
        if function.name in custom_by_function:
            item.status, item.rule = Status.CUSTOM, "custom.yaml"
            item.custom = sorted(custom_by_function[function.name])
        elif not_applicable:
            item.status, item.reason, item.rule = Status.NOT_APPLICABLE, not_applicable, "rules.yaml"
        elif function.destructor_of:
            item.status, item.reason, item.rule = Status.GENERATED, "destructor", "destructor"
            item.scope = classes[function.destructor_of]
        elif not_wrapped:
            item.status, item.reason, item.rule = Status.NOT_WRAPPED, not_wrapped, "rules.yaml"
        else:
            reason = unmapped_reason(function)
            if reason:
                item.status, item.reason = Status.NOT_WRAPPED, reason
            else:
                item.python_names = list(function.method_names) if function.class_name else [
                    strip_prefix(function.name)
                ]
        for code in filter(None, [item.reason]):
            if code not in reasons:
                raise PlanError(f"{function.name}: reason code '{code}' is not listed in rules.yaml")
        planned.append(item)
    return Plan(model=model, functions=planned, custom=custom, reasons=reasons)
