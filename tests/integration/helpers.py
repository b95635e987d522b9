"""Constants and small helpers shared by the integration tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS_DIR = HERE / "scripts"  # Python scripts that the servers under test run

# Orthanc features the tests do not use and that only slow the shutdown down.
QUICK_STOP_CONFIG = {"WebDavEnabled": False, "DicomServerEnabled": False}


def write_script(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path
