"""Python jobs probe: jobs whose every callback the tests can watch, gate and make fail.

Routes (JSON bodies and answers):
  POST /jobs-probe/create  {"name", "steps", "gated", "raise_in": [...], "serializable", "plain", "priority"}
                           ("plain": a job object without serialize())
                           -> {"ID": job id}
  POST /jobs-probe/allow   {"name", "count"}: a gated job may do `count` steps in all
  POST /jobs-probe/many    {"count", "steps"} -> {"IDs": [...]}
  GET  /jobs-probe/events  -> {name: [event, ...]}  ("step", "stop:<reason>", "reset", "unserialized")
  GET  /jobs-probe/live    -> {"live": number of job objects still alive}
  POST /jobs-probe/forget  {"prefix"}: drops the events of the jobs named so -> {"blocks": allocated blocks}
  GET  /jobs-probe/type-errors -> {case: "TypeName: message"}
"""

from __future__ import annotations

import gc
import json
import sys
import threading
import time
import weakref
from typing import Any

import orthanc

TYPE = "PythonProbe"
EVENTS: dict[str, list[str]] = {}
GATES: dict[str, int] = {}
LIVE: weakref.WeakSet[PlainProbeJob] = weakref.WeakSet()
LOCK = threading.Lock()


def record(name: str, event: str) -> None:
    with LOCK:
        events = EVENTS.setdefault(name, [])
        # A gated job steps in a loop while it waits: one "step" for a run of them.
        if event != "step" or not events or events[-1] != "step":
            events.append(event)


class PlainProbeJob:
    """A job without serialize(): not saved across restarts."""

    def __init__(self, name: str, steps: int, gated: bool = False, raise_in: list[str] | None = None,
                 serializable: bool = False, done: int = 0) -> None:
        self.name = name
        self.steps = steps
        self.gated = gated
        self.raise_in = set(raise_in or [])
        self.serializable = serializable
        self.done = done
        LIVE.add(self)

    def step(self) -> int:
        record(self.name, "step")
        if "step" in self.raise_in:
            raise ValueError(f"boom-step-{self.name}")
        if "step-result" in self.raise_in:
            return 42
        if self.gated and self.done >= GATES.get(self.name, 0):
            time.sleep(0.02)
            return orthanc.JobStepStatus.CONTINUE
        self.done += 1
        return orthanc.JobStepStatus.SUCCESS if self.done >= self.steps else orthanc.JobStepStatus.CONTINUE

    def stop(self, reason: int) -> None:
        record(self.name, f"stop:{reason}")
        if "stop" in self.raise_in:
            raise RuntimeError(f"boom-stop-{self.name}")

    def reset(self) -> None:
        record(self.name, "reset")
        self.done = 0
        if "reset" in self.raise_in:
            raise RuntimeError(f"boom-reset-{self.name}")

    @property
    def progress(self) -> float:
        if "progress" in self.raise_in and self.done > 0:  # CreateJob itself would raise
            raise RuntimeError(f"boom-progress-{self.name}")
        return self.done / self.steps

    @property
    def content(self) -> dict[str, Any]:
        if "content" in self.raise_in and self.done > 0:  # CreateJob itself would raise
            raise RuntimeError(f"boom-content-{self.name}")
        if "content-json" in self.raise_in and self.done > 0:
            return {"NotJson": object()}
        return {"Name": self.name, "Done": self.done}



class ProbeJob(PlainProbeJob):
    def serialize(self) -> dict[str, Any] | None:
        if "serialize" in self.raise_in and self.done > 0:  # CreateJob itself would raise
            raise RuntimeError(f"boom-serialize-{self.name}")
        if not self.serializable:
            return None
        saved = {"name": self.name, "steps": self.steps, "done": self.done, "gated": self.gated}
        if self.name.startswith("wrapped-"):
            saved["wrapped"] = True  # the unserializer answers with an orthanc.Job
        return saved


def refuse_everything(job_type: str, serialized: dict[str, Any]) -> None:
    return None


def raise_for_probe(job_type: str, serialized: dict[str, Any]) -> None:
    if job_type == TYPE:
        raise RuntimeError("boom-unserializer")


def unserialize_probe(job_type: str, serialized: dict[str, Any]) -> Any:
    if job_type != TYPE:
        return None
    record(serialized["name"], "unserialized")
    record(serialized["name"], f"saved:{json.dumps(serialized, sort_keys=True)}")
    job = ProbeJob(serialized["name"], serialized["steps"], gated=serialized["gated"], serializable=True,
                   done=serialized["done"])
    return orthanc.CreateJob(TYPE, job) if serialized.get("wrapped") else job


