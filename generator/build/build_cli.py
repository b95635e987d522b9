"""`python -m generator build`: one cell, from SDK release to plugin binary."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.build.pipeline import BuildError
from generator.parse.clang_setup import ParseError
from generator.plan.plan import PlanError
from generator.sdk.errors import SdkError

ERRORS: tuple[type[Exception], ...] = (BuildError, ParseError, PlanError, SdkError)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build",
        help="fetch, model, plan, render, compile and link one plugin",
        description="Build the plugin for one SDK release and one Python interpreter on this machine.",
    )
    parser.add_argument("--sdk", default="system",
                        help="SDK release (default: 'system', the release of /usr/include/orthanc/OrthancCPlugin.h)")
    parser.add_argument("--python", default="python3",
                        help="target interpreter: a name on PATH, a path, or a version such as 3.11")
    parser.add_argument("-o", "--output", type=Path, default=Path("dist"), help="output root (default: dist/)")
    parser.add_argument("--allow-unknown", action="store_true", help="accept a release missing from the manifest")
    parser.add_argument("--header", type=Path, help="with --allow-unknown: the header of that release")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from generator.build.host import build_host

    built = build_host(args.sdk, args.python, args.output, allow_unknown=args.allow_unknown, header=args.header)
    print(f"plugin:   {built.plugin}")
    print(f"stub:     {built.stub}")
    print(f"python:   {built.python_version} ({built.python})")
    print(f"sdk:      {built.sdk}")
    print(f"coverage: {built.summary}")
    return 0
