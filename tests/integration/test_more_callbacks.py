"""The DICOM instance filter, the metrics callback and REST API calls with HTTP headers, in a
real Orthanc (tests/integration/scripts/more_callbacks_probe.py)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from tests.integration import dcmtk
from tests.integration.dicom_files import make_dicom
from tests.integration.helpers import QUICK_STOP_CONFIG, SCRIPTS_DIR
from tests.orthanc_server import OrthancServer

pytestmark = pytest.mark.integration

ORIGIN_DICOM_PROTOCOL = 2
ORIGIN_REST_API = 3


@pytest.fixture(scope="module")
def server(plugin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    orthanc = OrthancServer(
        workdir=tmp_path_factory.mktemp("more-callbacks"),
        plugin=plugin,
        script=SCRIPTS_DIR / "more_callbacks_probe.py",
        extra_config={**QUICK_STOP_CONFIG, "DicomServerEnabled": True},
    )
    orthanc.start()
    yield orthanc
    code = orthanc.stop()
    assert code == 0, f"Orthanc did not stop cleanly (exit {code})\n{orthanc.log_tail()}"


def patients(server: OrthancServer) -> set[str]:
    return {server.get_json(f"/patients/{pid}")["MainDicomTags"]["PatientID"] for pid in server.get_json("/patients")}


def seen(server: OrthancServer) -> dict[str, Any]:
    return dict(server.get_json("/more/seen"))


def test_filter_stores_what_it_accepts_and_discards_the_rest(server: OrthancServer) -> None:
    before = seen(server)
    kept = server.post("/instances", make_dicom("KEEP-REST").data)
    discarded = server.post("/instances", make_dicom("DISCARD-REST").data)
    assert kept.status == 200 and kept.json()["Status"] == "Success", kept.text
    assert discarded.status == 200 and discarded.json()["Status"] == "FilteredOut", discarded.text
    assert "KEEP-REST" in patients(server) and "DISCARD-REST" not in patients(server)
    after = seen(server)
    # Both filters ran for the accepted instance; the refusal stopped at the first.
    assert after["filter_calls"] - before["filter_calls"] == 2
    assert after["second_filter_calls"] - before["second_filter_calls"] == 1
    assert after["origins"][-2:] == [ORIGIN_REST_API, ORIGIN_REST_API]


def test_filter_sees_c_store_instances(server: OrthancServer, tmp_path: Path) -> None:
    kept, discarded = tmp_path / "kept.dcm", tmp_path / "discarded.dcm"
    kept.write_bytes(make_dicom("KEEP-CSTORE").data)
    discarded.write_bytes(make_dicom("DISCARD-CSTORE").data)
    result = dcmtk.storescu(server.dicom_port, [kept, discarded])
    assert result.returncode == 0, result.stdout
    assert "KEEP-CSTORE" in patients(server) and "DISCARD-CSTORE" not in patients(server)
    assert seen(server)["origins"][-2:] == [ORIGIN_DICOM_PROTOCOL, ORIGIN_DICOM_PROTOCOL]


@pytest.mark.parametrize(("prefix", "logged"), [("RAISE-", "boom-from-dicom-instance-filter"),
                                                 ("NONE-", "must return a bool, not None")])
def test_filter_errors_refuse_the_instance_and_are_logged(server: OrthancServer, prefix: str, logged: str) -> None:
    answer = server.post("/instances", make_dicom(f"{prefix}REST").data)
    assert answer.status == 500, answer.text
    log = server.wait_for_log(logged)
    assert "Error in the Python DICOM instance filter" in log
    assert f"{prefix}REST" not in patients(server)
    # Orthanc keeps serving and the filter keeps filtering.
    assert server.post("/instances", make_dicom(f"KEEP-AFTER-{prefix}").data).json()["Status"] == "Success"


def metrics(server: OrthancServer) -> dict[str, float]:
    answer = server.get("/tools/metrics-prometheus")
    assert answer.status == 200, answer.text
    values = {}
    for line in answer.text.splitlines():
        if line.startswith("python_probe_"):
            name, value = line.split()[:2]
            values[name] = float(value)
    return values


def test_metrics_callbacks_run_at_each_refresh_in_order(server: OrthancServer) -> None:
    first = metrics(server)["python_probe_refreshes"]
    second = metrics(server)
    assert second["python_probe_refreshes"] == first + 1
    # The callback registered after a failing one still ran; the failure is in the log.
    assert second["python_probe_after_failure"] == 7.0
    assert "boom-from-metrics-callback" in server.wait_for_log("Error in the Python metrics callback")


def test_rest_api_get2_sends_headers(server: OrthancServer) -> None:
    answer = server.get_json("/more/rest-api-get2")
    assert answer["system_name"] == server.get_json("/system")["Name"]
    # HTTP header names arrive lower-cased; a non-ASCII value crosses as UTF-8.
    assert answer["echoed"] == {"headers": {"x-probe": "get2", "x-other": "é"}, "method": "GET", "body": ""}


def test_call_rest_api_returns_body_headers_and_status(server: OrthancServer) -> None:
    answer = server.get_json("/more/call-rest-api")
    assert answer["status"] == 200
    assert answer["headers"]["content-type"] == "application/json"
    assert answer["echoed"] == {"headers": {"x-probe": "call"}, "method": "POST", "body": b"\x00\x01payload".hex()}
    assert answer["missing"] == [404, "bytes", "dict"]


def test_rest_api_calls_check_their_arguments(server: OrthancServer) -> None:
    assert server.get_json("/more/bad-arguments") == {
        "headers_not_mapping": "TypeError",
        "header_value_not_str": "TypeError",
        "method_out_of_range": "ValueError",
        "body_not_bytes": "TypeError",
        "missing_argument": "TypeError",
    }


def test_dicomweb_json_and_xml_of_bytes_and_instances(server: OrthancServer) -> None:
    dicom = make_dicom("DICOMWEB-1", width=8)
    answer = server.post("/more/dicomweb", dicom.data)
    assert answer.status == 200, f"{answer.text}\n{server.log_tail()}"
    encoded = answer.json()
    as_json = encoded["encoded_json"]
    assert as_json["00100020"] == {"vr": "LO", "Value": ["DICOMWEB-1"]}
    assert as_json["0020000D"]["Value"] == [dicom.study_uid]
    # Without a bulk-data callback Orthanc inlines binary tags: 8 x 8 pixels of 8 bits.
    assert len(base64.b64decode(as_json["7FE00010"]["InlineBinary"])) == 64
    assert encoded["instance_json"] == as_json
    for xml in (encoded["encoded_xml"], encoded["instance_xml"]):
        root = ElementTree.fromstring(xml)
        patient = [a for a in root if a.get("keyword") == "PatientID"]
        assert [v.text for a in patient for v in a] == ["DICOMWEB-1"]


def test_dicomweb_of_bytes_that_are_not_dicom_raises(server: OrthancServer) -> None:
    answer = server.post("/more/dicomweb", b"not a DICOM file")
    assert answer.status == 500
    log = server.wait_for_log("Error in the Python REST callback")
    assert "EncodeDicomWebJson" in log and "OrthancException" in log
