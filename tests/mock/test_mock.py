"""The generated mock `orthanc` module drives the demo scripts; tests/integration/test_mock_differential.py
runs the same scripts in a real Orthanc against the same expectations (tests/mock/scenarios.py)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from tests.mock import scenarios
from tests.mock.models import sdk_model

pydicom = pytest.importorskip("pydicom", reason="the DICOM getters of the mock read files with pydicom")

from tests.integration.dicom_files import make_dicom  # noqa: E402


def test_routes_answer_as_in_orthanc(mock: Any) -> None:
    mock.rest_api.serve("/instances", ["a", "b"])
    mock.load_script(scenarios.ROUTES_SCRIPT)
    for method, uri, body in scenarios.HELLO_REQUESTS:
        answer = mock.rest(method, uri, body=body or b"")
        assert (answer.status, answer.content_type) == (200, "application/json")
        assert answer.json() == scenarios.hello_answer(method, uri, body, 2)
    teapot = mock.rest("GET", "/demo/teapot")
    assert (teapot.status, teapot.body) == scenarios.TEAPOT
    assert mock.rest("GET", "/demo/nowhere").status == 404


def test_wrong_calls_raise_what_the_plugin_raises(mock: Any) -> None:
    mock.load_script(scenarios.ROUTES_SCRIPT)
    assert mock.rest("GET", "/demo/wrong-calls").json() == scenarios.WRONG_CALLS


def test_change_and_stored_instance_callbacks(mock: Any) -> None:
    import orthanc

    dicom = make_dicom("MOCK-CHANGES")
    mock.rest_api.serve("/instances/abc", {"MainDicomTags": {"SOPInstanceUID": dicom.sop_uid}})
    mock.load_script(scenarios.CHANGES_SCRIPT)
    mock.store_instance(dicom.data, "abc", origin=orthanc.InstanceOrigin.REST_API)
    mock.change(orthanc.ChangeType.NEW_SERIES, orthanc.ResourceType.SERIES, "ignored")
    mock.change(orthanc.ChangeType.NEW_INSTANCE, orthanc.ResourceType.INSTANCE, "abc")
    seen = mock.rest("GET", "/demo/seen").json()
    assert seen == scenarios.seen_answer("abc", dicom.sop_uid, "MOCK-CHANGES", len(dicom.data))


def test_storage_area(mock: Any) -> None:
    import orthanc

    dicom = make_dicom("MOCK-STORAGE")
    mock.load_script(scenarios.STORAGE_SCRIPT)
    mock.storage_create("f1", orthanc.ContentType.DICOM, dicom.data)
    mock.storage_create("f2", orthanc.ContentType.DICOM_UNTIL_PIXEL_DATA, dicom.data[:-64])
    assert mock.storage_read("f1", orthanc.ContentType.DICOM) == dicom.data
    assert mock.rest("GET", "/demo/storage").json() == scenarios.storage_listing(len(dicom.data))
    mock.storage_remove("f1", orthanc.ContentType.DICOM)
    mock.storage_remove("f2", orthanc.ContentType.DICOM_UNTIL_PIXEL_DATA)
    assert mock.rest("GET", "/demo/storage").json() == []
    with pytest.raises(RuntimeError):
        orthanc.RegisterStorageArea(print, print, print)


def test_all_in_one_script_registers_everything(mock: Any) -> None:
    mock.load_script(scenarios.SCRIPTS / "demo_all.py")
    assert len(mock.callbacks("RegisterRestCallback")) == 5
    assert mock.callbacks("RegisterOnChangeCallback") and mock.callbacks("RegisterStorageArea")


def test_objects_are_valid_only_during_the_callback(mock: Any) -> None:
    import orthanc

    kept: list[Any] = []
    orthanc.RegisterRestCallback("/keep", lambda output, uri, **kwargs: kept.append(output))
    mock.rest("GET", "/keep")
    with pytest.raises(ValueError, match="no longer valid"):
        kept[0].AnswerBuffer("late", "text/plain")


def test_rest_output_records_headers_cookies_and_redirects(mock: Any) -> None:
    import orthanc

    def route(output: Any, uri: str, **request: Any) -> None:
        output.SetHttpHeader("X-Test", request["groups"][0])
        output.SetCookie("session", "1")
        output.Redirect("/elsewhere")

    orthanc.RegisterRestCallback("/go/(.*)", route)
    answer = mock.rest("GET", "/go/here")
    assert answer.headers == {"X-Test": "here", "Location": "/elsewhere"}
    assert (answer.status, answer.cookies) == (301, {"session": "1"})
    assert [name for name, _ in answer.calls] == ["SetHttpHeader", "SetCookie", "Redirect"]


def test_rest_api_after_plugins_reaches_the_scripts_routes(mock: Any) -> None:
    import orthanc

    orthanc.RegisterRestCallback("/mine", lambda output, uri, **kwargs: output.AnswerBuffer("ok", "text/plain"))
    assert orthanc.RestApiGetAfterPlugins("/mine") == b"ok"
    with pytest.raises(orthanc.OrthancException) as raised:
        orthanc.RestApiGet("/mine")
    assert raised.value.args[0] == orthanc.ErrorCode.UNKNOWN_RESOURCE
    body, _headers, status = orthanc.CallRestApi(orthanc.HttpMethod.GET, "/nothing", {}, b"", True)
    assert (body, status) == (b"", 404)
    mock.rest_api.route("POST", "/tools/echo", lambda body, **_: json.loads(body))
    assert json.loads(orthanc.RestApiPost("/tools/echo", '{"a": 1}')) == {"a": 1}
    assert mock.rest_api.requests[-1] == ("POST", "/tools/echo", b'{"a": 1}')


def test_other_callbacks_can_be_driven(mock: Any) -> None:
    import orthanc

    dicom = make_dicom("MOCK-FILTERS")
    orthanc.RegisterIncomingHttpRequestFilter(lambda uri, **request: request["method"] != "DELETE")
    orthanc.RegisterIncomingCStoreInstanceFilter(
        lambda instance: 0 if json.loads(instance.GetInstanceSimplifiedJson())["PatientID"] != "BAD" else 0xA700)
    orthanc.RegisterIncomingDicomInstanceFilter(lambda instance: instance.GetInstanceRemoteAet() != "EVIL")
    orthanc.RegisterReceivedInstanceCallback(
        lambda data, origin: (orthanc.ReceivedInstanceAction.KEEP_AS_IS, None))
    moves: list[dict[str, Any]] = []
    orthanc.RegisterMoveCallback(lambda **request: moves.append(request))
    queries: list[tuple[int, int, str]] = []

    def on_find(answers: Any, query: Any, issuer: str, called: str) -> None:
        for i in range(query.GetFindQuerySize()):
            queries.append((query.GetFindQueryTagGroup(i), query.GetFindQueryTagElement(i), query.GetFindQueryValue(i)))
        answers.FindAddAnswer(dicom.data)

    orthanc.RegisterFindCallback(on_find)
    assert mock.http_filter("/instances", "GET") and not mock.http_filter("/instances", "DELETE")
    assert mock.cstore_filter(dicom.data) == 0
    assert mock.dicom_filter(dicom.data) and not mock.dicom_filter(dicom.data, remote_aet="EVIL")
    assert mock.received_instance(dicom.data, orthanc.InstanceOrigin.DICOM_PROTOCOL)[0] == 1
    assert mock.find({(0x0010, 0x0020): "MOCK*"}) == [dicom.data]
    assert mock.find({(0x0008, 0x0050): "A1", (0x0010, 0x0010): "X"}) == [dicom.data]
    assert queries == [(0x0010, 0x0020, "MOCK*"), (0x0008, 0x0050, "A1"), (0x0010, 0x0010, "X")]
    orthanc.RegisterWorklistCallback(
        lambda answers, query, issuer, called: answers.WorklistAddAnswer(query, query.WorklistGetDicomQuery()))
    assert mock.worklist(dicom.data) == [dicom.data]
    mock.move(Level="STUDY", StudyInstanceUID=dicom.study_uid, TargetAET="PEER")
    assert moves[0]["StudyInstanceUID"] == dicom.study_uid and moves[0]["OriginatorID"] == 0


def test_unfaked_functions_raise_until_implemented(mock: Any) -> None:
    import orthanc

    with pytest.raises(orthanc.OrthancException, match="mock.implement"):
        orthanc.GetOrthancPath()
    mock.implement("GetOrthancPath", lambda: "/usr/sbin/Orthanc")
    assert orthanc.GetOrthancPath() == "/usr/sbin/Orthanc"
    orthanc.LogWarning("careful")
    assert mock.logs[-1] == ("WARNING", "careful")


def test_module_matches_the_model_and_the_stub(mock: Any) -> None:
    """Every enumeration value of the model, every function and method of orthanc.pyi (same parameters)."""
    import ast

    import orthanc

    from generator.plan.plan import build_plan
    from generator.render.render import render_view
    from generator.render.view import build_view

    model = sdk_model("1.10.1")
    for enum in model.enumerations:
        for member in enum.members:
            assert getattr(getattr(orthanc, enum.python_name), member.python_name) == member.value
    stub = render_view(build_view(build_plan(model)))["orthanc.pyi"]
    checked = 0
    for node in ast.parse(stub).body:
        owner, items = orthanc, [node]
        if isinstance(node, ast.ClassDef) and node.name.startswith("_"):
            continue  # a stub-only Protocol of callbacks
        if isinstance(node, ast.ClassDef):
            owner, items = getattr(orthanc, node.name), node.body
        for item in items:
            if isinstance(item, ast.FunctionDef):
                expected = [a.arg for a in item.args.args + item.args.kwonlyargs]
                assert list(inspect.signature(getattr(owner, item.name)).parameters) == expected, item.name
                checked += 1
    assert checked > 100


def test_mock_renders_for_a_newer_sdk(tmp_path: Path) -> None:
    """`python -m generator mock` for SDK 1.12.10 gives a module that imports and has its new names."""
    import subprocess
    import sys

    sdk_model("1.12.10")  # skips when the header is not there
    run = subprocess.run([sys.executable, "-m", "generator", "mock", "--sdk", "1.12.10", "-o", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    probe = subprocess.run([sys.executable, "-c", "import orthanc; print(orthanc.SDK_VERSION, "
                            "callable(orthanc.RegisterStorageArea3), orthanc.ChangeType.NEW_STUDY)"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert probe.stdout.split() == ["1.12.10", "True", "6"], probe.stderr
