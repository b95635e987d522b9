"""Canonical JSON form of the model, and back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from generator import typed_json
from generator.atomic_files import write_text_atomically
from generator.model import entities
from generator.model.entities import Model

T = TypeVar("T")


def dumps(model: Model) -> str:
    """Byte-for-byte stable text: sorted keys, fixed indentation, final newline."""
    return json.dumps(typed_json.to_data(model), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write(model: Model, path: Path) -> None:
    """Write atomically: a failure never leaves a partial model behind."""
    write_text_atomically(path, dumps(model))


def from_data(data: dict[str, Any]) -> Model:
    result: Model = typed_json.from_data(Model, data, vars(entities))
    return result


def read(path: Path) -> Model:
    return from_data(json.loads(path.read_text(encoding="utf-8")))
