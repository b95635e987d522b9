"""The runtime inside a real Orthanc: callbacks, helpers and the runtime properties of issue 3.

One server per callback dispatch mode runs tests/integration/scripts/runtime_probe.py: callbacks
on Orthanc's own threads and on Python worker threads with a large stack (the default), forced
with ORTHANC_PYTHON_CALLBACK_THREADS.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.helpers import QUICK_STOP_CONFIG, SCRIPTS_DIR
from tests.orthanc_server import OrthancServer, Response

pytestmark = pytest.mark.integration

DISPATCH_MODES = {"orthanc-threads": "0", "worker-threads": "1"}
CHANGE_NEW_INSTANCE = 3
CHANGE_NEW_PATIENT = 4
CHANGE_ORTHANC_STARTED = 10


@pytest.fixture(scope="module", params=sorted(DISPATCH_MODES))
def server(request: pytest.FixtureRequest, plugin: Any,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    orthanc = OrthancServer(
        workdir=tmp_path_factory.mktemp(f"runtime-{request.param}"),
        plugin=plugin,
        script=SCRIPTS_DIR / "runtime_probe.py",
        extra_config=QUICK_STOP_CONFIG,
        env={"ORTHANC_PYTHON_CALLBACK_THREADS": DISPATCH_MODES[request.param]},
    )
    orthanc.start()
    yield orthanc
    code = orthanc.stop()
    assert code == 0, f"Orthanc did not stop cleanly (exit {code})\n{orthanc.log_tail()}"


def check(answer: Response, server: OrthancServer, status: int = 200) -> Response:
    assert answer.status == status, f"HTTP {answer.status}: {answer.text[:300]}\n{server.log_tail()}"
    return answer


def upload(server: OrthancServer, dicom: bytes) -> str:
    answer = check(server.post("/instances", dicom), server)
    return str(answer.json()["ID"])


def make_dicom(server: OrthancServer, patient: str, image: bool = False) -> bytes:
    query = f"?patient={patient}" + ("&image=1" if image else "")
    dicom = check(server.get("/probe/create-dicom" + query), server).body
    assert dicom[128:132] == b"DICM"
    return dicom


def wait_for(condition: Any, server: OrthancServer, what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{server.log_tail()}")
        time.sleep(0.05)


# ---- REST callbacks ---------------------------------------------------------

def test_get_route_receives_method_groups_get_and_headers(server: OrthancServer) -> None:
    answer = check(server.get("/probe/echo/some/path?alpha=1&beta=two", headers={"X-Probe": "yes"}), server)
    seen = answer.json()
    assert seen["uri"] == "/probe/echo/some/path"
    assert seen["kwargs"] == ["get", "groups", "headers", "method"]
    assert seen["method"] == "GET"
    assert seen["groups"] == ["/some/path"] and seen["groups_type"] == "tuple"
    assert seen["get"] == {"alpha": "1", "beta": "two"}
    assert seen["headers"]["x-probe"] == "yes"


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_post_and_put_receive_the_body_as_bytes(server: OrthancServer, method: str) -> None:
    body = b"\x00\x01binary\xff"
    seen = check(server.request(method, "/probe/echo", body=body), server).json()
    assert seen["method"] == method
    assert seen["kwargs"] == ["body", "groups", "headers", "method"]
    assert seen["body"] == body.hex() and seen["body_type"] == "bytes"


def test_delete_gets_neither_body_nor_get(server: OrthancServer) -> None:
    seen = check(server.request("DELETE", "/probe/echo"), server).json()
    assert seen["method"] == "DELETE"
    assert seen["kwargs"] == ["groups", "headers", "method"]


def test_several_routes_with_their_own_groups(server: OrthancServer) -> None:
    seen = check(server.get("/probe/pair/abc/123"), server).json()
    assert seen == {"route": "pair", "groups": ["abc", "123"]}
    assert check(server.get("/probe/pair/ABC/123"), server, 404)


@pytest.mark.parametrize("number", [0, 200, 255, 256, 257, 299])
def test_more_routes_than_the_entry_point_table(server: OrthancServer, number: int) -> None:
    # The script registers 28 routes, then 300 numbered ones: numbers from 228 on are past the
    # table of 256 entry points and share one, which finds the route again with Python's re.
    answer = check(server.get(f"/probe/many/{number}/abc"), server).json()
    assert answer == {"route": number, "uri": f"/probe/many/{number}/abc", "groups": ["abc"]}
    check(server.get(f"/probe/many/{number}/ABC"), server, 404)


def test_first_registered_route_wins_past_the_table(server: OrthancServer) -> None:
    answer = check(server.get("/probe/many/order/x"), server).json()
    assert answer["route"] == "first" and answer["groups"] == ["x"]


def test_route_past_the_table_that_python_cannot_compile_is_refused(server: OrthancServer) -> None:
    refused = check(server.get("/probe/many-bad-route"), server).json()
    assert refused["type"] == "ValueError"
    assert "/probe/many/bad/(" in refused["message"] and "first 256" in refused["message"]


def test_module_exposes_enums_and_exception(server: OrthancServer) -> None:
    seen = check(server.get("/probe/enums"), server).json()
    assert seen == {"NEW_STUDY": 6, "INSTANCE": 3, "exception": "OrthancException", "exception_module": "orthanc"}


def test_exception_in_rest_callback_gives_500_and_logged_traceback(server: OrthancServer) -> None:
    check(server.get("/probe/raise"), server, 500)
    log = server.wait_for_log("boom-from-rest-callback")
    assert "Traceback (most recent call last)" in log
    assert "in raise_error" in log
    check(server.get("/probe/load-token"), server)


# ---- Runtime properties -----------------------------------------------------

def test_concurrent_requests_overlap(server: OrthancServer) -> None:
    # Eight requests meet at a barrier inside their Python callbacks: they all pass only if the
    # eight callbacks run at the same time (serialised, the first one waits out the barrier's
    # timeout and every request reports met=false).
    parties = 8
    answers: list[Any] = []

    def one() -> None:
        answers.append(check(server.get("/probe/rendezvous", timeout=60), server).json())

    threads = [threading.Thread(target=one) for _ in range(parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [{"met": True}] * parties


def test_gil_is_released_during_sdk_calls(server: OrthancServer) -> None:
    seen = check(server.get("/probe/gil-during-sdk", timeout=60), server).json()
    assert "error" not in seen["pong"], seen
    assert seen["pong"]["caller_inside_sdk_call"] is True
    assert seen["pong"]["thread"] != seen["caller_thread"]


def test_callback_can_call_back_into_orthanc(server: OrthancServer) -> None:
    seen = check(server.get("/probe/nested"), server).json()
    assert seen == {"inner": {"slept": 0.1}}


def test_objects_are_invalid_after_their_callback(server: OrthancServer) -> None:
    check(server.get("/probe/keep-output"), server)
    seen = check(server.get("/probe/use-kept"), server).json()
    kind, args = seen["output"]
    assert kind == "ValueError"
    assert "no longer valid" in args[0]


def test_wrong_arguments_raise_type_error(server: OrthancServer) -> None:
    seen = check(server.get("/probe/type-errors"), server).json()
    expected_value_errors = {"image_short_buffer"}
    for name, outcome in seen.items():
        assert outcome is not None, f"{name} raised nothing"
        expected = "ValueError" if name in expected_value_errors else "TypeError"
        assert outcome[0] == expected, f"{name}: {outcome}"


def test_sdk_errors_raise_orthanc_exception(server: OrthancServer) -> None:
    seen = check(server.get("/probe/sdk-errors"), server).json()
    assert seen["rest_api_get"]["args"][0] == 17  # OrthancPluginErrorCode_UnknownResource
    assert seen["rest_api_get"]["args"][1]  # Orthanc's description
    assert seen["rest_api_get"]["is_exception"]
    assert seen["lookup_unknown"]["args"][0] == 27  # OrthancPluginErrorCode_UnknownDicomTag


def raw_request(server: OrthancServer, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def test_non_utf8_uri_header_and_get_argument(server: OrthancServer) -> None:
    # The HTTP server refuses raw non-ASCII bytes in the request line, so they come
    # percent-encoded: Orthanc decodes the path (not, in 1.10, the GET arguments).
    request = (b"GET /probe/echo/caf%E9%FF?name=%FF%FE HTTP/1.1\r\n"
               b"Host: 127.0.0.1\r\nX-Bytes: \xfe\xff\r\nConnection: close\r\n\r\n")
    answer = raw_request(server, request)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), answer[:500]

    seen = json.loads(body)
    # Undecodable bytes arrive as surrogate escapes, which encode back to the same bytes.
    assert seen["uri"].encode("utf-8", "surrogateescape") == b"/probe/echo/caf\xe9\xff"
    assert seen["groups"][0].encode("utf-8", "surrogateescape") == b"/caf\xe9\xff"
    assert seen["headers"]["x-bytes"].encode("utf-8", "surrogateescape") == b"\xfe\xff"
    assert seen["get"]["name"].encode("utf-8", "surrogateescape") in (b"\xff\xfe", b"%FF%FE")
    check(server.get("/system"), server)


def test_no_reference_leak_over_20000_requests(server: OrthancServer) -> None:
    path = "/probe/leak/abc?first=1&second=two&third=%C3%A9"
    headers = {"X-One": "1", "X-Two": "deux", "Accept": "text/plain"}
    with server.connection() as connection:
        for _ in range(1000):  # warm-up: caches, interned names, worker threads
            assert connection.request("GET", path, headers=headers).status == 200
        before = check(connection.request("GET", "/probe/blocks"), server).json()["blocks"]
        for _ in range(20000):
            assert connection.request("GET", path, headers=headers).status == 200
        after = check(connection.request("GET", "/probe/blocks"), server).json()["blocks"]
    # One leaked object per request would be 20000 blocks.
    assert after - before < 500, f"allocated blocks grew from {before} to {after}"


# ---- Logging, extension modules, multiprocessing ----------------------------

def test_print_and_stderr_reach_orthanc_console(server: OrthancServer) -> None:
    """By default the lines are written raw to Orthanc's stdout/stderr (merged in this log), at once.
    (The "log" output and the separate streams: tests/differential/.)"""
    tag = f"tag{time.monotonic_ns()}"
    check(server.get(f"/probe/print?tag={tag}"), server)
    lines = server.wait_for_log(f"written-to-stderr {tag}").splitlines()
    assert f"printed-to-stdout {tag}" in lines
    assert f"written-to-stderr {tag}" in lines
    assert "partial-line-joined" in lines
    assert "non-utf8-safe \\udcff" in lines
    assert "runtime_probe loaded" in "\n".join(lines)


def test_c_extension_modules_import(server: OrthancServer) -> None:
    seen = check(server.get("/probe/extensions"), server).json()
    for module in ("_ctypes", "_decimal"):
        assert "lib-dynload" in seen[module] and seen[module].endswith(".so"), seen


def test_multiprocessing_runs_a_real_interpreter(server: OrthancServer) -> None:
    seen = check(server.get("/probe/multiprocessing"), server).json()
    assert seen["child"] != seen["parent"]
    assert "python" in seen["executable"].rsplit("/", 1)[-1]
    # fork, as the Orthanc Book's examples expect, whatever the Python version.
    assert (seen["default_method"], seen["values"]) == ("fork", [1, 2])


# ---- Helpers ----------------------------------------------------------------

def test_image_from_buffer_and_back(server: OrthancServer) -> None:
    seen = check(server.get("/probe/image"), server).json()
    assert seen["type"] == "Image"
    assert (seen["width"], seen["height"], seen["format"]) == (4, 3, 1)
    assert seen["buffer_length"] == seen["pitch"] * 3
    assert seen["pixels"] == [[y * 16 + x for x in range(4)] for y in range(3)]


def test_lookup_dictionary(server: OrthancServer) -> None:
    seen = check(server.get("/probe/lookup?name=PatientID"), server).json()
    assert seen == {"Group": 0x10, "Element": 0x20, "ValueRepresentation": 11,  # LO
                    "MinMultiplicity": 1, "MaxMultiplicity": 1}


def test_generate_rest_api_authorization_token(server: OrthancServer) -> None:
    seen = check(server.get("/probe/token"), server).json()
    assert seen["type"] == "str" and len(seen["token"]) > 10


def test_explorer_extensions_add_up(server: OrthancServer) -> None:
    script = check(server.get("/plugins/explorer.js"), server).text
    assert "window.probeFirst = 1;" in script
    assert "window.probeSecond = 2;" in script


def test_create_dicom_with_pixels(server: OrthancServer) -> None:
    instance = upload(server, make_dicom(server, "WITH-PIXELS", image=True))
    tags = server.get_json(f"/instances/{instance}/simplified-tags")
    assert (tags["PatientID"], tags["Rows"], tags["Columns"]) == ("WITH-PIXELS", "4", "8")


# ---- Stored-instance, on-change and HTTP filter callbacks -------------------

def test_stored_instance_callbacks_run_in_order_on_a_valid_instance(server: OrthancServer) -> None:
    dicom = make_dicom(server, "STORED")
    instance = upload(server, dicom)
    records = [r for r in server.get_json("/probe/stored") if r["id"] == instance]
    assert [r["callback"] for r in records] == [1, 2]
    for record in records:
        assert record["type"] == "DicomInstance"
        assert record["data_length"] == record["size"] == len(dicom)
        assert record["dicm"] == "DICM"
        assert record["aet"] == ""  # received over REST, not DICOM
    kept = check(server.get("/probe/use-kept"), server).json()
    assert kept["instance"][0] == "ValueError"
    assert kept["instance_data"][0] == "ValueError"


def test_change_callbacks_run_in_order_on_one_worker_thread(server: OrthancServer) -> None:
    instance = upload(server, make_dicom(server, "CHANGES"))

    def delivered() -> list[list[Any]]:
        seen = server.get_json("/probe/changes")["changes"]
        return [c for c in seen if c[1] == CHANGE_NEW_INSTANCE and c[3] == instance]

    new_instance = wait_for(lambda: len(delivered()) == 2 and delivered(), server, "NEW_INSTANCE changes")
    assert [c[0] for c in new_instance] == [1, 2]
    assert new_instance[0][2] == 3  # ResourceType.INSTANCE

    everything = server.get_json("/probe/changes")
    changes = everything["changes"]
    assert any(c[1] == CHANGE_ORTHANC_STARTED for c in changes)
    threads = {c[4] for c in changes}
    assert len(threads) == 1, "all changes come from one delivery thread"
    assert not threads & set(everything["rest_threads"]), "changes never run on an HTTP thread"


def test_exceptions_in_change_stored_and_filter_callbacks_are_logged(server: OrthancServer) -> None:
    # Callback 1 of each kind raises on its trigger; callback 2 still runs; the server serves on.
    dicom = make_dicom(server, "RAISE-IN-CALLBACKS")
    instance = upload(server, dicom)
    server.wait_for_log("boom-from-change")
    changes = server.get_json("/probe/changes")["changes"]
    new_patient = [c[0] for c in changes if c[1] == CHANGE_NEW_PATIENT and c[0] in (1, 2)
                   and c[3] == server.get_json(f"/instances/{instance}/patient")["ID"]]
    assert new_patient == [1, 2]

    server.wait_for_log("boom-from-stored")
    assert [r["callback"] for r in server.get_json("/probe/stored") if r["id"] == instance] == [1, 2]

    answer = server.get("/probe/filter-raises")
    assert answer.status in (403, 500)
    server.wait_for_log("boom-from-filter")
    check(server.get("/probe/load-token"), server)


def test_http_filters_all_run_in_order(server: OrthancServer) -> None:
    marker = f"m{time.monotonic_ns()}"
    check(server.get(f"/probe/filter-probe?marker={marker}", headers={"X-Filter": "probe"}), server)
    calls = [c for c in server.get_json("/probe/filter-calls") if c[5].get("marker") == marker]
    assert [c[0] for c in calls] == [1, 2]
    for _number, uri, method, ip, headers, get in calls:
        assert uri == "/probe/filter-probe"
        assert method == "GET"
        assert ip == "127.0.0.1"
        assert headers["x-filter"] == "probe"
        assert get == {"marker": marker}


@pytest.mark.parametrize(("which", "asked"), [("first", [1]), ("second", [1, 2])])
def test_http_filter_refusal_answers_403(server: OrthancServer, which: str, asked: list[int]) -> None:
    marker = f"m{time.monotonic_ns()}"
    check(server.get(f"/probe/forbidden-by-{which}?marker={marker}"), server, 403)
    calls = [c for c in server.get_json("/probe/filter-calls") if c[5].get("marker") == marker]
    assert [c[0] for c in calls] == asked  # the first refusal decides
