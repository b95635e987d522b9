"""POST /tools/reset: Orthanc restarts in-process, finalizing and reloading its plugins.

The interpreter is shut down and started again each time (heap types, module state, threads and
callbacks all start over), so the script runs again and its callbacks fire again.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.integration.helpers import QUICK_STOP_CONFIG, SCRIPTS_DIR
from tests.orthanc_server import OrthancServer

pytestmark = pytest.mark.integration

CHANGE_ORTHANC_STARTED = 10


def wait_for_started_change(server: OrthancServer, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(c[1] == CHANGE_ORTHANC_STARTED for c in server.get_json("/probe/changes")["changes"]):
            return
        time.sleep(0.05)
    raise AssertionError(f"no ORTHANC_STARTED change after the restart\n{server.log_tail()}")


@pytest.mark.parametrize(("mode", "resets"), [("0", 5), ("1", 5)], ids=["orthanc-threads", "worker-threads"])
def test_reset_reloads_the_script_and_its_callbacks(plugin: Path, tmp_path: Path, mode: str, resets: int) -> None:
    server = OrthancServer(workdir=tmp_path, plugin=plugin, script=SCRIPTS_DIR / "runtime_probe.py",
                           extra_config=QUICK_STOP_CONFIG, env={"ORTHANC_PYTHON_CALLBACK_THREADS": mode})
    with server:
        first = server.get_json("/probe/load-token")
        tokens = {first["token"]}
        for round_number in range(1, resets + 1):
            server.reset()
            current = server.get_json("/probe/load-token")
            assert current["pid"] == first["pid"], "the restart happens inside the same process"
            assert current["token"] not in tokens, "the script ran again in a new interpreter"
            tokens.add(current["token"])

            # Callbacks of every kind work in the new interpreter.
            wait_for_started_change(server)
            dicom = server.get(f"/probe/create-dicom?patient=RESET{round_number}").body
            instance = server.post("/instances", dicom).json()["ID"]
            stored = [r["callback"] for r in server.get_json("/probe/stored") if r["id"] == instance]
            assert stored == [1, 2]
            assert server.get("/probe/forbidden-by-second").status == 403
            assert server.get("/probe/raise").status == 500
            assert server.get("/probe/image").status == 200

        log = server.log_text()
        assert log.count("runtime_probe loaded") == resets + 1
        assert server.stop() == 0, server.log_tail()
