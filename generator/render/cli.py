"""`python -m generator render`: model.json -> generated C sources and orthanc.pyi."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.plan.plan import PlanError

ERRORS: tuple[type[Exception], ...] = (PlanError, FileNotFoundError)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "render",
        help="render the C wrapper sources and orthanc.pyi from a model",
        description="Apply the wrap plan (generator/plan/*.yaml) to a model and render templates/ into DIR.",
    )
    parser.add_argument("--model", type=Path, required=True, help="model.json written by `model`")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="output folder")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from generator.model import serialize
    from generator.plan.plan import build_plan
    from generator.render.render import render_plan

    if not args.model.is_file():
        raise FileNotFoundError(f"{args.model}: no such model file")
    plan = build_plan(serialize.read(args.model))
    for path in render_plan(plan, args.output):
        print(path)
    return 0
