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
    parser.add_argument("--matrix", action="store_true",
                        help="every SDK release build_matrix.yaml names (default first) whose header the manifest has")
    parser.add_argument("-o", "--output", type=Path, default=Path("dist"), help="output folder (default: dist/)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from generator.build.bundle import make_bundle
    from generator.build.matrix import load_matrix

    sdks = list(args.sdk)
    if args.matrix or not sdks:
        matrix = load_matrix()
        sdks.append(matrix.default_sdk)
    if args.matrix:
        for cell in matrix.includes:
            if cell.header == "manifest":
                sdks.append(cell.sdk)
            else:  # that release's header is the runtime's own Orthanc's, built in its chroot
                print(f"note: {cell.sdk}/{cell.id} takes its header from "
                      f"runtime {cell.runtime}: not bundled")
    sdks = list(dict.fromkeys(sdks))
    bundle = make_bundle(sdks, args.output)
    print(f"bundle: {bundle.path}")
    print(f"sdks:   {' '.join(bundle.sdks)}")
    print(f"sha256: {bundle.sha256}")
    return 0
