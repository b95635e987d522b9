"""Jobs written in Python in Orthanc's jobs engine (runtime/jobs.c), in a real Orthanc, watched
from both sides: /jobs over HTTP and the callbacks the script saw
(tests/integration/scripts/jobs_probe.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.dicom_files import make_dicom
from tests.integration.helpers import QUICK_STOP_CONFIG, SCRIPTS_DIR
from tests.orthanc_server import OrthancServer

pytestmark = pytest.mark.integration

SCRIPT = SCRIPTS_DIR / "jobs_probe.py"
JOB_TYPE = "PythonProbe"
# orthanc.JobStopReason
SUCCESS, PAUSED, FAILURE, CANCELED = 1, 2, 3, 4
WAIT = 30.0  # bound of every wait for Orthanc's jobs engine


def wait_until(what: str, probe: Callable[[], Any], timeout: float = WAIT) -> Any:
    """Polls probe() until it returns something true; fails naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still not the case after {timeout} s")
        time.sleep(0.05)


def create(server: OrthancServer, name: str, **spec: Any) -> str:
    answer = server.post("/jobs-probe/create", json.dumps({"name": name, **spec}).encode())
    assert answer.status == 200, answer.text
    return str(answer.json()["ID"])


def allow(server: OrthancServer, name: str, count: int) -> None:
    assert server.post("/jobs-probe/allow", json.dumps({"name": name, "count": count}).encode()).status == 200


def events(server: OrthancServer, name: str) -> list[str]:
    return list(server.get_json("/jobs-probe/events").get(name, []))


def job(server: OrthancServer, job_id: str) -> dict[str, Any]:
    return dict(server.get_json(f"/jobs/{job_id}"))


def wait_state(server: OrthancServer, job_id: str, state: str) -> dict[str, Any]:
    return dict(wait_until(f"job {job_id} in state {state}",
                           lambda: (info := job(server, job_id))["State"] == state and info))


def post_job(server: OrthancServer, job_id: str, action: str) -> None:
    answer = server.post(f"/jobs/{job_id}/{action}", b"")
    assert answer.status == 200, f"{action}: {answer.status} {answer.text}"