# A job created and dropped while the script loads: Orthanc frees it through the finalizer on the
# thread that holds the GIL (a hand-over to a callback thread would deadlock the start-up).
orthanc.CreateJob(TYPE, PlainProbeJob("dropped-at-load", 1))
# One never submitted and kept until the interpreter stops: the shutdown releases its object first,
# then the interpreter's teardown frees the job, whose finalizer must not touch Python any more.
KEPT = orthanc.CreateJob(TYPE, PlainProbeJob("kept-unsubmitted", 1))

orthanc.RegisterJobsUnserializer(refuse_everything)
orthanc.RegisterJobsUnserializer(raise_for_probe)
orthanc.RegisterJobsUnserializer(unserialize_probe)


def answer(output: Any, value: Any) -> None:
    output.AnswerBuffer(json.dumps(value), "application/json")


def on_create(output: Any, uri: str, **request: Any) -> None:
    spec = json.loads(request["body"])
    factory = PlainProbeJob if spec.get("plain") else ProbeJob
    job = factory(spec["name"], spec.get("steps", 3), gated=spec.get("gated", False),
                  raise_in=spec.get("raise_in"), serializable=spec.get("serializable", False))
    answer(output, {"ID": orthanc.CreateJob(TYPE, job).SubmitJob(spec.get("priority", 0))})


def on_allow(output: Any, uri: str, **request: Any) -> None:
    spec = json.loads(request["body"])
    GATES[spec["name"]] = spec["count"]
    answer(output, {})


def on_many(output: Any, uri: str, **request: Any) -> None:
    spec = json.loads(request["body"])
    ids = [orthanc.CreateJob(TYPE, ProbeJob(f"many-{spec['batch']}-{i}", spec["steps"])).SubmitJob(0)
           for i in range(spec["count"])]
    answer(output, {"IDs": ids})


def on_events(output: Any, uri: str, **request: Any) -> None:
    with LOCK:
        answer(output, EVENTS)


def on_live(output: Any, uri: str, **request: Any) -> None:
    gc.collect()
    answer(output, {"live": len(LIVE)})


def on_forget(output: Any, uri: str, **request: Any) -> None:
    prefix = json.loads(request["body"])["prefix"]
    with LOCK:
        for name in [name for name in EVENTS if name.startswith(prefix)]:
            del EVENTS[name]
    gc.collect()
    answer(output, {"blocks": sys.getallocatedblocks()})


class NoReset:
    def step(self) -> int:
        return orthanc.JobStepStatus.SUCCESS

    def stop(self, reason: int) -> None:
        pass

    reset = 3  # not callable


class BrokenContent(PlainProbeJob):
    @property
    def content(self) -> dict[str, Any]:
        raise RuntimeError("boom-content-at-creation")


class ListContent(PlainProbeJob):
    content = [1, 2]  # type: ignore[assignment]  # not a JSON object, on purpose


def on_type_errors(output: Any, uri: str, **request: Any) -> None:
    cases: dict[str, Any] = {
        "plain object": (TYPE, object()),
        "no reset": (TYPE, NoReset()),
        "type not a str": (42, ProbeJob("never", 1)),
        "an orthanc.Job": (TYPE, orthanc.CreateJob(TYPE, ProbeJob("unsubmitted", 1))),
        "content raises": (TYPE, BrokenContent("broken", 1)),
        "content not a dict": (TYPE, ListContent("list", 1)),
    }
    result = {}
    for case, arguments in cases.items():
        try:
            orthanc.CreateJob(*arguments)
            result[case] = "no error"
        except Exception as error:  # noqa: BLE001 - the probe reports whatever was raised
            result[case] = f"{type(error).__name__}: {error}"
    job = orthanc.CreateJob(TYPE, ProbeJob("submitted-twice", 1))
    job.SubmitJob(0)
    try:
        job.SubmitJob(0)
        result["submitted twice"] = "no error"
    except Exception as error:  # noqa: BLE001
        result["submitted twice"] = f"{type(error).__name__}: {error}"
    answer(output, result)


orthanc.RegisterRestCallback("/jobs-probe/create", on_create)
orthanc.RegisterRestCallback("/jobs-probe/allow", on_allow)
orthanc.RegisterRestCallback("/jobs-probe/many", on_many)
orthanc.RegisterRestCallback("/jobs-probe/events", on_events)
orthanc.RegisterRestCallback("/jobs-probe/live", on_live)
orthanc.RegisterRestCallback("/jobs-probe/forget", on_forget)
orthanc.RegisterRestCallback("/jobs-probe/type-errors", on_type_errors)
