"""The demo scripts of tests/mock in a real Orthanc with the plugin: the answers the mock tests expect
(tests/mock/scenarios.py), so the mock `orthanc` module and the plugin cannot drift apart."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.dicom_files import make_dicom
from tests.mock import scenarios
from tests.orthanc_server import OrthancServer

pytestmark = pytest.mark.integration


def wait_json(server: OrthancServer, path: str, ready: Callable[[Any], bool], timeout: float = 20.0) -> Any:
    """GET path until ready(answer) (Orthanc calls on-change callbacks asynchronously); bounded."""
    deadline = time.monotonic() + timeout
    while True:
        answer = server.get_json(path)
        if ready(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def test_demo_scripts_answer_as_in_the_mock(plugin: Path, make_server: Callable[..., OrthancServer]) -> None:
    server = make_server(plugin=plugin, script=scenarios.SCRIPTS / "demo_all.py",
                         extra_config={"MaximumStorageCacheSize": 0})
    server.start()
    dicom = make_dicom("MOCK-REAL")
    uploaded = server.post("/instances", dicom.data)
    assert uploaded.status == 200, uploaded.text
    instance_id = uploaded.json()["ID"]

    for method, uri, body in scenarios.HELLO_REQUESTS:
        answer = server.request(method, uri, body=body)
        assert answer.status == 200, answer.text
        assert answer.json() == scenarios.hello_answer(method, uri, body, 1)
    teapot = server.get("/demo/teapot")
    assert (teapot.status, teapot.body) == scenarios.TEAPOT
    assert server.get_json("/demo/wrong-calls") == scenarios.WRONG_CALLS

    seen = wait_json(server, "/demo/seen", lambda answer: len(answer["new_instances"]) >= 1)
    assert seen == scenarios.seen_answer(instance_id, dicom.sop_uid, "MOCK-REAL", len(dicom.data))

    assert server.get_json("/demo/storage") == scenarios.storage_listing(len(dicom.data))
    assert server.get(f"/instances/{instance_id}/file").body == dicom.data
    assert server.request("DELETE", f"/instances/{instance_id}").status == 200
    assert server.get_json("/demo/storage") == []