@pytest.fixture(scope="module")
def server(plugin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    orthanc = OrthancServer(workdir=tmp_path_factory.mktemp("jobs"), plugin=plugin, script=SCRIPT,
                            extra_config={**QUICK_STOP_CONFIG, "ConcurrentJobs": 2, "JobsHistorySize": 5})
    orthanc.start()
    yield orthanc
    code = orthanc.stop()
    assert code == 0, f"Orthanc did not stop cleanly (exit {code})\n{orthanc.log_tail()}"


def test_running_job_shows_type_progress_content_then_succeeds(server: OrthancServer) -> None:
    job_id = create(server, "visible", steps=5, gated=True)
    allow(server, "visible", 2)
    running = wait_until("two steps done", lambda: (info := job(server, job_id))["Content"].get("Done") == 2 and info)
    assert running["State"] == "Running"
    assert running["Type"] == JOB_TYPE
    assert running["Progress"] == 40
    assert running["Content"] == {"Name": "visible", "Done": 2}
    expanded = {entry["ID"]: entry for entry in server.get_json("/jobs?expand")}
    assert expanded[job_id]["Type"] == JOB_TYPE and expanded[job_id]["State"] == "Running"

    allow(server, "visible", 5)
    done = wait_state(server, job_id, "Success")
    assert done["Progress"] == 100 and done["Content"] == {"Name": "visible", "Done": 5}
    wait_until("stop(SUCCESS) called", lambda: events(server, "visible")[-1:] == [f"stop:{SUCCESS}"])


def test_failing_step_fails_the_job_with_the_error_text(server: OrthancServer) -> None:
    job_id = create(server, "failing", raise_in=["step"])
    failed = wait_state(server, job_id, "Failure")
    assert failed["Content"]["Error"] == "ValueError: boom-step-failing"
    assert failed["Content"]["Name"] == "failing"
    log = server.wait_for_log("boom-step-failing")
    assert 'Error in step() of the Python job of type "PythonProbe"' in log
    assert "Traceback (most recent call last)" in log
    wait_until("stop(FAILURE) called", lambda: events(server, "failing")[-1:] == [f"stop:{FAILURE}"])


def test_step_returning_no_status_fails_the_job(server: OrthancServer) -> None:
    job_id = create(server, "bad-result", raise_in=["step-result"])
    failed = wait_state(server, job_id, "Failure")
    assert "must return an orthanc.JobStepStatus" in failed["Content"]["Error"]
    assert "not 42" in failed["Content"]["Error"]


def test_pause_resume_cancel_resubmit_reach_the_script(server: OrthancServer) -> None:
    name = "controlled"
    job_id = create(server, name, steps=3, gated=True)
    wait_state(server, job_id, "Running")

    post_job(server, job_id, "pause")
    wait_state(server, job_id, "Paused")
    assert events(server, name) == ["step", f"stop:{PAUSED}"]

    post_job(server, job_id, "resume")
    wait_until("steps again after resume", lambda: events(server, name)[-1:] == ["step"])
    wait_state(server, job_id, "Running")

    post_job(server, job_id, "cancel")
    wait_state(server, job_id, "Failure")  # Orthanc shows a canceled job as a failure
    assert events(server, name)[-1] == f"stop:{CANCELED}"

    post_job(server, job_id, "resubmit")
    wait_until("reset then steps after resubmit", lambda: events(server, name)[-2:] == ["reset", "step"])
    allow(server, name, 3)
    wait_state(server, job_id, "Success")
    assert events(server, name) == ["step", f"stop:{PAUSED}", "step", f"stop:{CANCELED}", "reset", "step",
                                    f"stop:{SUCCESS}"]


@pytest.mark.parametrize("where", ["stop", "progress", "content", "content-json", "serialize"])
def test_errors_outside_step_are_logged_and_the_job_still_succeeds(server: OrthancServer, where: str) -> None:
    name = f"raising-{where}"
    job_id = create(server, name, steps=2, raise_in=[where], serializable=True)
    done = wait_state(server, job_id, "Success")
    if where in ("content", "content-json"):
        assert done["Content"] == {"Name": name, "Done": 0}  # the last content that could be read
    else:
        assert done["Content"] == {"Name": name, "Done": 2}
    logged = "is not JSON serializable" if where == "content-json" else f"boom-{where}-{name}"
    log = server.wait_for_log(logged)
    function = {"stop": "stop()", "serialize": "serialize()", "content-json": "content"}.get(where, where)
    assert f'Error in {function} of the Python job of type "PythonProbe"' in log
    if where == "stop":
        wait_until("stop(SUCCESS) called", lambda: events(server, name)[-1:] == [f"stop:{SUCCESS}"])


def test_failing_reset_fails_the_resubmitted_job(server: OrthancServer) -> None:
    name = "raising-reset"
    job_id = create(server, name, raise_in=["step", "reset"])
    wait_state(server, job_id, "Failure")
    post_job(server, job_id, "resubmit")
    wait_until("reset called", lambda: "reset" in events(server, name))
    failed = wait_state(server, job_id, "Failure")
    assert failed["Content"]["Error"] == f"reset() failed: RuntimeError: boom-reset-{name}"
    assert f"boom-reset-{name}" in server.wait_for_log("Error in reset() of the Python job")


def test_job_objects_without_the_methods_raise_type_error(server: OrthancServer) -> None:
    errors = server.get_json("/jobs-probe/type-errors")
    assert errors["plain object"].startswith("TypeError: a job object must have the methods step()")
    assert errors["plain object"].endswith("object has no callable step()")
    assert errors["no reset"].endswith("NoReset has no callable reset()")
    assert errors["type not a str"].startswith("TypeError:")
    assert errors["an orthanc.Job"].startswith("TypeError:")
    assert errors["submitted twice"].startswith("ValueError: this orthanc.Job was already submitted")
    # CreateJob reads progress, content and serialize() once: their errors reach the caller.
    assert errors["content raises"] == "RuntimeError: boom-content-at-creation"
    assert errors["content not a dict"] == "TypeError: the content of a job must be a dict (a JSON object), not list"
    # The job created and dropped unsubmitted was freed by Orthanc through the finalizer, quietly.
    assert server.get("/system").status == 200


def rss_kib(server: OrthancServer) -> int:
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


def under_asan(server: OrthancServer) -> bool:
    assert server.process is not None
    return "libasan" in Path(f"/proc/{server.process.pid}/maps").read_text()


def run_batch(server: OrthancServer, batch: int, count: int = 50) -> int:
    """Runs `count` jobs at once, checks them all, forgets their events; Python's allocated blocks."""
    answer = server.post("/jobs-probe/many", json.dumps({"batch": batch, "count": count, "steps": 3}).encode())
    assert answer.status == 200, answer.text
    ids = answer.json()["IDs"]
    assert len(set(ids)) == count

    def all_done() -> bool:
        seen = server.get_json("/jobs-probe/events")
        return all(seen.get(f"many-{batch}-{i}", [])[-1:] == [f"stop:{SUCCESS}"] for i in range(count))

    wait_until(f"the {count} jobs of batch {batch} succeeded", all_done, timeout=60)
    seen = server.get_json("/jobs-probe/events")
    for i in range(count):
        # Each job ran its three steps once, on one of the two job threads.
        assert seen[f"many-{batch}-{i}"] == ["step", f"stop:{SUCCESS}"], seen[f"many-{batch}-{i}"]
    answer = server.post("/jobs-probe/forget", json.dumps({"prefix": f"many-{batch}-"}).encode())
    assert answer.status == 200, answer.text
    return int(answer.json()["blocks"])


def test_fifty_jobs_on_two_threads_all_complete_and_are_freed(server: OrthancServer) -> None:
    run_batch(server, 0)
    blocks_before, rss_before = run_batch(server, 1), rss_kib(server)
    for batch in (2, 3, 4):
        blocks_after = run_batch(server, batch)
    rss_after = rss_kib(server)
    # Orthanc keeps the last 5 finished jobs (JobsHistorySize), the probe one unsubmitted job
    # (KEPT); every other job object was released through the finalize callback.
    wait_until("finished jobs released", lambda: server.get_json("/jobs-probe/live")["live"] <= 5 + 1)
    # 150 more jobs: a leaked job would keep its Python object and dicts (tens of blocks each)
    # and its C state and Orthanc's handler (RSS); neither grows beyond noise.
    assert blocks_after - blocks_before < 300, f"Python blocks grew from {blocks_before} to {blocks_after}"
    if not under_asan(server):  # ASan keeps freed memory in quarantine: RSS grows by design
        assert rss_after - rss_before < 2048, f"RSS grew from {rss_before} KiB to {rss_after} KiB"


def test_serializable_job_survives_a_restart(plugin: Path, tmp_path: Path) -> None:
    config = {**QUICK_STOP_CONFIG, "ConcurrentJobs": 2}
    first = OrthancServer(workdir=tmp_path, plugin=plugin, script=SCRIPT, extra_config=config)
    first.start()
    try:
        job_id = create(first, "durable", steps=4, gated=True, serializable=True)
        wrapped_id = create(first, "wrapped-durable", steps=2, gated=True, serializable=True)
        allow(first, "durable", 1)
        wait_until("one step done", lambda: job(first, job_id)["Content"].get("Done") == 1)
        wait_state(first, wrapped_id, "Running")
    finally:
        assert first.stop() == 0, first.log_tail()
    assert events_from_log(first) == []

    second = OrthancServer(workdir=tmp_path, plugin=plugin, script=SCRIPT, extra_config=config)
    second.start()
    try:
        seen = wait_until("the job is unserialized", lambda: events(second, "durable"))
        assert seen[0] == "unserialized"
        assert seen[1] == "saved:" + json.dumps({"done": 1, "gated": True, "name": "durable", "steps": 4},
                                                sort_keys=True)
        log = second.wait_for_log("boom-unserializer")
        assert "Error in a Python jobs unserializer (the next one is tried)" in log
        allow(second, "durable", 4)
        done = wait_state(second, job_id, "Success")
        assert done["Content"] == {"Name": "durable", "Done": 4} and done["Type"] == JOB_TYPE
        # An unserializer may also answer with an orthanc.Job made by CreateJob.
        assert events(second, "wrapped-durable")[0] == "unserialized"
        allow(second, "wrapped-durable", 2)
        assert wait_state(second, wrapped_id, "Success")["Content"] == {"Name": "wrapped-durable", "Done": 2}
    finally:
        assert second.stop() == 0, second.log_tail()


def server_events(server: OrthancServer) -> dict[str, list[str]]:
    return dict(server.get_json("/jobs-probe/events"))


def events_from_log(server: OrthancServer) -> list[str]:
    """Python errors the server logged about jobs (there should be none)."""
    return [line for line in server.log_text().splitlines() if "of the Python job" in line]


def test_reset_and_stop_with_running_jobs_are_clean(plugin: Path, tmp_path: Path) -> None:
    orthanc = OrthancServer(workdir=tmp_path, plugin=plugin, script=SCRIPT,
                            extra_config={**QUICK_STOP_CONFIG, "ConcurrentJobs": 2})
    orthanc.start()
    try:
        first = create(orthanc, "reset-a", steps=3, gated=True, serializable=True)
        create(orthanc, "reset-b", steps=3, gated=True)
        wait_until("both running", lambda: all(events(orthanc, n) for n in ("reset-a", "reset-b")))
        orthanc.reset()
        # The new interpreter recreated the serializable job from what the old one saved.
        assert wait_until("reset-a unserialized", lambda: events(orthanc, "reset-a"))[0] == "unserialized"
        assert "reset-b" not in server_events(orthanc)  # not serializable: gone with the old interpreter
        allow(orthanc, "reset-a", 3)
        wait_state(orthanc, first, "Success")
        create(orthanc, "stop-a", steps=3, gated=True)
        wait_until("stop-a running", lambda: events(orthanc, "stop-a"))
    finally:
        code = orthanc.stop()
    assert code == 0, orthanc.log_tail()
    assert events_from_log(orthanc) == []
    # The probe's unsubmitted job, kept in a global, was released before the interpreter stopped
    # (once at the reset, once at the stop).
    assert orthanc.log_text().count("Shutdown: released the Python objects of 1 job(s) not yet freed") == 2


def readme_job_example() -> str:
    """The Python block of the README's "### Jobs" subsection, as documented."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### Jobs\n", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_example_job_walks_the_studies_and_writes_its_report(
        make_server: Callable[..., OrthancServer], plugin: Path, tmp_path: Path) -> None:
    report = tmp_path / "studies.txt"
    example = readme_job_example()
    assert example.count('"/tmp/studies.txt"') == 1
    script = tmp_path / "report_job.py"
    script.write_text(example.replace('"/tmp/studies.txt"', json.dumps(str(report))), encoding="utf-8")
    server = make_server(plugin=plugin, script=script)
    server.start()
    studies = set()
    for patient in ("REPORT-1", "REPORT-2", "REPORT-3"):
        answer = server.post("/instances", make_dicom(patient).data)
        assert answer.status == 200, answer.text
        studies.add(answer.json()["ParentStudy"])

    answer = server.post("/report", b"")
    assert answer.status == 200, answer.text
    done = wait_state(server, answer.json()["ID"], "Success")
    assert done["Type"] == "StudyReport" and done["Progress"] == 100
    assert done["Content"] == {"Report": str(report), "StudiesDone": 3}
    assert sorted(report.read_text().splitlines()) == sorted(f"{study}: 1 instances" for study in studies)
