"""Plugins generated from SDK releases older than Orthanc's own run in the real Orthanc here.

Orthanc accepts plugins built against any earlier SDK, so a plugin generated from 0.9.5, 1.5.7 or
1.8.2 must load into Orthanc 1.10.1 and work: its storage area goes through the first storage
API (the only one before 1.9.0), its callbacks fire, and its module defines exactly the names of
the stub generated with it, none of the later SDK's.
"""

from __future__ import annotations

import ast
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.build.host import HostBuild, build_into
from generator.build.pipeline import BuildError
from generator.build.state import find_interpreter
from generator.sdk.errors import SdkError
from tests.integration.conftest import FULL_SUITE_VERSION
from tests.integration.dicom_files import make_dicom
from tests.integration.helpers import QUICK_STOP_CONFIG, SCRIPTS_DIR
from tests.orthanc_server import OrthancServer

pytestmark = pytest.mark.integration

CHANGE_NEW_INSTANCE = 3
# Names that the older SDKs lack, with the release that brought them.
NEWER = {"RegisterStorageArea2": "1.9.0", "RegisterFindCallback": "1.1.0", "RegisterMoveCallback": "1.1.0",
         "RegisterIncomingHttpRequestFilter2": "1.2.0", "EncodeDicomWebJson": "1.5.4"}
OLDER_SDKS = ["0.9.5", "1.5.7", "1.8.2"]


def _release_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def stub_names(stub: Path) -> set[str]:
    """Top-level public functions and classes of a generated orthanc.pyi (the stub's private
    Protocols, such as _RestCallback, type callbacks and do not exist in the module)."""
    tree = ast.parse(stub.read_text())
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")}


@pytest.fixture(scope="module", params=OLDER_SDKS)
def older(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HostBuild, OrthancServer, Path]]:
    sdk = request.param
    found = find_interpreter(FULL_SUITE_VERSION)
    if found is None:
        pytest.skip(f"no working python{FULL_SUITE_VERSION}")
    try:
        build = build_into(sdk, found[0], tmp_path_factory.mktemp(f"sdk-{sdk}"))
    except SdkError as error:
        pytest.skip(f"no OrthancCPlugin.h of SDK {sdk} (set ORTHANC_SDK_HEADERS): {error}")
    except BuildError as error:
        pytest.fail(f"cannot build the plugin of SDK {sdk}: {error}")
    folder = tmp_path_factory.mktemp(f"storage-{sdk}")
    server = OrthancServer(
        workdir=tmp_path_factory.mktemp(f"orthanc-{sdk}"),
        plugin=build.plugin,
        script=SCRIPTS_DIR / "older_sdk_probe.py",
        extra_config={**QUICK_STOP_CONFIG, "MaximumStorageCacheSize": 0},
        env={"STORAGE_AREA_DIR": str(folder)},
    )
    server.start()
    yield build, server, folder
    code = server.stop()
    assert code == 0, f"Orthanc did not stop cleanly (exit {code})\n{server.log_tail()}"


def test_plugin_declares_its_own_sdk(older: tuple[HostBuild, OrthancServer, Path]) -> None:
    build, server, _ = older
    assert build.sdk in OLDER_SDKS
    plugins = server.get_json("/plugins")
    assert "python" in plugins, plugins
    assert "Traceback" not in server.log_tail()


def test_storage_area_callbacks_and_routes_work(older: tuple[HostBuild, OrthancServer, Path]) -> None:
    _, server, folder = older
    dicom = make_dicom("OLD-SDK")
    answer = server.post("/instances", dicom.data)
    assert answer.status == 200, f"{answer.status}: {answer.text}\n{server.log_tail()}"
    instance = answer.json()["ID"]

    # The DICOM file went through the Python storage area and comes back byte for byte.
    uuid = server.get_json(f"/instances/{instance}/attachments/dicom/info")["Uuid"]
    assert (folder / f"{uuid}.1").read_bytes() == dicom.data
    assert server.get(f"/instances/{instance}/file").body == dicom.data

    report = server.get_json("/old/report")
    assert report["create"] >= 1 and report["read"] >= 1
    assert {"id": instance, "size": len(dicom.data)} in report["stored"]
    # Changes reach the Python callback from a queue: wait for the new instance.
    deadline = time.monotonic() + 10
    while [CHANGE_NEW_INSTANCE, instance] not in server.get_json("/old/report")["changes"]:
        assert time.monotonic() < deadline, f"no NewInstance change in Python\n{server.log_tail()}"
        time.sleep(0.05)

    assert server.request("DELETE", f"/instances/{instance}").status == 200
    assert not (folder / f"{uuid}.1").exists()
    assert server.get_json("/old/report")["remove"] >= 1


def test_module_defines_exactly_its_sdk(older: tuple[HostBuild, OrthancServer, Path]) -> None:
    build, server, _ = older
    expected = stub_names(build.stub)
    newer = {name for name, since in NEWER.items() if _release_key(since) > _release_key(build.sdk)}
    assert newer and not (newer & expected)
    answer = server.post("/old/has", json.dumps(sorted(expected | newer)).encode())
    assert answer.status == 200, answer.text
    has = answer.json()
    assert {name for name in expected if not has[name]} == set()
    assert {name for name in newer if has[name]} == set()
