"""Canonical JSON form of the model, and back."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from generator.model import entities
from generator.model.entities import Model

T = TypeVar("T")


def to_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items()}
    return value


def dumps(model: Model) -> str:
    """Byte-for-byte stable text: sorted keys, fixed indentation, final newline."""
    return json.dumps(to_data(model), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write(model: Model, path: Path) -> None:
    """Write atomically: a failure never leaves a partial model behind."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dumps(model), encoding="utf-8")
    tmp.replace(path)


def _build(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if data is None else _build(args[0], data)
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_build(item, v) for v in data]
    if origin is dict:
        _key, item = typing.get_args(tp)
        return {k: _build(item, v) for k, v in data.items()}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp, vars(entities))
        kwargs = {f.name: _build(hints[f.name], data[f.name]) for f in dataclasses.fields(tp) if f.name in data}
        return tp(**kwargs)
    return data


def from_data(data: dict[str, Any]) -> Model:
    result: Model = _build(Model, data)
    return result


def read(path: Path) -> Model:
    return from_data(json.loads(path.read_text(encoding="utf-8")))
