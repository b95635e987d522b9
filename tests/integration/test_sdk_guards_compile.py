"""The runtime's C compiles, warnings as errors, against SDK headers other than the host Orthanc's.

Hand-written features exist exactly when the SDK backs them (ORTHANC_PY_HAS_* guards), so each
header below renders its own sources and the whole plugin is compiled with -fsyntax-only:
- 1.12.10, the newest release: storage area v3, key-value stores, queues, DICOM connection variants;
- the headers of the trixie and sid runtimes (when present), compiled with their own Python;
- 0.9.5 (worklists but no C-FIND classes) and 1.6.0 (a registration without a result) for guards.
Features newer than the host's Orthanc run in those runtimes: tests/runtimes/test_newer_sdk_features.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from generator.build.compile import RUNTIME_DIR, WARNING_FLAGS
from generator.parse.header_parser import model_from_header
from generator.plan.plan import build_plan
from generator.render.render import render_plan
from generator.sdk.errors import SdkError
from generator.sdk.resolve import resolve_header

pytestmark = pytest.mark.integration

# Custom entries (generator/plan/custom.yaml) whose prototype the rendered header must declare.
EXPECTED = {
    "1.12.10": {"OrthancPyCustom_RegisterStorageArea3", "OrthancPyCustom_GetKeyValue",
                "OrthancPyCustom_ReserveQueueValue", "OrthancPyCustom_RegisterMoveCallback3",
                "OrthancPyCustom_RegisterStorageCommitmentScpCallback2", "OrthancPyCustom_RegisterWorklistCallback2",
                "OrthancPyCustom_RegisterHttpAuthentication", "OrthancPyCustom_RegisterAuditLogHandler",
                "OrthancPyCustom_RegisterWebDavCollection", "OrthancPyCustom_RegisterTranscoderCallback",
                "OrthancPyCustom_CreateJob", "OrthancPyCustom_SubmitJob"},
    "1.6.0": {"OrthancPyCustom_RegisterStorageCommitmentScpCallback", "OrthancPyCustom_RegisterMoveCallback2",
              "OrthancPyCustom_RegisterDecodeImageCallback",
              "OrthancPyCustom_HttpClient", "OrthancPyCustom_PeersCallPeerApi", "OrthancPyCustom_ChunkedHttpClient",
              "OrthancPyCustom_RegisterChunkedRestCallback", "OrthancPyCustom_SendMultipartItem2",
              "OrthancPyCustom_CreateJob", "OrthancPyCustom_RegisterJobsUnserializer"},
    "0.9.5": {"OrthancPyCustom_RegisterWorklistCallback", "OrthancPyCustom_RegisterStorageArea",
              "OrthancPyCustom_RegisterDecodeImageCallback"},
}
ABSENT = {
    "1.6.0": {"OrthancPyCustom_RegisterStorageArea2", "OrthancPyCustom_RegisterReceivedInstanceCallback",
              "OrthancPyCustom_RegisterTranscoderCallback", "OrthancPyCustom_RegisterWebDavCollection",
              "OrthancPyCustom_RegisterHttpAuthentication"},
    "0.9.5": {"OrthancPyCustom_RegisterFindCallback", "OrthancPyCustom_RegisterMoveCallback",
              "OrthancPyCustom_HttpClient", "OrthancPyCustom_CallPeerApi", "OrthancPyCustom_ChunkedHttpClient",
              "OrthancPyCustom_RegisterChunkedRestCallback", "OrthancPyCustom_SendMultipartItem2",
              "OrthancPyCustom_CreateJob"},
}
RUNTIMES = {"trixie-amd64": "3.13", "sid-amd64": "3.14"}


def render(header: Path, version: str | None, output: Path) -> Path:
    plan = build_plan(model_from_header(header, version))
    render_plan(plan, output)
    return output


def syntax_check(rendered: Path, header_dir: Path, python_include: Path, extra: list[str]) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    sources = sorted(RUNTIME_DIR.glob("*.c")) + sorted(rendered.glob("*.c"))
    command = ["gcc", *WARNING_FLAGS, "-fsyntax-only", f"-I{rendered}", f"-I{RUNTIME_DIR}", f"-isystem{header_dir}",
               f"-I{python_include}", *extra, *map(str, sources)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-6000:]


def declared(rendered: Path) -> str:
    return (rendered / "orthanc_generated.h").read_text(encoding="utf-8")


@pytest.mark.parametrize("version", sorted(EXPECTED))
def test_runtime_compiles_against_release(version: str, tmp_path: Path) -> None:
    try:
        header = resolve_header(version).path  # verified; from the cache, $ORTHANC_SDK_HEADERS or upstream
    except SdkError as error:
        pytest.skip(f"no OrthancCPlugin.h of SDK {version}: {error}")
    rendered = render(header, version, tmp_path / "rendered")
    text = declared(rendered)
    assert {name for name in EXPECTED[version] if f"{name}(" not in text} == set()
    assert {name for name in ABSENT.get(version, ()) if f"{name}(" in text} == set()
    syntax_check(rendered, header.parent, Path(sysconfig.get_paths()["include"]), [])


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_runtime_compiles_against_runtime_header(runtime: str, tmp_path: Path) -> None:
    from generator.build.chroot import get_runtime

    root = get_runtime(runtime).root
    header = root / "usr/include/orthanc/OrthancCPlugin.h"
    python_include = root / f"usr/include/python{RUNTIMES[runtime]}"
    if not header.is_file() or not python_include.is_dir():
        pytest.skip(f"runtime {runtime} not present (create it with: nox -s runtimes)")
    rendered = render(header, None, tmp_path / "rendered")
    # pyconfig.h of Debian includes <x86_64-linux-gnu/pythonX.Y/pyconfig.h>: found in the runtime,
    # after the host's own system headers.
    syntax_check(rendered, header.parent, python_include, [f"-idirafter{root / 'usr/include'}"])
