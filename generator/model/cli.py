"""`python -m generator model`: header (or history of headers) -> model.json."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from generator.model import serialize
from generator.model.schema import validate
from generator.parse.clang_setup import ParseError

ERRORS: tuple[type[Exception], ...] = (ParseError,)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "model",
        help="parse OrthancCPlugin.h into a JSON model",
        description="Parse one OrthancCPlugin.h (or a history of them) into a versioned JSON model.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("header", nargs="?", type=Path, help="the OrthancCPlugin.h to parse")
    source.add_argument("--history", type=Path, metavar="DIR",
                        help="folder of VERSION/OrthancCPlugin.h; since-versions come from comparing them")
    source.add_argument("--check", type=Path, metavar="MODEL", help="validate a model.json against the schema")
    parser.add_argument("-o", "--output", type=Path, help="where to write model.json (default: stdout)")
    parser.add_argument("--release", help="the Orthanc release of HEADER, when known")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.check:
        return check(args.check)
    try:
        if args.history:
            from generator.model.history import model_from_history

            model = model_from_history(args.history)
        else:
            from generator.parse.header_parser import model_from_header

            model = model_from_header(args.header, args.release)
    except ParseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.output:
        serialize.write(model, args.output)
    else:
        sys.stdout.write(serialize.dumps(model))
    return 0


def check(path: Path) -> int:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"error: {path}: cannot read a JSON document ({exc})", file=sys.stderr)
        return 2
    problems = validate(data)
    for problem in problems[:20]:
        print(f"{path}: {problem}", file=sys.stderr)
    if problems:
        print(f"error: {path}: {len(problems)} schema violation(s)", file=sys.stderr)
        return 2
    print(f"{path}: valid model (schema_version {data.get('schema_version')})")
    return 0
