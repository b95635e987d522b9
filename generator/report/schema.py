"""coverage.json as text, its JSON Schema, and reading it back.

The schema is derived from the dataclasses of document.py (types, and the `doc` of each field as
its description).  The committed coverage.schema.json is the contract for readers outside this
package; a test keeps it equal to what build_schema() derives.  Refresh it with
`python -m generator.report.schema`.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from generator.model.serialize import to_data
from generator.report import document as document_module
from generator.report.document import SCHEMA_VERSION, CoverageDocument

SCHEMA_PATH = Path(__file__).parent / "coverage.schema.json"


class DocumentError(Exception):
    """A coverage.json that cannot be used (unreadable, invalid, another schema version)."""


def _hints(tp: type) -> dict[str, Any]:
    return typing.get_type_hints(tp, vars(document_module))


def _optional_arg(tp: Any) -> Any | None:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return options[0]
    return None


def _schema_of(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    inner = _optional_arg(tp)
    if inner is not None:
        return {"anyOf": [_schema_of(inner, defs), {"type": "null"}]}
    origin = typing.get_origin(tp)
    if origin is list:
        return {"type": "array", "items": _schema_of(typing.get_args(tp)[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema_of(typing.get_args(tp)[1], defs)}
    if isinstance(tp, type) and issubclass(tp, Enum):
        defs.setdefault(tp.__name__, {
            "description": (tp.__doc__ or tp.__name__).strip().splitlines()[0],
            "enum": [member.value for member in tp],
        })
        return {"$ref": f"#/$defs/{tp.__name__}"}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}
            hints = _hints(tp)
            properties = {}
            for f in dataclasses.fields(tp):
                prop = _schema_of(hints[f.name], defs)
                text = f.metadata.get("doc")
                properties[f.name] = {"description": text, **prop} if text else prop
            defs[name] = {
                "type": "object",
                "description": (tp.__doc__ or name).strip().splitlines()[0],
                "properties": properties,
                "required": sorted(f.name for f in dataclasses.fields(tp)),
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    simple = {str: "string", int: "integer", bool: "boolean", float: "number"}
    if tp in simple:
        return {"type": simple[tp]}
    raise TypeError(f"no schema for {tp!r}")


def build_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    root = _schema_of(CoverageDocument, defs)
    defs["CoverageDocument"]["properties"]["schema_version"] = {
        "description": "version of this format",
        "const": SCHEMA_VERSION,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"orthanc-python-generator/coverage/v{SCHEMA_VERSION}",
        "title": "Coverage of the Orthanc plugin SDK by the generated orthanc Python module",
        "$ref": root["$ref"],
        "$defs": defs,
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=1, sort_keys=True) + "\n"


def dumps(document: CoverageDocument) -> str:
    """Byte-for-byte stable: sorted keys, fixed indentation, final newline."""
    return json.dumps(to_data(document), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def validate(data: Any) -> list[str]:
    """Problems with a coverage document, one line each (empty when valid)."""
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        problems.append(f"{where}: {error.message}")
    return problems


def _build(tp: Any, data: Any) -> Any:
    inner = _optional_arg(tp)
    if inner is not None:
        return None if data is None else _build(inner, data)
    origin = typing.get_origin(tp)
    if origin is list:
        return [_build(typing.get_args(tp)[0], v) for v in data]
    if origin is dict:
        return {k: _build(typing.get_args(tp)[1], v) for k, v in data.items()}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        return tp(**{f.name: _build(hints[f.name], data[f.name]) for f in dataclasses.fields(tp)})
    return data


def from_data(data: Any) -> CoverageDocument:
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        found = data.get("schema_version") if isinstance(data, dict) else None
        raise DocumentError(f"schema_version {found!r}, this generator reads {SCHEMA_VERSION}")
    try:
        problems = validate(data)
    except ImportError:  # jsonschema is a development dependency; building still checks the shape
        problems = []
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DocumentError(f"not a valid coverage document: {problems[0]}{more}")
    try:
        result: CoverageDocument = _build(CoverageDocument, data)
    except (KeyError, TypeError, ValueError) as error:
        raise DocumentError(f"not a valid coverage document: {error!r}") from None
    return result


def read(path: Path) -> CoverageDocument:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DocumentError(f"{path}: cannot read a JSON document ({error})") from None
    try:
        return from_data(data)
    except DocumentError as error:
        raise DocumentError(f"{path}: {error}") from None


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
