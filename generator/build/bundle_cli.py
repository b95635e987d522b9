"""`python -m generator bundle`: render SDK releases into a source bundle that compiles without the generator."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.build.bundle import BundleError
from generator.build.matrix import MatrixError
from generator.build.pipeline import BuildError
from generator.parse.clang_setup import ParseError
from generator.plan.plan import PlanError
from generator.sdk.errors import SdkError

ERRORS: tuple[type[Exception], ...] = (BundleError, BuildError, MatrixError, ParseError, PlanError, SdkError)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bundle",
        help="render SDK releases into a source bundle (tar.gz) that builds with a C compiler and Python only",
        description="Render the plugin's sources for SDK releases into one checksummed tarball with a build "
                    "script (build_plugin.py). The first --sdk is the bundle's default.",
    )
    parser.add_argument("--sdk", action="append", default=[],
                        help="SDK release (repeatable; default: build_matrix.yaml's default SDK)")
    parser.add_argument("-o", "--output", type=Path, default=Path("dist"), help="output folder (default: dist/)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from generator.build.bundle import make_bundle
    from generator.build.matrix import load_matrix

    sdks = args.sdk or [load_matrix().default_sdk]
    bundle = make_bundle(sdks, args.output)
    print(f"bundle: {bundle.path}")
    print(f"sdks:   {' '.join(bundle.sdks)}")
    print(f"sha256: {bundle.sha256}")
    return 0
