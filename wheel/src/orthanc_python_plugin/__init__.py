"""Where the Orthanc Python plugin of this wheel is, and how to tell Orthanc to load it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["configuration", "plugin_path", "stub_path"]

PLUGIN_DIR = Path(__file__).resolve().parent / "_plugin"
_SUFFIXES = (".so", ".dll", ".dylib")


def plugin_path() -> Path:
    """The plugin binary; FileNotFoundError if this installation has none (a broken wheel).

    A late-binding Linux build also carries libOrthancPython-cpXY-core.so, which the plugin loads
    itself: Orthanc is given the plugin only."""
    found = sorted(p for p in PLUGIN_DIR.glob("*") if p.suffix in _SUFFIXES and not p.stem.endswith("-core")
                   ) if PLUGIN_DIR.is_dir() else []
    if len(found) != 1:
        raise FileNotFoundError(f"expected one plugin binary in {PLUGIN_DIR}, found {len(found)}")
    return found[0]


def stub_path() -> Path | None:
    """orthanc.pyi, the `orthanc` module's signatures for editors, if the wheel carries it."""
    stub = PLUGIN_DIR / "orthanc.pyi"
    return stub if stub.is_file() else None


def configuration(script: str = "/path/to/your/script.py") -> str:
    """The lines to merge into Orthanc's configuration file (JSON) to load the plugin.

    Installed in a virtual environment, the plugin runs the script in it (the plugin finds it by
    itself; the configuration says so explicitly)."""
    config: dict[str, object] = {"Plugins": [str(plugin_path())], "PythonScript": script}
    if sys.prefix != getattr(sys, "base_prefix", sys.prefix):
        config["Python"] = {"VirtualEnv": sys.prefix}
    return json.dumps(config, indent=2)
