"""An exception in a callback of every kind: logged with its traceback, and Orthanc serves on.

scripts/raising.py registers raising callbacks ($RAISING_GROUP picks a group: Orthanc has a single
slot for C-MOVE and for the storage area).  Each kind is triggered several times; the log must hold
a traceback through the callback that ends in its marker, and the server must go on answering.
The kinds are checked against the module's Register* functions, so that a new kind of callback
cannot appear without a test here.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration import dcmtk
from tests.orthanc_server import OrthancServer, default_binary, free_port
from tests.reliability.conftest import BuiltPlugin, dicom_peers_config
from tests.stub_gates import absent_in, host_orthanc_version

pytestmark = pytest.mark.integration

# Register* function -> (group of scripts/raising.py, marker kind, the Python function that raises).
COVERED = {
    "RegisterRestCallback": ("main", "rest", "rest_raises"),
    "RegisterOnChangeCallback": ("main", "change", "on_change_raises"),
    "RegisterOnStoredInstanceCallback": ("main", "stored", "on_stored_raises"),
    "RegisterIncomingHttpRequestFilter": ("main", "filter", "filter_raises"),
    "RegisterReceivedInstanceCallback": ("main", "received", "received_raises"),
    "RegisterIncomingCStoreInstanceFilter": ("main", "cstore", "cstore_filter_raises"),
    "RegisterIncomingDicomInstanceFilter": ("main", "dicom-filter", "dicom_filter_raises"),
    "RegisterRefreshMetricsCallback": ("main", "metrics", "metrics_raises"),
    "RegisterFindCallback": ("main", "find", "find_raises"),
    "RegisterWorklistCallback": ("main", "worklist", "worklist_raises"),
    "RegisterMoveCallback": ("main", "move", "move_raises"),
    "RegisterStorageCommitmentScpCallback": ("main", "commitment", "commitment_factory_raises"),
    "RegisterMoveCallback2": ("move2", "move2", "move2_create_raises"),
    "RegisterStorageArea": ("storage1", "storage-create", "storage_create_raises"),
    "RegisterStorageArea2": ("storage2", "storage-create", "storage_create_raises"),
    "RegisterDecodeImageCallback": ("codecs", "decoder", "decoder_raises"),
    "RegisterTranscoderCallback": ("codecs", "transcoder", "transcoder_raises"),
    "RegisterWebDavCollection": ("codecs", "webdav", "webdav_raises"),
    # SDK 1.12.9+: raised in the sid runtime by tests/runtimes/test_http_auth_audit.py.
    "RegisterHttpAuthentication": ("sid-runtime", "authentication", "authenticate"),
    "RegisterAuditLogHandler": ("sid-runtime", "audit", "first_handler"),
    # Raised where their machinery is: tests/integration/test_http_client.py
    # (test_chunked_route_errors_answer_500: factory, AddChunk, Execute) and
    # tests/integration/test_jobs.py (a raising unserializer, then the next one is tried).
    "RegisterChunkedRestCallback": ("integration", "chunked", "failing_factory"),
    "RegisterJobsUnserializer": ("integration", "jobs-unserializer", "unserialize"),
}
STORAGE_KINDS = (("storage-create", "storage_create_raises"), ("storage-read", "storage_read_raises"),
                 ("storage-remove", "storage_remove_raises"))
ROUNDS = 3

MakeServer = Callable[..., OrthancServer]


def callback_registrations(stub_text: str) -> set[str]:
    """Module functions of the stub that take a callable: the callback kinds the plugin offers."""
    kinds = set()
    for node in ast.parse(stub_text).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("Register"):
            annotations = [ast.unparse(a.annotation) for a in node.args.args + node.args.kwonlyargs if a.annotation]
            # A callback is typed Callable[...] or by one of the stub's private Protocols (_RestCallback...).
            if any("Callable" in annotation or annotation.startswith("_") for annotation in annotations):
                kinds.add(node.name)
    return kinds


def test_every_callback_kind_is_covered(built_plugin: BuiltPlugin) -> None:
    if built_plugin.stub is None:
        pytest.skip("no orthanc.pyi beside the plugin")
    kinds = callback_registrations(built_plugin.stub.read_text())
    assert {"RegisterRestCallback", "RegisterOnChangeCallback"} <= kinds, kinds
    # A plugin of a newer SDK than the Orthanc here lacks the newer kinds at run time (the runtimes'
    # suites test them in their Orthancs).
    running = host_orthanc_version(default_binary())
    if running is not None:
        kinds -= absent_in(built_plugin.stub, running)
    assert not kinds - set(COVERED), f"callback kinds without a raising test here: {sorted(kinds - set(COVERED))}"


def logged_traceback(log: str, kind: str, function: str) -> bool:
    """Some traceback in the log ends with this kind's marker and goes through `function`."""
    marker = f"RuntimeError: reliability-boom-{kind}"
    position = log.find(marker)
    while position >= 0:
        start = log.rfind("Traceback (most recent call last):", 0, position)
        if start >= 0 and f"in {function}" in log[start:position]:
            return True
        position = log.find(marker, position + 1)
    return False


def expect_logged(server: OrthancServer, kind: str, function: str, times: int = 1) -> None:
    server.wait_for_log(f"reliability-boom-{kind}", timeout=20.0, count=times)
    assert logged_traceback(server.log_text(), kind, function), f"no traceback of {kind} through {function}"


def dicom_of(server: OrthancServer, patient: str) -> bytes:
    answer = server.get(f"/raising/dicom?patient={patient}")
    assert answer.status == 200, answer.text[:300]
    return answer.body


def serves_on(server: OrthancServer) -> None:
    assert server.get("/raising/ok").text == "ok"
    assert server.is_ours()


