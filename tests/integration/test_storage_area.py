"""A storage area written in Python (tests/integration/scripts/storage_area_probe.py) in a real Orthanc.

The first server registers it with RegisterStorageArea, the second with RegisterStorageArea2 and a
read_range callback; the script keeps the files in a folder of the test, which is checked directly.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration import dcmtk
from tests.integration.dicom_files import make_dicom
from tests.integration.helpers import QUICK_STOP_CONFIG, SCRIPTS_DIR
from tests.orthanc_server import OrthancServer, Response

pytestmark = pytest.mark.integration

CONTENT_DICOM = 1  # OrthancPluginContentType_Dicom


def start_server(api: str, plugin: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[OrthancServer, Path]:
    folder = tmp_path_factory.mktemp(f"python-storage-{api}")
    server = OrthancServer(
        workdir=tmp_path_factory.mktemp(f"orthanc-storage-{api}"),
        plugin=plugin,
        script=SCRIPTS_DIR / "storage_area_probe.py",
        # No storage cache: every read of a file goes to the Python area.
        extra_config={**QUICK_STOP_CONFIG, "DicomServerEnabled": True, "MaximumStorageCacheSize": 0},
        env={"STORAGE_AREA_DIR": str(folder), "STORAGE_AREA_API": api},
    )
    server.start()
    return server, folder


def stop(server: OrthancServer) -> None:
    code = server.stop()
    assert code == 0, f"Orthanc did not stop cleanly (exit {code})\n{server.log_tail()}"


@pytest.fixture(scope="module")
def area(plugin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OrthancServer, Path]]:
    server, folder = start_server("1", plugin, tmp_path_factory)
    yield server, folder
    stop(server)


@pytest.fixture(scope="module")
def ranged_area(plugin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OrthancServer, Path]]:
    server, folder = start_server("2", plugin, tmp_path_factory)
    yield server, folder
    stop(server)


def check(answer: Response, server: OrthancServer, status: int = 200) -> Response:
    assert answer.status == status, f"HTTP {answer.status}: {answer.text[:300]}\n{server.log_tail()}"
    return answer


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dicom_attachment(server: OrthancServer, folder: Path, instance_id: str) -> tuple[str, bytes]:
    """The uuid Orthanc gave the instance's DICOM file, and that file as the Python area holds it."""
    info = server.get_json(f"/instances/{instance_id}/attachments/dicom/info")
    path = folder / f"{info['Uuid']}.{CONTENT_DICOM}"
    assert path.is_file(), f"{path.name} is not in the Python storage area: {sorted(p.name for p in folder.iterdir())}"
    return str(info["Uuid"]), path.read_bytes()


def wait_until(condition: Callable[[], Any], server: OrthancServer, what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{server.log_tail()}")
        time.sleep(0.05)
    return value


def test_rest_upload_lands_in_python_area_and_reads_back_identical(area: tuple[OrthancServer, Path]) -> None:
    server, folder = area
    dicom = make_dicom("SA-REST")
    instance_id = check(server.post("/instances", dicom.data), server).json()["ID"]

    _, stored = dicom_attachment(server, folder, instance_id)
    assert stored == dicom.data  # Orthanc stores REST uploads as they came
    listed = {entry["sha256"] for entry in check(server.get("/sa/files"), server).json()}
    assert sha256(dicom.data) in listed  # seen by the script itself, through its own listing

    before = check(server.get("/sa/calls"), server).json()["calls"]["read"]
    again = check(server.get(f"/instances/{instance_id}/file"), server).body
    assert again == dicom.data
    assert check(server.get("/sa/calls"), server).json()["calls"]["read"] > before


def test_c_store_lands_in_python_area(area: tuple[OrthancServer, Path], tmp_path: Path) -> None:
    server, folder = area
    dicom = make_dicom("SA-CSTORE")
    result = dcmtk.storescu(server.dicom_port, [dicom.write(tmp_path)])
    assert result.returncode == 0, result.stdout

    found = server.post("/tools/lookup", dicom.sop_uid.encode()).json()
    assert [item["Type"] for item in found] == ["Instance"], found
    instance_id = found[0]["ID"]
    _, stored = dicom_attachment(server, folder, instance_id)
    assert dicom.sop_uid.encode() in stored
    assert check(server.get(f"/instances/{instance_id}/file"), server).body == stored


def test_delete_removes_files_from_python_area(area: tuple[OrthancServer, Path]) -> None:
    server, folder = area
    dicom = make_dicom("SA-DELETE")
    instance_id = check(server.post("/instances", dicom.data), server).json()["ID"]
    uuid, _ = dicom_attachment(server, folder, instance_id)
    removes = check(server.get("/sa/calls"), server).json()["calls"]["remove"]

    check(server.request("DELETE", f"/instances/{instance_id}"), server)
    wait_until(lambda: not any(path.name.startswith(uuid) for path in folder.iterdir()), server,
               "the DICOM file to leave the Python storage area")
    assert check(server.get("/sa/calls"), server).json()["calls"]["remove"] > removes
    check(server.get(f"/instances/{instance_id}"), server, 404)


def test_failing_read_is_logged_and_survived(area: tuple[OrthancServer, Path]) -> None:
    server, _ = area
    dicom = make_dicom("SA-FAIL")
    instance_id = check(server.post("/instances", dicom.data), server).json()["ID"]

    check(server.post("/sa/fail-reads", b"1"), server)
    try:
        answer = server.get(f"/instances/{instance_id}/file")
    finally:
        check(server.post("/sa/fail-reads", b"0"), server)
    assert answer.status >= 400 and answer.body != dicom.data
    log = server.wait_for_log("storage-area-read-failure")
    assert "Error in the Python storage area callback read" in log
    assert "Traceback (most recent call last)" in log
    assert check(server.get(f"/instances/{instance_id}/file"), server).body == dicom.data


def test_second_storage_area_is_refused(area: tuple[OrthancServer, Path]) -> None:
    server, _ = area
    kind, message = check(server.get("/sa/calls"), server).json()["second_registration"]
    assert kind == "RuntimeError" and "already registered" in message


def test_range_reads_serve_dicom_headers(ranged_area: tuple[OrthancServer, Path]) -> None:
    server, folder = ranged_area
    dicom = make_dicom("SA-RANGE", patient_name="RANGE^READ", width=64)
    instance_id = check(server.post("/instances", dicom.data), server).json()["ID"]
    uuid, stored = dicom_attachment(server, folder, instance_id)
    assert stored == dicom.data

    tags = check(server.get(f"/instances/{instance_id}/simplified-tags"), server).json()
    assert tags["PatientName"] == "RANGE^READ"
    ranges = [entry for entry in check(server.get("/sa/calls"), server).json()["ranges"] if entry[0] == uuid]
    assert ranges, "Orthanc did not use read_range for the DICOM header"
    _, content_type, start, size = ranges[-1]
    assert content_type == CONTENT_DICOM and start == 0
    assert 0 < size < len(dicom.data) - 64 * 64  # the header only, without the pixels
    assert check(server.get(f"/instances/{instance_id}/file"), server).body == dicom.data
