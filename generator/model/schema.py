"""The JSON Schema of model.json, derived from the dataclasses.

The committed file (generator/model/model.schema.json) is the documented
contract for consumers outside this package; a test keeps it equal to what
build_schema() derives, so the two cannot drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator import typed_json
from generator.model import entities
from generator.model.entities import SCHEMA_VERSION, Model
from generator.typed_json import schema_of

SCHEMA_PATH = Path(__file__).parent / "model.schema.json"


def build_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    root = schema_of(Model, defs, vars(entities))
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
    return typed_json.validate(SCHEMA_PATH, data)


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
