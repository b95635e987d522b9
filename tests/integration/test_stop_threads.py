"""Stop and /tools/reset while Python threads keep calling into Orthanc (the gate of runtime/gate.c).

The script (scripts/stop_hammer.py) starts eight threads at import time that call every kind of
SDK function in a loop and ignore the errors, plus threads started from a callback and a chain of
threading.Timers: nothing a script author does to help the stop. Orthanc must exit with 0 every
time, keep its index readable, start cleanly while the threads call before it serves, and serve
the new script after each reset. The grace period is short here ("StopGracePeriod": 1) so that the
threads that never stop are ended quickly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import QUICK_STOP_CONFIG, SCRIPTS_DIR
from tests.integration.stop_checks import HAMMER, list_resources, reset_rounds, sigterm_rounds
from tests.orthanc_server import OrthancServer

pytestmark = pytest.mark.integration

HANG = SCRIPTS_DIR / "stop_hang.py"
GRACE_CONFIG = {**QUICK_STOP_CONFIG, "Python": {"StopGracePeriod": 1}}
ROUNDS = 20


def test_sigterm_with_threads_calling_from_import_time(plugin: Path, tmp_path: Path) -> None:
    """20 start-ups with threads calling Orthanc while the script loads, and 20 SIGTERM stops."""
    def make() -> OrthancServer:
        return OrthancServer(workdir=tmp_path, plugin=plugin, script=HAMMER,
                             extra_config={**GRACE_CONFIG, "HammerAtImport": True})

    instances = sigterm_rounds(make, ROUNDS)
    # The index is readable by an Orthanc without the plugin.
    with OrthancServer(workdir=tmp_path, extra_config=QUICK_STOP_CONFIG) as plain:
        assert list_resources(plain) >= instances > 0


def test_resets_with_threads_calling(plugin: Path, tmp_path: Path) -> None:
    """20 /tools/reset while the threads call: each time the new script runs and serves."""
    server = OrthancServer(workdir=tmp_path, plugin=plugin, script=HAMMER, extra_config=GRACE_CONFIG)
    with server:
        reset_rounds(server, ROUNDS)
    with OrthancServer(workdir=tmp_path, extra_config=QUICK_STOP_CONFIG) as plain:
        assert list_resources(plain) > 0


def test_threads_that_stop_on_orthanc_stopped(plugin: Path, make_server: Callable[..., OrthancServer]) -> None:
    """The shape the README recommends: Python hears of ORTHANC_STOPPED before the gate closes (its calls
    still work then), the threads end by themselves, and the interpreter is finalized."""
    server = make_server(plugin=plugin, script=SCRIPTS_DIR / "stop_polite.py")
    server.start()
    assert server.stop() == 0, server.log_tail()
    log = server.log_text()
    assert "polite: call at ORTHANC_STOPPED answered" in log
    assert log.count("polite: worker ended") == 4
    assert "raising SystemExit" not in log and "NOT finalized" not in log


def test_never_returning_callback_does_not_block_the_stop(plugin: Path,
                                                          make_server: Callable[..., OrthancServer]) -> None:
    """A REST callback sleeping for an hour: the stop ends soon after the grace period, the pending request
    gets an error, and the log shows where the callback was."""
    grace = 2
    server = make_server(plugin=plugin, script=HANG, extra_config={"Python": {"StopGracePeriod": grace}})
    server.start()
    answers: list[Any] = []

    def call() -> None:
        try:
            answers.append(server.get("/hang", timeout=120.0).status)
        except OSError as error:  # the connection closed without an answer also ends the request
            answers.append(error)

    client = threading.Thread(target=call)
    client.start()
    server.wait_for_log("stop_hang: the callback sleeps")
    began = time.monotonic()
    code = server.stop(timeout=120.0)
    took = time.monotonic() - began
    client.join(60.0)
    assert code == 0, server.log_tail()
    # A liveness bound with a wide margin, not a measurement.
    assert took < grace + 30, f"the stop took {took:.1f} s"
    assert answers and answers[0] != 200, answers
    log = server.log_text()
    assert "time.sleep(3600)" in log, "the traceback of the running callback is logged"
    assert "answering a pending request with an error" in log
    assert "interpreter is NOT finalized" in log


def test_forked_child_cannot_call_orthanc(plugin: Path, make_server: Callable[..., OrthancServer]) -> None:
    """A process forked by the script never enters Orthanc's code (its threads and locks are not there)."""
    server = make_server(plugin=plugin, script=HANG)
    server.start()
    answer = server.get("/fork")
    assert answer.status == 200, server.log_tail()
    assert answer.text == "OrthancException: orthanc functions cannot be called in a child process"
    assert server.stop() == 0
