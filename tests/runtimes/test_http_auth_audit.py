"""HTTP authentication and audit logs written in Python (SDK 1.12.9+), in the sid runtime's
Orthanc 1.13.0 with our plugin built there from its own SDK and from the 1.12.10 header
(tests/runtimes/data/http_auth_script.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.orthanc_server import OrthancServer
from tests.runtimes.orthanc_harness import orthanc_in
from tests.runtimes.runtime_plugins import RuntimePlugins

pytestmark = [pytest.mark.chroot, pytest.mark.integration, pytest.mark.slow]

SCRIPT = (Path(__file__).with_name("data") / "http_auth_script.py").read_text(encoding="utf-8")
RUNTIME = "sid-amd64"  # the runtime whose SDK (1.13.0) has both registrations
GOOD = {"Authorization": "Bearer good"}


# The plugin of the runtime's own SDK (1.13.0), and one generated from the 1.12.10 header (the
# newest release of the manifest): both run in Orthanc 1.13.0.
@pytest.fixture(scope="module", params=[None, "1.12.10"], ids=["runtime-sdk", "sdk-1.12.10"])
def server(request: pytest.FixtureRequest, runtime_plugin: RuntimePlugins) -> Iterator[OrthancServer]:
    plugin = runtime_plugin(RUNTIME, request.param)
    assert request.param is None or plugin.entry.sdk == request.param
    if tuple(int(part) for part in plugin.entry.sdk.split(".")) < (1, 12, 9):
        pytest.skip(f"SDK {plugin.entry.sdk} of {RUNTIME} predates HTTP authentication callbacks")
    config = {"WebDavEnabled": False, "DicomServerEnabled": False}
    with orthanc_in(plugin.runtime, plugin=plugin.inside, script=SCRIPT, extra_config=config) as orthanc:
        yield orthanc
    assert orthanc.process is not None and orthanc.process.returncode == 0, (
        f"Orthanc in {RUNTIME} did not stop cleanly\n{orthanc.log_tail()}")


def seen(server: OrthancServer) -> dict[str, Any]:
    answer = server.get("/auth/seen", headers=GOOD)
    assert answer.status == 200, answer.text
    return dict(answer.json())


def test_authentication_allows_and_denies(server: OrthancServer) -> None:
    assert server.get("/statistics", headers=GOOD).status == 200
    assert server.get("/statistics").status == 401
    assert server.get("/statistics", headers={"Authorization": "Bearer bad"}).status == 401
    assert server.get("/statistics", headers={"Authorization": "Bearer forbidden"}).status == 403
    redirected = server.get("/auth/login-needed")
    assert redirected.status == 307 and redirected.headers.get("location", "").endswith("/app/login.html")
    # The callback saw the request: URI, client address, lower-case headers, GET arguments.
    assert server.get("/statistics?answer=42", headers=GOOD).status == 200
    uri, ip, authorization, get = seen(server)["authenticated"][-2]
    assert (uri, ip, authorization, get) == ("/statistics", "127.0.0.1", "Bearer good", {"answer": "42"})


@pytest.mark.parametrize(("path", "logged"), [("/auth/raise", "boom-from-authentication"),
                                              ("/auth/none", "not None")])
def test_failing_authentication_refuses_and_orthanc_keeps_serving(server: OrthancServer, path: str,
                                                                   logged: str) -> None:
    answer = server.get(path, headers=GOOD)
    assert answer.status == 500, answer.text  # Orthanc's answer to a failed authentication callback
    log = server.wait_for_log(logged)
    assert "Error in the Python HTTP authentication callback" in log
    assert server.get("/statistics", headers=GOOD).status == 200


def test_one_authentication_callback(server: OrthancServer) -> None:
    assert "already registered" in seen(server)["errors"]["second_authentication"]


def test_audit_logs_arrive_in_python(server: OrthancServer) -> None:
    assert server.get("/audit/emit/viewed", headers=GOOD).status == 200
    audit = seen(server)["audit"]
    assert ["python-test", "alice", 1, "study-1", "viewed", b"\x00audit".hex()] in audit
    assert ["second", "viewed"] in audit  # several handlers, in order
    index = audit.index(["python-test", "alice", 1, "study-1", "viewed", b"\x00audit".hex()])
    assert audit[index + 1] == ["second", "viewed"]


def test_failing_audit_handler_is_logged_and_the_next_runs(server: OrthancServer) -> None:
    assert server.get("/audit/emit/raise", headers=GOOD).status == 200
    assert "Error in the Python audit log handler" in server.wait_for_log("boom-from-audit-handler")
    assert ["second", "raise"] in seen(server)["audit"]
