"""The one mapping from libclang types to canonical kinds (entities.Kind)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import clang.cindex as ci
import yaml

from generator.model.entities import Kind, Parameter, Type

TK = ci.TypeKind


@lru_cache(maxsize=1)
def c_types() -> dict[str, Any]:
    with open(Path(__file__).parent / "c_types.yaml", encoding="utf-8") as stream:
        return yaml.safe_load(stream)


@dataclass
class Names:
    """What the header declares, collected before types are classified."""

    classes: set[str] = field(default_factory=set)
    enums: set[str] = field(default_factory=set)
    structs: set[str] = field(default_factory=set)
    callbacks: set[str] = field(default_factory=set)


def _spelling(t: ci.Type) -> str:
    return re.sub(r"\s+", " ", t.spelling).strip()


def _typedef_name(t: ci.Type) -> str | None:
    """The outermost typedef name of t (ignoring const and elaboration)."""
    while t.kind == TK.ELABORATED:
        t = t.get_named_type()
    if t.kind == TK.TYPEDEF:
        return t.get_declaration().spelling
    return None


def _bare(t: ci.Type) -> str:
    name = _typedef_name(t)
    if name:
        return name
    spelling = _spelling(t)
    return re.sub(r"^(const |volatile |struct |enum )+", "", spelling)


def classify(t: ci.Type, names: Names, *, is_return: bool) -> Type:
    table = c_types()
    spelling = _spelling(t)
    const = t.is_const_qualified()
    bare = _bare(t)

    if t.kind == TK.VOID:
        return Type(spelling, Kind.VOID)
    if bare in names.callbacks:
        return Type(spelling, Kind.CALLBACK, ref=bare)
    if bare == table["error_code"]:
        return Type(spelling, Kind.ERROR_CODE if is_return else Kind.ENUM, ref=bare)
    if bare in names.enums:
        return Type(spelling, Kind.ENUM, ref=bare, const=const)
    if bare in table["integers"]:
        width, signed = table["integers"][bare]
        return Type(spelling, Kind.INTEGER, width=width, signed=signed, const=const)
    if bare in table["floats"]:
        return Type(spelling, Kind(table["floats"][bare]), const=const)
    if bare in names.structs:
        return Type(spelling, Kind.STRUCT_VALUE, ref=bare)

    canonical = t.get_canonical()
    if canonical.kind != TK.POINTER:
        return Type(spelling, Kind.UNSUPPORTED, reason=f"type '{spelling}' has no mapping")

    pointee = t.get_pointee()
    if pointee.kind == TK.INVALID:
        pointee = canonical.get_pointee()
    p_const = pointee.is_const_qualified()
    p_bare = _bare(pointee)
    p_canonical = pointee.get_canonical()

    if p_bare == table["context"]:
        return Type(spelling, Kind.CONTEXT, const=p_const)
    if p_bare in names.classes:
        return Type(spelling, Kind.OBJECT, ref=p_bare, const=p_const)
    if p_bare in table["memory_buffers"] and not p_const:
        return Type(spelling, Kind(table["memory_buffers"][p_bare]), ref=p_bare)
    if p_canonical.kind in (TK.CHAR_S, TK.CHAR_U, TK.SCHAR):
        if is_return:
            kind = Kind.STRING_OUT_BORROWED if p_const else Kind.STRING_OUT_OWNED
            return Type(spelling, kind, const=p_const)
        if p_const:
            return Type(spelling, Kind.STRING_IN, const=True)
        return Type(spelling, Kind.UNSUPPORTED, reason="mutable char* parameter")
    if p_canonical.kind == TK.VOID:
        return Type(spelling, Kind.VOID_POINTER, const=p_const)
    if p_canonical.kind == TK.POINTER:
        inner = pointee.get_pointee()
        if inner.kind == TK.INVALID:
            inner = p_canonical.get_pointee()
        inner_bare = _bare(inner)
        if inner_bare in names.classes and not p_const:
            return Type(spelling, Kind.OBJECT_OUT, ref=inner_bare)
        if inner.get_canonical().kind in (TK.CHAR_S, TK.CHAR_U) and inner.is_const_qualified():
            if p_const:
                return Type(spelling, Kind.ARRAY_IN, ref="string", const=True)
            return Type(spelling, Kind.OUTPUT_POINTER, ref="string")
        return Type(spelling, Kind.UNSUPPORTED, reason=f"pointer to pointer '{spelling}'")
    if p_bare in names.structs:
        return Type(spelling, Kind.STRUCT_POINTER, ref=p_bare, const=p_const)
    scalar = classify(pointee, names, is_return=False)
    if scalar.kind in (Kind.INTEGER, Kind.FLOAT, Kind.DOUBLE, Kind.ENUM):
        if p_const:
            return Type(spelling, Kind.ARRAY_IN, ref=scalar.ref or p_bare, width=scalar.width,
                        signed=scalar.signed, const=True)
        return Type(spelling, Kind.OUTPUT_POINTER, ref=scalar.ref or p_bare, width=scalar.width,
                    signed=scalar.signed)
    if p_canonical.kind == TK.FUNCTIONPROTO:
        return Type(spelling, Kind.UNSUPPORTED, reason="function pointer without a typedef")
    return Type(spelling, Kind.UNSUPPORTED, reason=f"pointer type '{spelling}' has no mapping")


def pair_parameters(params: list[Parameter]) -> None:
    """Mark (data, size) pairs and (count, array) pairs in place."""
    table = c_types()
    size_names = set(table["buffer_size_names"])
    suffix = table["buffer_size_suffix"]
    for first, second in zip(params, params[1:]):
        is_data = first.type.kind == Kind.STRING_IN or (
            first.type.kind == Kind.VOID_POINTER and first.type.const
        )
        is_size = second.type.kind == Kind.INTEGER and (
            second.name in size_names or second.name.endswith(suffix)
        )
        if is_data and is_size:
            first.type.kind = Kind.BUFFER_IN
            second.type.kind = Kind.BUFFER_SIZE
            first.pair, second.pair = second.name, first.name
    count_suffix = table["array_count_suffix"]
    for index, param in enumerate(params):
        if param.type.kind != Kind.ARRAY_IN:
            continue
        for candidate in reversed(params[:index]):
            if candidate.type.kind == Kind.INTEGER and candidate.name.endswith(count_suffix):
                param.pair = candidate.name
                break
