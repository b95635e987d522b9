"""`python -m generator mock` and `stubs`: a model (or an SDK release) -> what script authors install.

`mock` writes the mock `orthanc` module for unit tests, `stubs` the PEP 561 distribution
`orthanc-stubs`; both are pip-installable folders made from the same model as the plugin.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.build.build_cli import ERRORS as BUILD_ERRORS
from generator.mock.view import MockSignatureError

ERRORS: tuple[type[Exception], ...] = (*BUILD_ERRORS, FileNotFoundError, MockSignatureError)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    stubs = subparsers.add_parser(
        "stubs",
        help="render the orthanc-stubs distribution (PEP 561) that type checkers find",
        description="Render orthanc-stubs/__init__.pyi and a pyproject.toml into DIR (pip install DIR).",
    )
    _add_source(stubs)
    stubs.set_defaults(handler=run, write="stubs")
    parser = subparsers.add_parser(
        "mock",
        help="render the mock orthanc module that unit tests of scripts import",
        description="Render orthanc.py (the mock module), orthanc_mock.py (its harness) and a "
                    "pyproject.toml into DIR, from a model or from an SDK release.",
    )
    _add_source(parser)
    parser.set_defaults(handler=run, write="mock")


def _add_source(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", type=Path, help="model.json written by `model`")
    source.add_argument("--sdk", metavar="VERSION", help="an SDK release known to `sdk list`, or 'system'")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="output folder")


def run(args: argparse.Namespace) -> int:
    from generator.mock.render import write_mock
    from generator.mock.stubs import write_stubs
    from generator.model import serialize
    from generator.plan.plan import build_plan

    if args.model is not None:
        if not args.model.is_file():
            raise FileNotFoundError(f"{args.model}: no such model file")
        model = serialize.read(args.model)
    else:
        from generator.build.pipeline import resolve_header, system_sdk_version
        from generator.parse.header_parser import model_from_header

        sdk = system_sdk_version() if args.sdk == "system" else args.sdk
        resolved = resolve_header(sdk)
        model = model_from_header(resolved.path, resolved.version)
    write = write_stubs if args.write == "stubs" else write_mock
    for path in write(build_plan(model), args.output):
        print(path)
    return 0
