"""DICOM callbacks in Python, driven by real DICOM peers (dcmtk) against a real Orthanc.

tests/integration/scripts/dicom_scp_probe.py registers C-FIND, worklist, C-MOVE, C-STORE filter,
received-instance and storage commitment callbacks; findscu, movescu and storescu talk to the
server, whose REST API reports what the callbacks saw.  A second server registers the simple
RegisterMoveCallback (Orthanc has one C-MOVE handler).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration import dcmtk
from tests.integration.dicom_files import make_dicom
from tests.integration.helpers import QUICK_STOP_CONFIG, SCRIPTS_DIR
from tests.orthanc_server import OrthancServer, Response, free_port

pytestmark = pytest.mark.integration

MOVE_AET = "MOVESCU"
DIMSE_OUT_OF_RESOURCES = 0xA700
DICOM_NO_SUCH_OBJECT_INSTANCE = 0x0112  # what Orthanc reports for NO_SUCH_OBJECT_INSTANCE


class ScpServer:
    """An Orthanc with the probe script, its DICOM port, and the port movescu receives on."""

    def __init__(self, server: OrthancServer, move_port: int) -> None:
        self.server = server
        self.move_port = move_port

    def seen(self) -> dict[str, Any]:
        return check(self.server.get("/scp/seen"), self.server).json()


def start(style: str, plugin: Path, tmp_path_factory: pytest.TempPathFactory) -> ScpServer:
    dicom_port = free_port()
    move_port = free_port()
    config = {
        **QUICK_STOP_CONFIG,
        "DicomServerEnabled": True,
        "DicomAlwaysAllowFind": True,
        "DicomAlwaysAllowFindWorklist": True,
        "DicomAlwaysAllowMove": True,
        "DicomModalities": {
            "self": ["PYTEST", "127.0.0.1", dicom_port],          # storage commitment towards itself
            "movescu": [MOVE_AET, "127.0.0.1", move_port],        # C-MOVE destination: movescu itself
        },
    }
    server = OrthancServer(workdir=tmp_path_factory.mktemp(f"orthanc-scp-{style}"), plugin=plugin,
                           script=SCRIPTS_DIR / "dicom_scp_probe.py", extra_config=config,
                           dicom_port=dicom_port, env={"MOVE_STYLE": style})
    server.start()
    return ScpServer(server, move_port)


def stop(scp: ScpServer) -> None:
    code = scp.server.stop()
    assert code == 0, f"Orthanc did not stop cleanly (exit {code})\n{scp.server.log_tail()}"


@pytest.fixture(scope="module")
def scp(plugin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpServer]:
    server = start("driven", plugin, tmp_path_factory)
    yield server
    stop(server)


@pytest.fixture(scope="module")
def simple_scp(plugin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpServer]:
    server = start("simple", plugin, tmp_path_factory)
    yield server
    stop(server)


def check(answer: Response, server: OrthancServer, status: int = 200) -> Response:
    assert answer.status == status, f"HTTP {answer.status}: {answer.text[:300]}\n{server.log_tail()}"
    return answer


def read_answers(folder: Path) -> list[Any]:
    import pydicom

    return [pydicom.dcmread(path) for path in sorted(folder.glob("rsp*.dcm"))]


def upload_study(server: OrthancServer, patient_id: str, count: int) -> tuple[str, list[str]]:
    first = make_dicom(patient_id)
    files = [first] + [make_dicom(patient_id, study_uid=first.study_uid, series_uid=first.series_uid)
                       for _ in range(count - 1)]
    for dicom in files:
        check(server.post("/instances", dicom.data), server)
    return first.study_uid, sorted(dicom.sop_uid for dicom in files)


# ---- C-FIND and worklists -------------------------------------------------------

def test_findscu_gets_python_answers(scp: ScpServer, tmp_path: Path) -> None:
    result = dcmtk.findscu(scp.server.dicom_port, ["QueryRetrieveLevel=STUDY", "PatientName=PYTHON*",
                                                   "PatientID", "StudyInstanceUID", "StudyDescription"], tmp_path)
    assert result.returncode == 0, result.stdout
    answers = read_answers(tmp_path)
    assert sorted(str(answer.PatientName) for answer in answers) == ["PYTHON^ANSWER1", "PYTHON^ANSWER2"]
    assert sorted(answer.StudyDescription for answer in answers) == ["answer 1", "answer 2"]

    query = scp.seen()["find"][-1]
    assert query["issuer"] == dcmtk.CALLING_AET and query["called"] == "PYTEST"
    assert query["tags"]["0010,0010"] == ["PatientName", "PYTHON*"]  # group/element and name agree
    assert "0020,000d" in query["tags"]


def test_find_exception_is_a_failure_for_the_peer(scp: ScpServer, tmp_path: Path) -> None:
    result = dcmtk.findscu(scp.server.dicom_port, ["QueryRetrieveLevel=STUDY", "PatientID=RAISE"], tmp_path)
    assert read_answers(tmp_path) == []
    assert "Failed" in result.stdout or "Error" in result.stdout, result.stdout
    log = scp.server.wait_for_log("find-callback-failure")
    assert "Error in the Python C-FIND callback" in log and "Traceback (most recent call last)" in log
    # Survived: the next query is answered.
    again = dcmtk.findscu(scp.server.dicom_port, ["QueryRetrieveLevel=STUDY", "PatientID"], tmp_path / "again")
    assert again.returncode == 0 and len(read_answers(tmp_path / "again")) == 2, again.stdout


def test_findscu_worklist_gets_matching_python_worklists(scp: ScpServer, tmp_path: Path) -> None:
    keys = ["ScheduledProcedureStepSequence[0].Modality=MR", "PatientName", "AccessionNumber", "PatientID"]
    result = dcmtk.findscu(scp.server.dicom_port, keys, tmp_path, worklist=True)
    assert result.returncode == 0, result.stdout
    answers = read_answers(tmp_path)
    assert [(answer.AccessionNumber, str(answer.PatientName)) for answer in answers] == [("WL-MR-1", "WORKLIST^MR")]
    worklist = scp.seen()["worklist"][-1]
    assert worklist["matched"] == 1 and worklist["issuer"] == dcmtk.CALLING_AET
    assert worklist["query_size"] > 0


def test_objects_are_invalid_after_their_callback(scp: ScpServer, tmp_path: Path) -> None:
    dcmtk.findscu(scp.server.dicom_port, ["QueryRetrieveLevel=STUDY", "PatientID"], tmp_path)
    dicom = make_dicom("KEEP-INSTANCE")
    assert dcmtk.storescu(scp.server.dicom_port, [dicom.write(tmp_path)]).returncode == 0
    outcomes = check(scp.server.get("/scp/use-kept"), scp.server).json()
    for name in ("find_answers", "filter_instance"):
        assert outcomes[name] is not None, f"{name} still usable after its callback"
        kind, message = outcomes[name]
        assert kind == "ValueError" and "no longer valid" in message


# ---- C-MOVE ------------------------------------------------------------------------

def test_movescu_drives_move2_callbacks(scp: ScpServer, tmp_path: Path) -> None:
    server = scp.server
    study_uid, sop_uids = upload_study(server, "MOVE-ME", 3)
    received = tmp_path / "received"
    result = dcmtk.movescu(server.dicom_port, ["QueryRetrieveLevel=STUDY", f"StudyInstanceUID={study_uid}"],
                           scp.move_port, MOVE_AET, received)
    assert result.returncode == 0, result.stdout

    import pydicom

    moved = sorted(pydicom.dcmread(path).SOPInstanceUID for path in received.iterdir())
    assert moved == sop_uids, result.stdout
    # Orthanc reports the count that get_size() gave: 2 then 1 then 0 remaining.
    assert dcmtk.suboperations(result.stdout, "Remaining") == [2, 1, 0]
    assert dcmtk.suboperations(result.stdout, "Completed") == [1, 2, 3]
    assert dcmtk.suboperations(result.stdout, "Failed") == [0, 0, 0]

    seen = scp.seen()
    request = seen["move_requests"][-1]
    assert request["Level"] == "STUDY" and request["StudyInstanceUID"] == study_uid
    assert request["TargetAET"] == MOVE_AET and request["OriginatorAET"] == MOVE_AET
    assert set(request) == {"Level", "PatientID", "AccessionNumber", "StudyInstanceUID", "SeriesInstanceUID",
                            "SOPInstanceUID", "OriginatorAET", "SourceAET", "TargetAET", "OriginatorID"}
    assert isinstance(request["OriginatorID"], int)
    calls = [call[0] for call in seen["move_calls"][-5:]]
    assert calls == ["get_size", "apply", "apply", "apply", "free"]
    assert seen["move_calls"][-5][1] == 3 and seen["move_calls"][-1][1] == 0
    assert seen["second_move"] and "already registered" in seen["second_move"]


def test_move_create_exception_is_a_failure_for_the_peer(scp: ScpServer, tmp_path: Path) -> None:
    result = dcmtk.movescu(scp.server.dicom_port, ["QueryRetrieveLevel=STUDY", "StudyInstanceUID=1.2.3.RAISE"],
                           scp.move_port, MOVE_AET, tmp_path)
    assert "Failed" in result.stdout or "Error" in result.stdout or result.returncode != 0, result.stdout
    log = scp.server.wait_for_log("move-create-failure")
    assert "Error in the Python C-MOVE callback (create)" in log


def test_move_get_size_exception_is_one_failed_suboperation(scp: ScpServer, tmp_path: Path) -> None:
    result = dcmtk.movescu(scp.server.dicom_port, ["QueryRetrieveLevel=STUDY", "StudyInstanceUID=1.2.3.SIZE-RAISE"],
                           scp.move_port, MOVE_AET, tmp_path)
    assert dcmtk.suboperations(result.stdout, "Failed")[-1:] == [1], result.stdout
    assert "One or more failures" in result.stdout, result.stdout  # 0xB000, not plain success
    log = scp.server.wait_for_log("move-size-failure")
    assert "Error in the Python C-MOVE callback (get_size)" in log
    assert scp.seen()["move_calls"][-1] == ["free", 0]  # the driver is still freed


def test_simple_move_callback_receives_the_request(simple_scp: ScpServer, tmp_path: Path) -> None:
    server = simple_scp.server
    study_uid, sop_uids = upload_study(server, "MOVE-SIMPLE", 2)
    received = tmp_path / "received"
    result = dcmtk.movescu(server.dicom_port, ["QueryRetrieveLevel=STUDY", f"StudyInstanceUID={study_uid}"],
                           simple_scp.move_port, MOVE_AET, received)
    assert result.returncode == 0, result.stdout

    import pydicom

    assert sorted(pydicom.dcmread(path).SOPInstanceUID for path in received.iterdir()) == sop_uids
    seen = simple_scp.seen()
    assert seen["move_requests"][-1]["StudyInstanceUID"] == study_uid
    assert seen["move_calls"][-1] == ["simple"]


# ---- C-STORE filter and received instances -------------------------------------------

def test_cstore_filter_refuses_with_chosen_dimse_status(scp: ScpServer, tmp_path: Path) -> None:
    rejected = make_dicom("REJECT-ME")
    accepted = make_dicom("ACCEPT-ME")
    result = dcmtk.storescu(scp.server.dicom_port, [rejected.write(tmp_path)], debug=True)
    statuses = re.findall(r"DIMSE Status\s*:\s*(0x[0-9a-f]{4})", result.stdout)
    assert statuses == [f"{DIMSE_OUT_OF_RESOURCES:#06x}"], result.stdout
    assert scp.server.post("/tools/lookup", rejected.sop_uid.encode()).json() == []

    result = dcmtk.storescu(scp.server.dicom_port, [accepted.write(tmp_path)])
    assert result.returncode == 0, result.stdout
    assert len(scp.server.post("/tools/lookup", accepted.sop_uid.encode()).json()) == 1
    assert {"REJECT-ME", "ACCEPT-ME"} <= set(scp.seen()["filter"])


def test_cstore_filter_exception_refuses_and_is_logged(scp: ScpServer, tmp_path: Path) -> None:
    dicom = make_dicom("RAISE-FILTER")
    result = dcmtk.storescu(scp.server.dicom_port, [dicom.write(tmp_path)])
    assert scp.server.post("/tools/lookup", dicom.sop_uid.encode()).json() == [], result.stdout
    log = scp.server.wait_for_log("cstore-filter-failure")
    assert "Error in the Python C-STORE instance filter" in log


def test_received_instance_callback_modifies_rest_upload(scp: ScpServer) -> None:
    server = scp.server
    dicom = make_dicom("MODIFY-ME", patient_name="ORIGINAL^NAME")
    instance_id = check(server.post("/instances", dicom.data), server).json()["ID"]
    tags = server.get_json(f"/instances/{instance_id}/simplified-tags")
    assert tags["PatientName"] == "MODIFIED^NAME"
    assert tags["SOPInstanceUID"] == dicom.sop_uid
    assert 3 in scp.seen()["received"]  # OrthancPluginInstanceOrigin_RestApi


def test_received_instance_callback_discards_c_store(scp: ScpServer, tmp_path: Path) -> None:
    dicom = make_dicom("DISCARD-ME")
    dcmtk.storescu(scp.server.dicom_port, [dicom.write(tmp_path)])
    assert scp.server.post("/tools/lookup", dicom.sop_uid.encode()).json() == []
    assert 2 in scp.seen()["received"]  # OrthancPluginInstanceOrigin_DicomProtocol


def test_received_instance_exception_fails_the_upload(scp: ScpServer) -> None:
    server = scp.server
    dicom = make_dicom("RAISE-RECEIVED")
    answer = server.post("/instances", dicom.data)
    assert answer.status >= 400, answer.text
    assert server.post("/tools/lookup", dicom.sop_uid.encode()).json() == []
    log = server.wait_for_log("received-callback-failure")
    assert "Error in the Python received-instance callback" in log and "Traceback" in log
    check(server.post("/instances", make_dicom("AFTER-RAISE").data), server)


# ---- Storage commitment -------------------------------------------------------------------

def commit(scp: ScpServer, instances: list[tuple[str, str]]) -> dict[str, Any]:
    """Storage commitment from Orthanc (SCU) to itself (SCP, answered by Python); the final report."""
    server = scp.server
    body = {"DicomInstances": [{"SOPClassUID": cls, "SOPInstanceUID": uid} for cls, uid in instances],
            "Timeout": 20}
    import json

    started = check(server.post("/modalities/self/storage-commitment", json.dumps(body).encode()), server).json()
    deadline = time.monotonic() + 30
    while True:
        report = server.get_json(f"/storage-commitment/{started['ID']}")
        if report["Status"] != "Pending":
            return dict(report)
        assert time.monotonic() < deadline, f"storage commitment still pending\n{server.log_tail()}"
        time.sleep(0.1)


@pytest.mark.parametrize("style", ["driven", "simple"])
def test_storage_commitment_answered_by_python(style: str, scp: ScpServer, simple_scp: ScpServer) -> None:
    target = scp if style == "driven" else simple_scp
    sop_class = "1.2.840.10008.5.1.4.1.1.7"
    committed = f"1.2.826.0.1.3680043.10.1473.7.{style == 'driven' and 1 or 2}.1"
    missing = f"1.2.826.0.1.3680043.10.1473.7.{style == 'driven' and 1 or 2}.2"
    report = commit(target, [(sop_class, committed), (sop_class, missing)])

    assert report["Status"] == "Failure", report
    assert [item["SOPInstanceUID"] for item in report["Success"]] == [committed]
    assert [(item["SOPInstanceUID"], item["FailureReason"]) for item in report["Failures"]] == \
        [(missing, DICOM_NO_SUCH_OBJECT_INSTANCE)]

    seen = target.seen()
    factory = seen["commitment_factory"][-1]
    assert factory["instances"] == [committed, missing] and factory["classes"] == [sop_class, sop_class]
    assert factory["remote"] == "PYTEST" and factory["called"] == "PYTEST"
    lookups = [entry for entry in seen["commitment_lookup"] if entry[1] in (committed, missing)]
    assert [entry[1] for entry in lookups] == [committed, missing]
    if style == "driven":  # the three-argument lookup gets the factory's handler
        assert {(entry[2], entry[3]) for entry in lookups} == {("CommitmentHandler", factory["job"])}
