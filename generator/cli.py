"""`python -m generator`: one subcommand family per pipeline stage.

cli.py only wires: each stage has a `cli` module with `add_parser(subparsers)`, which registers
its subcommands and sets `handler` (a function `Namespace -> int`) on them, and `ERRORS`, the
exception types whose message is meant for the user.  Such an error ends the command with its
message on one line of stderr and exit code 2; anything else is a bug and keeps its traceback.
Stage `cli` modules import heavy dependencies (libclang, Jinja2) inside their handlers, so that
`python -m generator sdk list` does not pay for them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Add a stage here once its cli module exists (model, render, build, coverage: lead engineer).
STAGE_CLI_MODULES = [
    "generator.sdk.cli",
    "generator.model.cli",
    "generator.render.cli",
    "generator.build.build_cli",
    "generator.build.bundle_cli",
    "generator.build.cli",
    "generator.report.cli",
    "generator.mock.cli",
]


def build_parser() -> tuple[argparse.ArgumentParser, tuple[type[BaseException], ...]]:
    parser = argparse.ArgumentParser(
        prog="python -m generator",
        description="Generate, build and report on the Orthanc Python plugin for any SDK release.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    errors: list[type[BaseException]] = []
    for name in STAGE_CLI_MODULES:
        module = importlib.import_module(name)
        module.add_parser(subparsers)
        errors.extend(getattr(module, "ERRORS", ()))
    return parser, tuple(errors)


def main(argv: Sequence[str] | None = None) -> int:
    parser, user_errors = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except user_errors as error:
        # One line, whatever the stage put in the message: scripts read the first line of stderr.
        print("error: " + " ".join(str(error).split()), file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
