"""Python jobs (runtime/jobs.c) in sid's Orthanc 1.13.0 with Python 3.14 (and trixie's 1.12.7 with 3.13):
the plugin is built against the runtime's own SDK, so jobs without serialize() go through
OrthancPluginCreateJob2 (the host's 1.10.1 tests cover the first API only).

Same probe script as tests/integration/test_jobs.py; one server runs, is stopped with a job in
progress, and a second one on the same storage recreates and finishes that job.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.helpers import SCRIPTS_DIR
from tests.integration.test_jobs import (
    FAILURE,
    JOB_TYPE,
    PAUSED,
    SUCCESS,
    allow,
    create,
    events,
    events_from_log,
    job,
    post_job,
    wait_state,
    wait_until,
)
from tests.orthanc_server import OrthancServer
from tests.runtimes.runtime_plugins import RuntimePlugin, RuntimePlugins

pytestmark = [pytest.mark.chroot, pytest.mark.integration, pytest.mark.slow]

# sid: Orthanc 1.13.0 and Python 3.14; trixie: Orthanc 1.12.7 and Python 3.13.
RUNTIMES = ["sid-amd64", "trixie-amd64"]
CONFIG = {"WebDavEnabled": False, "DicomServerEnabled": False, "ConcurrentJobs": 2}


@pytest.fixture(scope="module", params=RUNTIMES)
def target(request: pytest.FixtureRequest, runtime_plugin: RuntimePlugins) -> RuntimePlugin:
    return runtime_plugin(request.param)


@pytest.fixture(scope="module")
def workdir(target: RuntimePlugin) -> Iterator[tuple[str, Path]]:
    """A folder inside the chroot (inside path, host path) shared by the two servers, mounts in place."""
    with target.runtime.scratch(prefix="orthanc-jobs-") as (inside, host), target.runtime.mounted():
        (host / "jobs_probe.py").write_text((SCRIPTS_DIR / "jobs_probe.py").read_text(encoding="utf-8"))
        yield inside, host


def server_in(target: RuntimePlugin, host: Path) -> OrthancServer:
    runtime = target.runtime
    return OrthancServer(workdir=host, plugin=runtime.host_path(target.inside), script=host / "jobs_probe.py",
                         extra_config=CONFIG, binary=runtime.orthanc, command_prefix=runtime.command([]),
                         path_in_server=runtime.inside_path)


def test_jobs_run_fail_pause_and_survive_a_restart(target: RuntimePlugin, workdir: tuple[str, Path]) -> None:
    _, host = workdir
    first = server_in(target, host)
    first.start(60)
    try:
        ok = create(first, "rt-ok", steps=2, plain=True)
        done = wait_state(first, ok, "Success")
        assert done["Type"] == JOB_TYPE and done["Progress"] == 100 and done["Content"]["Done"] == 2
        wait_until("stop(SUCCESS)", lambda: events(first, "rt-ok")[-1:] == [f"stop:{SUCCESS}"])

        failing = create(first, "rt-fail", raise_in=["step"], plain=True)
        assert wait_state(first, failing, "Failure")["Content"]["Error"] == "ValueError: boom-step-rt-fail"
        wait_until("stop(FAILURE)", lambda: events(first, "rt-fail")[-1:] == [f"stop:{FAILURE}"])

        paused = create(first, "rt-pause", steps=2, gated=True, plain=True)
        wait_state(first, paused, "Running")
        post_job(first, paused, "pause")
        wait_state(first, paused, "Paused")
        assert events(first, "rt-pause")[-1] == f"stop:{PAUSED}"
        post_job(first, paused, "resume")
        allow(first, "rt-pause", 2)
        wait_state(first, paused, "Success")

        durable = create(first, "rt-durable", steps=3, gated=True, serializable=True)
        allow(first, "rt-durable", 1)
        wait_until("one step done", lambda: job(first, durable)["Content"].get("Done") == 1)
    finally:
        assert first.stop(60) == 0, first.log_tail()
    # Jobs without serialize() went through CreateJob2; the serializable one through the first
    # API, whose deprecation Orthanc logs (see runtime/jobs.c).
    assert first.log_text().count("deprecated OrthancPluginCreateJob()") == 1
    # The only Python error about jobs: the step that raised on purpose.
    assert [line for line in events_from_log(first) if "Error in step()" not in line] == []

    second = server_in(target, host)
    second.start(60)
    try:
        try:
            seen = wait_until("the job is unserialized", lambda: events(second, "rt-durable"))
        except AssertionError as error:
            jobs = second.get_json("/jobs?expand")
            raise AssertionError(f"{error}\njobs: {jobs}\n{second.log_tail(60)}") from None
        assert seen[0] == "unserialized"
        assert seen[1] == "saved:" + json.dumps({"done": 1, "gated": True, "name": "rt-durable", "steps": 3},
                                                sort_keys=True)
        allow(second, "rt-durable", 3)
        assert wait_state(second, durable, "Success")["Content"] == {"Name": "rt-durable", "Done": 3}
    finally:
        assert second.stop(60) == 0, second.log_tail()