def start(make_server: MakeServer, group: str) -> OrthancServer:
    return make_server("raising.py", dicom_peers_config, env={"RAISING_GROUP": group})


def test_main_group(make_server: MakeServer, tmp_path: Path) -> None:
    server = start(make_server, "main")
    for round_number in range(ROUNDS):
        assert server.get("/raising/rest").status == 500
        assert server.get("/raising/filter").status in (403, 500)
        # The stored-instance and on-change callbacks raise on every upload; the instance stays.
        assert server.post("/instances", dicom_of(server, f"RAISING{round_number}")).status == 200
        # A raising received-instance callback makes the reception fail.
        assert server.post("/instances", dicom_of(server, f"RAISE-RECEIVED{round_number}")).status != 200
        # A raising DICOM instance filter refuses the instance; a raising metrics callback does not
        # stop the metrics from being served.
        assert server.post("/instances", dicom_of(server, f"RAISE-DICOMFILTER{round_number}")).status == 500
        assert server.get("/tools/metrics-prometheus").status == 200
        file = tmp_path / f"cstore{round_number}.dcm"
        file.write_bytes(dicom_of(server, f"RAISE-CSTORE{round_number}"))
        dcmtk.storescu(server.dicom_port, [file])
        dcmtk.findscu(server.dicom_port, ["QueryRetrieveLevel=STUDY", "PatientID=*"], tmp_path / f"find{round_number}")
        dcmtk.findscu(server.dicom_port, ["ScheduledProcedureStepSequence[0].Modality=MR"],
                      tmp_path / f"worklist{round_number}", worklist=True)
        dcmtk.movescu(server.dicom_port, ["QueryRetrieveLevel=STUDY", "StudyInstanceUID=1.2.3"], free_port(),
                      "DCMTK", tmp_path / f"move{round_number}")
        request = {"DicomInstances": [["1.2.840.10008.5.1.4.1.1.7", f"1.2.3.{round_number}"]]}
        assert server.post("/modalities/self/storage-commitment", json.dumps(request).encode()).status == 200
        serves_on(server)

    for _, (group, kind, function) in COVERED.items():
        if group == "main":
            expect_logged(server, kind, function, ROUNDS)
    patients = {server.get_json(f"/patients/{p}")["MainDicomTags"]["PatientID"] for p in server.get_json("/patients")}
    assert patients == {f"RAISING{n}" for n in range(ROUNDS)}, "refused instances must not be stored"
    serves_on(server)
    assert server.stop() == 0, server.log_tail()


def test_move_callback2(make_server: MakeServer, tmp_path: Path) -> None:
    server = start(make_server, "move2")
    for round_number in range(ROUNDS):
        dcmtk.movescu(server.dicom_port, ["QueryRetrieveLevel=STUDY", "StudyInstanceUID=1.2.3"], free_port(),
                      "DCMTK", tmp_path / f"move{round_number}")
    expect_logged(server, "move2", "move2_create_raises", ROUNDS)
    serves_on(server)
    assert server.stop() == 0, server.log_tail()


@pytest.mark.parametrize("group", ["storage1", "storage2"])
def test_storage_area(make_server: MakeServer, group: str) -> None:
    server = start(make_server, group)
    # create raises for this one: the upload fails, nothing is stored.
    assert server.post("/instances", dicom_of(server, "RAISE-STORAGE")).status != 200
    assert server.get_json("/instances") == []
    # This one is stored; reading it back raises, and so does removing it.
    upload = server.post("/instances", dicom_of(server, "STORED"))
    assert upload.status == 200, upload.text[:300]
    instance = upload.json()["ID"]
    assert server.get(f"/instances/{instance}/file").status != 200
    server.request("DELETE", f"/instances/{instance}")
    for kind, function in STORAGE_KINDS:
        expect_logged(server, kind, function)
    serves_on(server)
    assert server.stop() == 0, server.log_tail()


def test_many_exceptions_in_a_row(make_server: MakeServer) -> None:
    """Three hundred failing requests on one connection: each answered 500, then normal service."""
    server = start(make_server, "main")
    with server.connection() as connection:
        answers = [connection.request("GET", "/raising/rest").status for _ in range(300)]
    assert answers == [500] * 300
    serves_on(server)
    assert server.log_text().count("reliability-boom-rest") >= 300


def test_codecs_and_webdav(make_server: MakeServer) -> None:
    """A raising decoder or transcoder: Orthanc falls back to its own; a raising WebDAV callback: 500."""
    from tests.integration.dicom_files import make_dicom

    server = make_server("raising.py", {"WebDavEnabled": True}, env={"RAISING_GROUP": "codecs"})
    for round_number in range(ROUNDS):
        upload = server.post("/instances", make_dicom(f"CODECS{round_number}").data)
        assert upload.status == 200, upload.text
        instance = upload.json()["ID"]
        assert server.get(f"/instances/{instance}/preview").status == 200  # DCMTK decoded it
        body = json.dumps({"Transcode": "1.2.840.10008.1.2", "Replace": {"PatientName": "X"}}).encode()
        assert server.post(f"/instances/{instance}/modify", body).status == 200  # DCMTK transcoded it
        assert server.request("PROPFIND", "/raising-dav/", headers={"Depth": "1"}).status == 500
        assert server.get("/raising-dav/file.txt").status == 500
        assert server.request("PUT", "/raising-dav/file.txt", body=b"x").status == 500
        serves_on(server)
    for kind, function in (("decoder", "decoder_raises"), ("transcoder", "transcoder_raises"),
                           ("webdav", "webdav_raises")):
        expect_logged(server, kind, function, ROUNDS)
    assert server.stop() == 0, server.log_tail()
