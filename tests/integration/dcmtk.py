"""The DICOM peers of the tests: dcmtk's storescu, findscu and movescu (Debian's dcmtk), on 127.0.0.1."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

LOOPBACK = "127.0.0.1"
CALLING_AET = "DCMTK"
TIMEOUT = 60.0


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not found (install Debian's dcmtk)")
    return path


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    # dcmtk logs to stderr; the tests read both streams together.
    return subprocess.run(list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=TIMEOUT, check=False)


def storescu(port: int, files: Sequence[Path], called_aet: str = "PYTEST",
             debug: bool = False) -> subprocess.CompletedProcess[str]:
    """C-STORE of `files`; `debug` prints each response in full (its "DIMSE Status : 0x...")."""
    return _run([_tool("storescu"), "-d" if debug else "-v", "-aet", CALLING_AET, "-aec", called_aet,
                 LOOPBACK, str(port), *map(str, files)])


def findscu(port: int, keys: Sequence[str], output: Path, worklist: bool = False,
            called_aet: str = "PYTEST") -> subprocess.CompletedProcess[str]:
    """C-FIND (study root, or modality worklist); each answer is written to `output` as rsp*.dcm."""
    output.mkdir(parents=True, exist_ok=True)
    model = ["-W"] if worklist else ["-S"]
    arguments = [argument for key in keys for argument in ("-k", key)]
    return _run([_tool("findscu"), "-v", *model, "-aet", CALLING_AET, "-aec", called_aet,
                 "-X", "-od", str(output), *arguments, LOOPBACK, str(port)])


def movescu(port: int, keys: Sequence[str], receive_port: int, move_aet: str, output: Path,
            called_aet: str = "PYTEST") -> subprocess.CompletedProcess[str]:
    """C-MOVE (study root) to `move_aet`, which is this movescu itself, receiving on `receive_port`.

    Debug output, for the sub-operation counts of each C-MOVE response (see suboperations())."""
    output.mkdir(parents=True, exist_ok=True)
    arguments = [argument for key in keys for argument in ("-k", key)]
    return _run([_tool("movescu"), "-d", "-S", "-aet", move_aet, "-aem", move_aet, "-aec", called_aet,
                 "--port", str(receive_port), "-od", str(output), *arguments, LOOPBACK, str(port)])


def suboperations(movescu_output: str, kind: str) -> list[int]:
    """The "<kind> Suboperations" count of each C-MOVE response movescu printed ("none" is 0)."""
    counts = re.findall(rf"{kind} Suboperations\s*:\s*(\w+)", movescu_output)
    return [0 if value == "none" else int(value) for value in counts]
