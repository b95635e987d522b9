"""What the differential suite does with each corpus script (tests/differential/corpus/).

A Scenario names its script, the configuration added to Orthanc's, the function that drives the
server (a harness.Session records every step), and the intended differences: substrings of the
difference lines (harness.differences) that are expected, each listed in the README with its
reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.differential.harness import Session


@dataclass(frozen=True)
class Scenario:
    name: str
    script: str
    drive: Callable[[Session], None]
    config: Mapping[str, Any] = field(default_factory=dict)
    intended: tuple[str, ...] = ()
    sort_stdout: bool = False  # lines printed by threads that race each other

    @staticmethod
    def matches(key: str, line: str) -> bool:
        """A key names a recorded step (its label, as in "['label', ..."), an HTTP step (its path) or
        is a difference line's start ("stdout[", "exit_code")."""
        return f"['{key}'," in line or f"'{key}', {{'status'" in line or line.startswith(key)


def api_shapes(session: Session) -> None:
    path = session.server.path_in_server(session.workdir / "file.bin")
    answer = session.server.request("GET", f"/diff/shapes?path={path}", timeout=60)
    if answer.status != 200:
        session.record("GET /diff/shapes", answer.status)
        return
    for label, outcome in sorted(json.loads(answer.body).items()):
        session.record(label, outcome)


SCENARIOS: list[Scenario] = [
    Scenario("api_shapes", "api_shapes.py", api_shapes, intended=(
        # The SDK's error as orthanc.OrthancException with its code (the reference: ValueError/TypeError).
        "CreateDicom-badjson", "LookupDictionary-unknown",
        # Integers out of the C type's range raise ValueError (the reference truncates them silently).
        "CreateImage-big", "GetCommandLineArgument-neg",
        # Keyword arguments are accepted (the reference takes positional arguments only).
        "CreateImage-kw",
        # A buffer of the wrong size is a ValueError (the reference: TypeError).
        "CreateImageFromBuffer-short",
        # Past the last argument: ParameterOutOfRange, Orthanc's own error (the reference: InternalError).
        "GetCommandLineArgument-outofrange",
        # None where the SDK documents that NULL is allowed, and None as an empty buffer (as the reference
        # 7.1 does; 4.0 refuses both with TypeError).
        "ComputeMd5-none", "GetTagName", "HttpDelete", "HttpGet-404", "HttpGet-self", "HttpPost-self", "HttpPut",
    )),
]


def output_and_logging(session: Session) -> None:
    session.get("/diff/print")
    session.get("/diff/streams")


REST_ANSWERS = ("buffer", "str", "header", "redirect", "status", "status-body", "status-body-no-size", "error-details",
                "unauthorized", "not-allowed", "multipart", "png", "jpeg", "nothing", "twice", "return-value",
                "wrong-args")


def rest_routes(session: Session) -> None:
    session.get("/diff/echo")
    session.get("/diff/echo/sub?a=1&b=two&a=3", headers={"X-Custom": "header value"})
    session.post("/diff/echo/post", b"posted body \xc3\xa9")
    session.http("PUT", "/diff/echo/put", body=b"put body")
    session.http("DELETE", "/diff/echo/delete")
    session.get("/diff/first/second")
    for how in REST_ANSWERS:
        session.get(f"/diff/answer/{how}")


def exceptions(session: Session) -> None:
    for kind in ("value", "orthanc", "custom", "after-answer", "exit", "none"):
        session.get(f"/diff/raise/{kind}")
    session.get("/diff/catch")
    session.get("/system")  # still serving


def http_filter(session: Session) -> None:
    for path in ("forbidden", "raises", "returns-none", "returns-int", "allowed?x=1"):
        session.get(f"/diff/{path}", headers={"X-Filter": "yes"})
    session.post("/diff/allowed", b"body")
    session.get("/diff/seen")


