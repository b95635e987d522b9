"""`orthanc-python-plugin-path`: print the plugin's path and the configuration that loads it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import configuration, plugin_path, stub_path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="orthanc-python-plugin-path", description=__doc__)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--path", action="store_true", help="print the path of the plugin binary only")
    which.add_argument("--check", action="store_true", help="only check that the binary is installed")
    parser.add_argument("--script", default="/path/to/your/script.py", help="value for PythonScript")
    args = parser.parse_args(argv)
    try:
        path = plugin_path()
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        return 0
    print(path)
    if args.path:
        return 0
    print()
    print("Add to Orthanc's configuration (JSON):")
    print(configuration(args.script))
    stub = stub_path()
    if stub is not None:
        print(f"\nType stub of the `orthanc` module for editors: {stub}")
    return 0
