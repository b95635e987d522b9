"""What the stop and reset tests check, shared by tests/integration and tests/runtimes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.integration.helpers import SCRIPTS_DIR
from tests.orthanc_server import OrthancServer

HAMMER = SCRIPTS_DIR / "stop_hammer.py"
# Kinds of calls that must have gone through before the stop (the others depend on the SDK).
REQUIRED_KINDS = {"rest_get", "rest_post", "generated", "http_self", "create_dicom", "key_value", "timer"}


def wait_for_hammering(server: OrthancServer, token: str | None = None, timeout: float = 20.0) -> dict[str, Any]:
    """The script's state once every kind of call has succeeded at least once (in the new script if token is
    the old one's)."""
    deadline = time.monotonic() + timeout
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            answer = server.get("/hammer/state", timeout=10.0)
        except OSError:  # Orthanc restarting after /tools/reset
            time.sleep(0.1)
            continue
        if answer.status == 200:
            state = answer.json()
            if state["token"] != token and set(state["counts"]) >= REQUIRED_KINDS:
                return state
        time.sleep(0.05)
    raise AssertionError(f"the script did not hammer every kind of call: {state}\n{server.log_tail()}")


def list_resources(server: OrthancServer) -> int:
    """The number of instances, after reading the index through several routes."""
    patients = server.get_json("/patients")
    instances = server.get_json("/instances")
    assert isinstance(patients, list) and isinstance(instances, list)
    assert server.get_json("/statistics")["CountInstances"] >= 0
    if instances:
        assert server.get_json(f"/instances/{instances[-1]}")["ID"] == instances[-1]
    return len(instances)


def sigterm_rounds(make: Callable[[], OrthancServer], rounds: int) -> int:
    """`rounds` times: start a server made by `make` (same storage each time) whose script calls
    Orthanc from import time on, check the index, let it hammer, SIGTERM: exit code 0. Returns the
    number of instances seen last."""
    instances = 0
    server = None
    for round_number in range(rounds):
        server = make()
        try:
            server.start(60.0)
            assert list_resources(server) >= instances, "the index lost instances"
            wait_for_hammering(server)
            assert server.get("/hammer/spawn").status == 200
            time.sleep(0.2)
            instances = list_resources(server)
        finally:
            code = server.stop(60.0)
        assert code == 0, f"round {round_number}: exit code {code}\n{server.log_tail()}"
    assert server is not None
    log = server.log_text()
    assert "a Python thread calls Orthanc before it has started; the call waits" in log
    assert "calls from Python into Orthanc now fail" in log
    return instances


def reset_rounds(server: OrthancServer, rounds: int) -> None:
    """`rounds` times /tools/reset on a running server while the threads call: each time the new
    script runs (new token, same process) and every kind of call works again; then SIGTERM: 0."""
    state = wait_for_hammering(server)
    earlier = len(server.log_text())  # the log file may hold earlier servers' logs
    pid = state["pid"]
    tokens = {state["token"]}
    for _ in range(rounds):
        assert server.get("/hammer/spawn").status == 200
        assert server.post("/tools/reset", b"").status == 200
        state = wait_for_hammering(server, token=state["token"], timeout=60.0)
        assert state["pid"] == pid, "the reset happens inside the same process"
        assert state["token"] not in tokens, "the new script runs in a new interpreter"
        tokens.add(state["token"])
    list_resources(server)
    code = server.stop(60.0)
    assert code == 0, server.log_tail()
    log = server.log_text()[earlier:]
    assert log.count("stop_hammer loaded") == rounds
    assert "interpreter is NOT finalized" not in log, "every reset finalized the old interpreter"
