"""`python -m generator sdk list|fetch`: the SDK stage's subcommands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .errors import SdkError
from .manifest import display_path, load_manifest
from .resolve import resolve_header
from .sources import CacheSource, EnvDirSource, Found, Source, SystemSource

ERRORS: tuple[type[Exception], ...] = (SdkError,)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sdk = subparsers.add_parser("sdk", help="list, fetch and verify SDK headers (OrthancCPlugin.h)")
    actions = sdk.add_subparsers(dest="sdk_command", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="known releases, and which local source has each")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(handler=_list)

    fetch = actions.add_parser("fetch", help="put a verified OrthancCPlugin.h of VERSION in the cache")
    fetch.add_argument("version", metavar="VERSION")
    fetch.add_argument(
        "--allow-unknown",
        action="store_true",
        help="accept a release missing from sdk_headers/manifest.yaml (its sha256 is recorded, not checked)",
    )
    fetch.add_argument(
        "--header", type=Path, metavar="PATH", help="use this file instead of searching the sources"
    )
    fetch.set_defaults(handler=_fetch)


def _list(args: argparse.Namespace) -> int:
    manifest = load_manifest()
    local: list[Source] = [CacheSource(), EnvDirSource(), SystemSource(manifest.system_headers)]
    rows = []
    for release in manifest.releases:
        where = "-"
        for source in local:
            answer = source.find(release.version, release)
            if isinstance(answer, Found):
                where = source.name
                break
        rows.append({**vars(release), "available": where})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'version':<9} {'declared':<9} {'sha256':<14} {'bytes':>7}  available")
    for row in rows:
        sha = row["sha256"][:12]
        print(f"{row['version']:<9} {row['declared']:<9} {sha}… {row['bytes']:>7}  {row['available']}")
    print(f"{len(rows)} releases in {display_path(manifest.path)}; 'available': the first local source")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    resolved = resolve_header(args.version, allow_unknown=args.allow_unknown, header=args.header)
    print(f"SDK {resolved.version}: {resolved.path}")
    print(f"  from {resolved.source} {resolved.origin}")
    print(f"  sha256 {resolved.sha256}, declares {resolved.declared}")
    if not resolved.in_manifest:
        size = resolved.path.stat().st_size
        print("  not in sdk_headers/manifest.yaml; once checked, list it there as:")
        print(
            f'  - {{version: "{resolved.version}", declared: "{resolved.declared}", '
            f'sha256: "{resolved.sha256}", bytes: {size}}}'
        )
    return 0
