"""Features of SDK releases newer than the host's Orthanc 1.10.1, in the runtimes that have them.

Our plugin is built in each runtime against its own Orthanc's SDK (trixie: 1.12.7, sid: 1.13.0) and
runs tests/runtimes/data/newer_sdk_script.py there: a feature must exist exactly when that SDK has
it, and work.  DICOM peers are the host's dcmtk tools (the chroot shares the host's loopback).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator.build.chroot import runtime_names
from tests.integration import dcmtk
from tests.integration.dicom_files import make_dicom
from tests.orthanc_server import OrthancServer, free_port
from tests.runtimes.orthanc_harness import orthanc_in
from tests.runtimes.runtime_plugins import RuntimePlugin, RuntimePlugins

pytestmark = [pytest.mark.chroot, pytest.mark.integration, pytest.mark.slow]

SCRIPT = (Path(__file__).with_name("data") / "newer_sdk_script.py").read_text(encoding="utf-8")
MOVE_AET = "MOVESCU"
# The SDK release that brought each feature of the script.
SINCE = {
    "RegisterStorageArea3": (1, 12, 8), "GetKeyValue": (1, 12, 8), "SetStableStatus": (1, 12, 9),
    "ReserveQueueValue": (1, 12, 10), "RegisterFindCallback2": (1, 12, 10),
    "RegisterWorklistCallback2": (1, 12, 10), "RegisterMoveCallback3": (1, 12, 10),
    "RegisterStorageCommitmentScpCallback2": (1, 12, 10),
}
STREAMING_SINCE = (1, 12, 6)


@dataclass
class Newer:
    plugin: RuntimePlugin
    server: OrthancServer
    dicom_port: int
    move_port: int

    @property
    def sdk(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.plugin.entry.sdk.split("."))

    def get(self, path: str) -> Any:
        answer = self.server.get(path, timeout=60)
        assert answer.status == 200, f"GET {path}: {answer.status} {answer.text}\n{self.server.log_tail()}"
        return answer.json()

    def has(self, feature: str) -> bool:
        return self.sdk >= SINCE[feature]

    def require(self, feature: str) -> None:
        if not self.has(feature):
            pytest.skip(f"SDK {self.plugin.entry.sdk} of {self.plugin.runtime.name} has no {feature}")


@pytest.fixture(scope="module", params=runtime_names())
def newer(request: pytest.FixtureRequest, runtime_plugin: RuntimePlugins) -> Iterator[Newer]:
    plugin = runtime_plugin(request.param)
    if tuple(int(part) for part in plugin.entry.sdk.split(".")) < STREAMING_SINCE:
        pytest.skip(f"SDK {plugin.entry.sdk} of {plugin.runtime.name} predates every feature tested here")
    dicom_port, move_port = free_port(), free_port()
    config = {
        "WebDavEnabled": False,
        "DicomServerEnabled": True,
        "DicomPort": dicom_port,
        "DicomAlwaysAllowFind": True,
        "DicomAlwaysAllowFindWorklist": True,
        "DicomAlwaysAllowMove": True,
        "MaximumStorageCacheSize": 0,
        "DicomModalities": {"self": ["PYTEST", "127.0.0.1", dicom_port],
                            "movescu": [MOVE_AET, "127.0.0.1", move_port]},
    }
    with orthanc_in(plugin.runtime, plugin=plugin.inside, script=SCRIPT, extra_config=config) as server:
        yield Newer(plugin, server, dicom_port, move_port)
    assert server.process is not None and server.process.returncode == 0, (
        f"Orthanc in {plugin.runtime.name} did not stop cleanly\n{server.log_tail()}")


def test_features_exist_exactly_when_the_sdk_has_them(newer: Newer) -> None:
    seen = newer.get("/new/features")
    assert sorted(seen["present"]) == sorted(name for name in SINCE if newer.has(name))
    assert seen["streaming"] is (newer.sdk >= STREAMING_SINCE)
    stub = newer.plugin.stub.read_text(encoding="utf-8")
    assert ("def RegisterStorageArea3(" in stub) is newer.has("RegisterStorageArea3")


def test_streaming_answer(newer: Newer) -> None:
    answer = newer.server.get("/new/stream", timeout=60)
    assert answer.status == 200, answer.text
    assert answer.body == b"chunk-0;chunk-1;chunk-2;"
    assert answer.headers.get("content-type", "").startswith("text/plain")


def test_storage_area_with_custom_data(newer: Newer) -> None:
    newer.require("RegisterStorageArea3")
    server = newer.server
    dicom = make_dicom("SA3", width=64)
    upload = server.post("/instances", dicom.data, timeout=60)
    assert upload.status == 200, upload.text
    instance_id = upload.json()["ID"]
    uuid = server.get_json(f"/instances/{instance_id}/attachments/dicom/info")["Uuid"]

    seen = newer.get("/new/storage")
    [created] = [entry for entry in seen["create"] if entry[0] == uuid]
    assert created[1] == 1 and created[3] == len(dicom.data) and created[4] == dicom.sop_uid
    assert server.get(f"/instances/{instance_id}/file", timeout=60).body == dicom.data
    reads = [entry for entry in newer.get("/new/storage")["read"] if entry[0] == uuid]
    assert reads and all(entry[4] == f"custom:{uuid}" for entry in reads)  # custom data handed back
    assert any(entry[2] == 0 and entry[3] == len(dicom.data) for entry in reads)

    assert server.request("DELETE", f"/instances/{instance_id}", timeout=60).status == 200
    seen = newer.get("/new/storage")
    assert [uuid, 1, f"custom:{uuid}"] in seen["remove"]
    assert [uuid, 1] not in seen["files"]


def test_key_value_store(newer: Newer) -> None:
    newer.require("GetKeyValue")
    seen = newer.get("/new/key-values")
    assert seen["got"] == b"\x00two".hex() and seen["got_type"] == "bytes"
    assert seen["missing"] is None and seen["after_delete"] is None
    assert seen["iterated"] == [["a", "one"], ["b", "\x00two"], ["c", "three"]], seen
    assert seen["next_results"] == [1, 1, 1, 0]  # Next(): 1 on a pair, 0 at the end


def test_queues(newer: Newer) -> None:
    newer.require("GetKeyValue")
    seen = newer.get("/new/queues")
    assert (seen["size"], seen["front"], seen["back"]) == (3, "first", "third")
    assert seen["empty"] is None
    if newer.has("ReserveQueueValue"):
        assert seen["reserved"] == ["second", True]
        assert seen["empty_reserve"] == [None, True]
    assert seen["size_after"] == 0


def test_set_stable_status(newer: Newer) -> None:
    newer.require("SetStableStatus")
    upload = newer.server.post("/instances", make_dicom("STABLE").data, timeout=60)
    study = upload.json()["ParentStudy"]
    assert newer.server.get_json(f"/studies/{study}")["IsStable"] is False
    seen = newer.get(f"/new/stable/{study}")
    # (error code, status has changed), the tuple of the Orthanc project's plugin.
    assert (seen["changed"], seen["again"]) == ([0, 1], [0, 0])
    assert newer.server.get_json(f"/studies/{study}")["IsStable"] is True


def connections(newer: Newer, kind: str) -> list[Any]:
    return [entry for entry in newer.get("/new/storage")["connections"] if entry[0] == kind]


def test_find_and_worklist_receive_the_connection(newer: Newer, tmp_path: Path) -> None:
    newer.require("RegisterFindCallback2")
    result = dcmtk.findscu(newer.dicom_port, ["QueryRetrieveLevel=STUDY", "PatientName"], tmp_path / "find")
    assert result.returncode == 0, result.stdout
    assert len(list((tmp_path / "find").glob("rsp*.dcm"))) == 1, result.stdout
    result = dcmtk.findscu(newer.dicom_port, ["ScheduledProcedureStepSequence[0].Modality=MR", "AccessionNumber"],
                           tmp_path / "worklist", worklist=True)
    assert result.returncode == 0, result.stdout
    assert len(list((tmp_path / "worklist").glob("rsp*.dcm"))) == 1, result.stdout
    expected = {"remote_aet": dcmtk.CALLING_AET, "remote_ip": "127.0.0.1", "called_aet": "PYTEST"}
    assert connections(newer, "find")[-1][1] == expected
    assert connections(newer, "worklist")[-1][1] == expected


def test_move_with_connection(newer: Newer, tmp_path: Path) -> None:
    newer.require("RegisterMoveCallback3")
    result = dcmtk.movescu(newer.dicom_port, ["QueryRetrieveLevel=STUDY", "StudyInstanceUID=1.2.3.4"],
                           newer.move_port, MOVE_AET, tmp_path)
    assert result.returncode == 0, result.stdout
    assert dcmtk.suboperations(result.stdout, "Completed")[-1] == 2
    [_, described, keys] = connections(newer, "move")[-1]
    assert described["remote_aet"] == MOVE_AET and described["called_aet"] == "PYTEST"
    assert keys == sorted(["Level", "PatientID", "AccessionNumber", "StudyInstanceUID", "SeriesInstanceUID",
                           "SOPInstanceUID", "TargetAET", "OriginatorID"])
    deadline = time.monotonic() + 10
    while connections(newer, "move-free")[-1:] != [["move-free", 2]]:
        assert time.monotonic() < deadline, newer.server.log_tail()
        time.sleep(0.1)


def test_storage_commitment_with_connection(newer: Newer) -> None:
    newer.require("RegisterStorageCommitmentScpCallback2")
    uid = "1.2.826.0.1.3680043.10.1473.8.1"
    body = {"DicomInstances": [{"SOPClassUID": "1.2.840.10008.5.1.4.1.1.7", "SOPInstanceUID": uid}], "Timeout": 20}
    started = newer.server.post("/modalities/self/storage-commitment", json.dumps(body).encode(), timeout=60)
    assert started.status == 200, started.text
    deadline = time.monotonic() + 30
    while (report := newer.server.get_json(f"/storage-commitment/{started.json()['ID']}"))["Status"] == "Pending":
        assert time.monotonic() < deadline, newer.server.log_tail()
        time.sleep(0.1)
    assert report["Status"] == "Success", report
    [_, described, instances] = connections(newer, "commitment")[-1]
    assert instances == [uid]
    assert described["remote_aet"] == "PYTEST" and described["called_aet"] == "PYTEST"