def _dicom(patient_id: str, **extra: str) -> Any:
    from tests.integration.dicom_files import make_dicom

    # Fixed UIDs: the same instance, so the same Orthanc identifiers, on both servers.
    return make_dicom(patient_id, study_uid=f"1.2.826.0.1.3680043.10.1473.99.{len(patient_id)}",
                      series_uid=f"1.2.826.0.1.3680043.10.1473.99.{len(patient_id)}.1",
                      sop_uid=f"1.2.826.0.1.3680043.10.1473.99.{len(patient_id)}.1.1", InstanceNumber="1", **extra)


def changes_and_stored(session: Session) -> None:
    session.wait_for_output("change ORTHANC_STARTED")
    session.post("/instances", _dicom("CHANGES").data)
    session.wait_for_output("change NEW_INSTANCE")
    session.wait_for_output("stdout: stored metadata")


def dicom_scp(session: Session) -> None:
    from tests.integration.dcmtk import findscu, movescu, storescu

    port = session.server.dicom_port
    files = [_dicom("ACCEPTED").write(session.workdir / "dicom"), _dicom("REFUSED1").write(session.workdir / "dicom")]
    for file in files:
        stored = storescu(port, [file])
        session.record("storescu", "Success" in stored.stdout or "status=0x0000" in stored.stdout.lower())
    session.get("/patients")
    found = findscu(port, ["QueryRetrieveLevel=STUDY", "PatientID=F*", "PatientName"], session.workdir / "find")
    session.record("findscu answers", sorted(p.name.startswith("rsp") for p in (session.workdir / "find").iterdir()))
    session.record("findscu ok", found.returncode)
    worklist = findscu(port, ["PatientID", "PatientName", "AccessionNumber"], session.workdir / "wl", worklist=True)
    session.record("worklist answers", len(list((session.workdir / "wl").iterdir())))
    session.record("worklist ok", worklist.returncode)
    moved = movescu(port, ["QueryRetrieveLevel=STUDY", "StudyInstanceUID=1.2.3"], 1, "NOWHERE", session.workdir / "mv")
    session.record("movescu ran", moved.returncode is not None)
    session.wait_for_output("stdout: move")


def storage_area(session: Session) -> None:
    answer = session.post("/instances", _dicom("STORAGE").data)
    instance = answer.json()["ID"]
    session.get("/diff/files")
    session.get(f"/instances/{instance}/file")
    session.get(f"/instances/{instance}/simplified-tags")
    session.http("DELETE", f"/instances/{instance}")
    session.get("/diff/files")


def threads(session: Session) -> None:
    session.get("/diff/threads")
    session.get("/diff/timer")
    session.get("/diff/thread-raises")


def multiprocessing_book(session: Session) -> None:
    session.get("/diff/compute", timeout=60)
    session.get("/diff/system", timeout=60)
    session.get("/diff/process", timeout=60)
    session.wait_for_output("stdout: from a forked process")


def import_error(session: Session) -> None:
    session.get("/system")


DICOM = {"DicomServerEnabled": True, "DicomModalities": {}}

SCENARIOS += [
    Scenario("output_and_logging", "output_and_logging.py", output_and_logging),
    Scenario("rest_routes", "rest_routes.py", rest_routes, intended=(
        # SendHttpStatus(status, body) without the explicit size that the reference (SDK 1.10) requires.
        "/diff/answer/status-body-no-size",
    )),
    Scenario("exceptions", "exceptions.py", exceptions),
    Scenario("http_filter", "http_filter.py", http_filter, intended=(
        # A filter answering neither True nor False: ours uses its truth value (None, 0 -> 403), the
        # reference fails the request (500).
        "/diff/returns-none", "/diff/returns-int",
        # `method` is the method's name (the design contract: "GET"), the reference passes the
        # HttpMethod value (1); `get` is also given for POST (empty), where the reference omits it.
        "/diff/seen",
    )),
    Scenario("changes_and_stored", "changes_and_stored.py", changes_and_stored, sort_stdout=True),
    Scenario("dicom_scp", "dicom_scp.py", dicom_scp, config=DICOM),
    Scenario("storage_area", "storage_area.py", storage_area),
    Scenario("threads", "threads.py", threads),
    Scenario("multiprocessing_book", "multiprocessing_book.py", multiprocessing_book),
    Scenario("import_error", "import_error.py", import_error),
]
