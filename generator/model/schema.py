"""The JSON Schema of model.json, derived from the dataclasses.

The committed file (generator/model/model.schema.json) is the documented
contract for consumers outside this package; a test keeps it equal to what
build_schema() derives, so the two cannot drift.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from generator.model import entities
from generator.model.entities import SCHEMA_VERSION, Model

SCHEMA_PATH = Path(__file__).parent / "model.schema.json"


def _schema_of(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return {"anyOf": [_schema_of(options[0], defs), {"type": "null"}]}
    if origin is list:
        return {"type": "array", "items": _schema_of(typing.get_args(tp)[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema_of(typing.get_args(tp)[1], defs)}
    if isinstance(tp, type) and issubclass(tp, Enum):
        defs.setdefault(tp.__name__, {"enum": [member.value for member in tp]})
        return {"$ref": f"#/$defs/{tp.__name__}"}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            hints = typing.get_type_hints(tp, vars(entities))
            fields = dataclasses.fields(tp)
            defs[name] = {
                "type": "object",
                "description": (tp.__doc__ or name).strip().splitlines()[0],
                "properties": {f.name: _schema_of(hints[f.name], defs) for f in fields},
                "required": sorted(f.name for f in fields),
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    simple = {str: "string", int: "integer", bool: "boolean", float: "number"}
    if tp in simple:
        return {"type": simple[tp]}
    raise TypeError(f"no schema for {tp!r}")


def build_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    root = _schema_of(Model, defs)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"orthanc-python-generator/model/v{SCHEMA_VERSION}",
        "title": "Model of one Orthanc plugin SDK header (OrthancCPlugin.h)",
        "$ref": root["$ref"],
        "$defs": defs,
    }
    schema["$defs"]["Model"]["properties"]["schema_version"] = {"const": SCHEMA_VERSION}
    return schema


def schema_text() -> str:
    return json.dumps(build_schema(), indent=1, sort_keys=True) + "\n"


def validate(data: Any) -> list[str]:
    """Problems with a model document, one line each (empty when valid)."""
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        problems.append(f"{where}: {error.message}")
    return problems


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
