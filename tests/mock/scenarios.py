"""What the demo scripts must answer, in the mock (tests/mock) and in a real Orthanc
(tests/integration/test_mock_differential.py): one source of expectations, so the two cannot drift."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent / "scripts"
ROUTES_SCRIPT = SCRIPTS / "demo_routes.py"
CHANGES_SCRIPT = SCRIPTS / "demo_changes.py"
STORAGE_SCRIPT = SCRIPTS / "demo_storage.py"

# (method, uri, body) of the requests made to /demo/hello/…, with the instance count Orthanc has.
HELLO_REQUESTS = [("GET", "/demo/hello/world?lang=en", None), ("POST", "/demo/hello/post", b"payload")]

# What each wrong call raises, in the plugin and in the mock.
WRONG_CALLS = {
    "LogInfo()": "TypeError",
    "LogInfo(1)": "TypeError",
    "LogInfo(a, b)": "TypeError",
    "RestApiGet(bytes)": "TypeError",
    "RestApiGet(unknown)": "OrthancException 17",
    "GetFontName(2**40)": "ValueError",
    "SetMetricsValue(str)": "TypeError",
    "SendHttpStatusCode(str)": "TypeError",
    "RegisterRestCallback(no callable)": "TypeError",
    "RestOutput()": "no error",
    "RestOutput().AnswerBuffer": "ValueError",
}

TEAPOT = (409, b"short and stout")


def hello_answer(method: str, uri: str, body: bytes | None, instances: int) -> dict[str, Any]:
    path, _, query = uri.partition("?")
    return {
        "uri": path,
        "method": method,
        "groups": [path.rsplit("/", 1)[1]],
        "get": dict(pair.split("=") for pair in query.split("&") if pair) if method == "GET" else None,
        "body": body.decode() if body is not None else None,
        "instances": instances,
    }


def seen_answer(instance_id: str, sop_uid: str, patient_id: str, size: int) -> dict[str, Any]:
    """/demo/seen after one instance was uploaded through the REST API."""
    return {
        "new_instances": [{"id": instance_id, "sop": sop_uid}],
        "stored": [{"id": instance_id, "patient": patient_id, "size": size, "from_rest": True,
                    "has_pixels": True}],
    }


def storage_listing(dicom_size: int) -> list[dict[str, Any]]:
    """/demo/storage (DICOM attachments only) after one instance was stored."""
    return [{"type": 1, "size": dicom_size, "dicom": True}]
