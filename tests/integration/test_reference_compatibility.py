"""Scripts written for the Orthanc project's plugin find every name they use in ours.

The same script runs in two real Orthanc servers, one with the reference plugin (Debian's
orthanc-python 4.0, built for SDK 1.10.1) and one with ours, and lists the `orthanc` module:
functions, classes, methods and enumeration members. Every name the reference offers must exist
in ours, with the same kind (function, class) and the same enumeration values.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.helpers import write_script
from tests.orthanc_server import OrthancServer

pytestmark = pytest.mark.integration

REFERENCE_PLUGIN = Path("/usr/lib/orthanc/libOrthancPython.so.4.0")

LISTING_SCRIPT = """\
import json
import orthanc

def describe():
    names = {}
    for name in dir(orthanc):
        if name.startswith("__"):
            continue
        value = getattr(orthanc, name)
        if isinstance(value, type):
            members = {}
            for member in dir(value):
                if member.startswith("__"):
                    continue
                attribute = getattr(value, member)
                members[member] = attribute if isinstance(attribute, int) else "callable"
            names[name] = {"kind": "class", "members": members}
        else:
            names[name] = {"kind": type(value).__name__}
    return names

def listing(output, uri, **request):
    output.AnswerBuffer(json.dumps(describe()), "application/json")

orthanc.RegisterRestCallback("/listing", listing)
"""


def listing_of(make_server: Callable[..., OrthancServer], plugin: Path, script: Path) -> dict:
    server = make_server(plugin=plugin, script=script).start()
    response = server.get("/listing")
    assert response.status == 200, server.log_tail(40)
    return response.json()


def test_every_name_of_the_reference_plugin_exists(make_server, plugin: Path, tmp_path: Path) -> None:
    if not REFERENCE_PLUGIN.is_file():
        pytest.skip(f"reference plugin {REFERENCE_PLUGIN} not installed (Debian package orthanc-python)")
    script = write_script(tmp_path, "listing.py", LISTING_SCRIPT)
    reference = listing_of(make_server, REFERENCE_PLUGIN, script)
    ours = listing_of(make_server, plugin, script)
    assert len(reference) > 100, "the reference listing is suspiciously short"

    missing = []
    for name, entry in sorted(reference.items()):
        mine = ours.get(name)
        if mine is None or mine["kind"] != entry["kind"]:
            missing.append(f"orthanc.{name} ({entry['kind']})")
            continue
        if entry["kind"] == "class":
            for member, value in sorted(entry["members"].items()):
                if member not in mine["members"]:
                    missing.append(f"orthanc.{name}.{member}")
                elif isinstance(value, int) and mine["members"][member] != value:
                    missing.append(f"orthanc.{name}.{member} = {mine['members'][member]}, reference {value}")
    assert missing == []
