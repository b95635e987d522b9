"""coverage.json as text, its JSON Schema, and reading it back.

The schema is derived from the dataclasses of document.py (types, and the `doc` of each field as
its description).  The committed coverage.schema.json is the contract for readers outside this
package; a test keeps it equal to what build_schema() derives.  Refresh it with
`python -m generator.report.schema`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator import typed_json
from generator.report import document as document_module
from generator.report.document import SCHEMA_VERSION, CoverageDocument
from generator.typed_json import schema_of, to_data

SCHEMA_PATH = Path(__file__).parent / "coverage.schema.json"


class DocumentError(Exception):
    """A coverage.json that cannot be used (unreadable, invalid, another schema version)."""


def build_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    root = schema_of(CoverageDocument, defs, vars(document_module))
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
    return typed_json.validate(SCHEMA_PATH, data)


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
        result: CoverageDocument = typed_json.from_data(CoverageDocument, data, vars(document_module))
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
