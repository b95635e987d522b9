"""Stop and /tools/reset with busy Python threads in the runtimes' own Orthanc (sid: Orthanc 1.13.0 and
Python 3.14, with the key-value store; bookworm i386), as tests/integration/test_stop_threads.py
does in the host's Orthanc 1.10.1, with fewer rounds (the chroots are slower to start and stop).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.build.chroot import runtime_names
from tests.integration.helpers import SCRIPTS_DIR
from tests.integration.stop_checks import HAMMER, list_resources, reset_rounds, sigterm_rounds
from tests.orthanc_server import OrthancServer
from tests.runtimes.runtime_plugins import RuntimePlugin, RuntimePlugins

pytestmark = [pytest.mark.chroot, pytest.mark.integration, pytest.mark.slow]

CONFIG = {"DicomServerEnabled": False, "WebDavEnabled": False, "Python": {"StopGracePeriod": 1}}
ROUNDS = {"sid-amd64": 5, "bookworm-i386": 3}
NAMES = [name for name in runtime_names() if name in ROUNDS]


@contextlib.contextmanager
def servers_in(plugin: RuntimePlugin, script: Path, config: dict[str, Any]) -> Iterator[Any]:
    """A factory of servers of the runtime's Orthanc sharing one working folder (and so one storage)."""
    runtime = plugin.runtime
    with runtime.scratch(prefix="orthanc-stop-") as (_, workdir), runtime.mounted():
        script_copy = workdir / script.name
        script_copy.write_text(script.read_text(encoding="utf-8"), encoding="utf-8")
        made: list[OrthancServer] = []

        def make(with_plugin: bool = True) -> OrthancServer:
            server = OrthancServer(workdir=workdir, plugin=runtime.host_path(plugin.inside) if with_plugin else None,
                                   script=script_copy if with_plugin else None, extra_config=config,
                                   binary=runtime.orthanc, command_prefix=runtime.command([]),
                                   path_in_server=runtime.inside_path)
            made.append(server)
            return server

        try:
            yield make
        finally:
            for server in made:
                server.stop()


@pytest.mark.parametrize("name", NAMES)
def test_sigterm_and_reset_with_busy_threads(name: str, runtime_plugin: RuntimePlugins) -> None:
    plugin = runtime_plugin(name)
    rounds = ROUNDS[name]
    with servers_in(plugin, HAMMER, {**CONFIG, "HammerAtImport": True}) as make:
        instances = sigterm_rounds(make, rounds)
        server = make().start(60.0)
        reset_rounds(server, rounds)
        with make(with_plugin=False) as plain:
            assert list_resources(plain) >= instances > 0


@pytest.mark.parametrize("name", NAMES)
def test_never_returning_callback_in_runtime(name: str, runtime_plugin: RuntimePlugins) -> None:
    plugin = runtime_plugin(name)
    grace = 2
    with servers_in(plugin, SCRIPTS_DIR / "stop_hang.py", {**CONFIG, "Python": {"StopGracePeriod": grace}}) as make:
        server = make().start(60.0)
        fork = server.get("/fork")
        assert fork.text == "OrthancException: orthanc functions cannot be called in a child process"
        answers: list[Any] = []

        def call() -> None:
            try:
                answers.append(server.get("/hang", timeout=120.0).status)
            except OSError as error:
                answers.append(error)

        client = threading.Thread(target=call)
        client.start()
        server.wait_for_log("stop_hang: the callback sleeps", timeout=30.0)
        began = time.monotonic()
        code = server.stop(120.0)
        took = time.monotonic() - began
        client.join(60.0)
        log = server.log_text()
    assert code == 0, log[-3000:]
    assert took < grace + 40, f"the stop took {took:.1f} s"  # liveness, with a wide margin
    assert answers and answers[0] != 200, answers
    assert "time.sleep(3600)" in log
