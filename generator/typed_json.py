"""Typed dataclasses <-> JSON, and the JSON Schema derived from them.

One implementation behind model.json and coverage.json: to_data()/from_data() convert, schema_of()
derives the documented schema (so a format cannot drift from its classes), validate() checks a
document against a committed schema file.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any


def _first_line(text: str | None, fallback: str) -> str:
    return (text or fallback).strip().splitlines()[0]


def schema_of(tp: Any, defs: dict[str, Any], namespace: dict[str, Any]) -> dict[str, Any]:
    """The schema of `tp`; dataclasses and enums go into `defs` and are referenced.

    `namespace` resolves the string annotations of the dataclasses (their module's globals). A
    field's `metadata["doc"]`, when given, becomes its description.
    """
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return {"anyOf": [schema_of(options[0], defs, namespace), {"type": "null"}]}
    if origin is list:
        return {"type": "array", "items": schema_of(typing.get_args(tp)[0], defs, namespace)}
    if origin is dict:
        return {"type": "object", "additionalProperties": schema_of(typing.get_args(tp)[1], defs, namespace)}
    if isinstance(tp, type) and issubclass(tp, Enum):
        defs.setdefault(tp.__name__, {
            "description": _first_line(tp.__doc__, tp.__name__),
            "enum": [member.value for member in tp],
        })
        return {"$ref": f"#/$defs/{tp.__name__}"}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            hints = typing.get_type_hints(tp, namespace)
            properties = {}
            for f in dataclasses.fields(tp):
                prop = schema_of(hints[f.name], defs, namespace)
                text = f.metadata.get("doc")
                properties[f.name] = {"description": text, **prop} if text else prop
            defs[name] = {
                "type": "object",
                "description": _first_line(tp.__doc__, name),
                "properties": properties,
                "required": sorted(f.name for f in dataclasses.fields(tp)),
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    simple = {str: "string", int: "integer", bool: "boolean", float: "number"}
    if tp in simple:
        return {"type": simple[tp]}
    raise TypeError(f"no schema for {tp!r}")


def to_data(value: Any) -> Any:
    """Plain JSON data (dicts, lists, scalars) of dataclasses and enums."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items()}
    return value


def from_data(tp: Any, data: Any, namespace: dict[str, Any]) -> Any:
    """The instance of `tp` that `data` describes (fields missing from data take their default)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if data is None else from_data(options[0], data, namespace)
    if origin is list:
        return [from_data(typing.get_args(tp)[0], v, namespace) for v in data]
    if origin is dict:
        return {k: from_data(typing.get_args(tp)[1], v, namespace) for k, v in data.items()}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp, namespace)
        fields = dataclasses.fields(tp)
        return tp(**{f.name: from_data(hints[f.name], data[f.name], namespace) for f in fields if f.name in data})
    return data


@cache
def _validator(schema_path: Path) -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(schema_path.read_text(encoding="utf-8")))


def validate(schema_path: Path, data: Any) -> list[str]:
    """Problems of a document against a committed schema, one line each (empty when valid)."""
    validator = _validator(schema_path)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        problems.append(f"{where}: {error.message}")
    return problems
