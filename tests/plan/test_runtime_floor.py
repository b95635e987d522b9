"""The oldest Orthanc a plugin starts in (generator/plan/runtime.yaml), checked against the runtime's
C and the since-versions of the history of headers.

The floor is the newest release among the SDK functions the runtime calls without a run-time gate;
every other SDK function the runtime calls must be gated: by OrthancPy_OrthancHas() in the C, or by
the `requires` of a custom entry (the module leaves such entries out on older Orthancs).
"""

from __future__ import annotations

import re

from generator.model.entities import Model
from generator.model.since import version_key
from generator.paths import REPO_ROOT
from generator.plan.plan import custom_entries, load_yaml

CALL = re.compile(r"\b(OrthancPlugin[A-Z]\w*)\s*\(")


def _runtime_calls(functions: set[str]) -> dict[str, set[str]]:
    """SDK function -> the runtime files that call it."""
    calls: dict[str, set[str]] = {}
    for path in sorted((REPO_ROOT / "runtime").glob("*.c")):
        for name in CALL.findall(path.read_text()):
            if name in functions:
                calls.setdefault(name, set()).add(path.name)
    return calls


def test_the_floor_is_the_newest_core_function(history_model: Model) -> None:
    data = load_yaml("runtime.yaml")
    since = {f.name: f.since.version for f in history_model.functions}
    core = data["core"]
    assert all(since.get(name) for name in core), [n for n in core if not since.get(n)]
    newest = max(core, key=lambda n: version_key(since[n]))
    assert since[newest] == data["floor"], f"{newest} appeared in {since[newest]}, the floor says {data['floor']}"


def test_every_sdk_call_of_the_runtime_is_core_or_gated(history_model: Model) -> None:
    data = load_yaml("runtime.yaml")
    since = {f.name: f.since.version for f in history_model.functions}
    required = {name for entry in custom_entries() for name in entry.requires}
    floor = version_key(data["floor"])
    ungated = {
        name: sorted(files)
        for name, files in _runtime_calls(set(since)).items()
        if since[name] and version_key(since[name]) > floor
        and name not in data["core"] and name not in data["gated"] and name not in required
    }
    assert not ungated, f"newer than the floor {data['floor']}, called without a gate: {ungated}"


def test_gated_functions_are_checked_before_the_call() -> None:
    text = "\n".join(path.read_text() for path in (REPO_ROOT / "runtime").glob("*.c"))
    for name in load_yaml("runtime.yaml")["gated"]:
        assert f"OrthancPy_OrthancHas(ORTHANC_PY_SINCE_{name})" in text, name


def test_the_runtime_reads_no_struct_field_newer_than_the_floor(model_of, all_models: dict[str, Model]) -> None:
    """Orthanc hands the plugin its own structures (an HTTP request...): a field a release after the
    floor added is not there in an older Orthanc, so the runtime must not read it without a gate."""
    floor = load_yaml("runtime.yaml")["floor"]
    newest = list(all_models)[-1]
    old = {s.name: {f.name for f in s.fields} for s in model_of(floor).structs}
    added = {f.name: s.name for s in model_of(newest).structs for f in s.fields
             if s.name in old and f.name not in old[s.name]}
    text = "\n".join(path.read_text() for path in (REPO_ROOT / "runtime").glob("*.c"))
    read = {name: struct for name, struct in added.items() if re.search(rf"(->|\.){name}\b", text)}
    assert not read, f"fields newer than the floor {floor}, read by the runtime: {read}"
