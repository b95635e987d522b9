"""One binary for every Orthanc: a plugin generated from SDK 1.12.10 (the matrix's default) runs in
older and newer Orthancs, leaving out at run time what the running Orthanc lacks (and so does one
generated from sid's 1.13.0 header, in the host's Orthanc 1.10.1).

- the host's Orthanc 1.10.1 (x86_64) and bookworm-i386's 1.10.1, trixie's 1.12.7: every item the
  stub marks "Needs Orthanc X" with X newer than the running release is absent, its lookup raises
  AttributeError naming X and the running release; every other item of the stub is there; a plain
  SDK call works;
- sid's Orthanc 1.13.0: every item of the stub is there;
- below the floor: the real Orthanc 1.10.1 refuses a binary whose floor is 1.12.8 (the same sources
  built with -DORTHANC_PY_FLOOR_*=1.12.8, since no Orthanc older than the floor 1.9.0 exists here):
  the plugin's log line, then Orthanc's own plugin error, and Orthanc exits.

The integration and reliability suites run against the same host binary with
ORTHANC_PYTHON_TEST_PLUGIN (see the README, "Orthanc releases").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from generator.build.chroot import get_runtime, runtime_names
from generator.build.compile import compile_plugin
from generator.build.matrix import load_matrix
from generator.build.pipeline import generate
from generator.build.runner import build_cells
from generator.build.state import find_interpreter
from tests.integration.helpers import QUICK_STOP_CONFIG
from tests.orthanc_server import OrthancServer
from tests.runtimes.orthanc_harness import orthanc_in
from tests.stub_gates import Version, parse_version, stub_items

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SDK = "1.12.10"
PROBE = (Path(__file__).with_name("data") / "one_binary_probe.py").read_text(encoding="utf-8")


def ask(server: OrthancServer, stub: Path) -> dict[str, Any]:
    items = stub_items(stub)
    module = sorted(name for name in items if "." not in name)
    rest_output = sorted(name.split(".", 1)[1] for name in items if name.startswith("RestOutput."))
    body = json.dumps({"module": module, "RestOutput": rest_output}).encode()
    answer = server.post("/probe", body, timeout=60)
    assert answer.status == 200, f"{answer.status} {answer.text}\n{server.log_tail(60)}"
    return answer.json()


def check(answer: dict[str, Any], stub: Path, running: Version, name: str, sdk: str = SDK) -> None:
    """Every item of the stub is in the module exactly when the running Orthanc has it."""
    assert answer["sdk"] == sdk
    assert parse_version(answer["orthanc"]) == running
    assert answer["system_name"] == name
    wrong: list[str] = []
    absent = 0
    for item, needs in sorted(stub_items(stub).items()):
        owner, _, member = item.partition(".")
        present = owner in answer["module"] and (not member or member in answer["members"].get(owner, []))
        expected = needs is None or needs <= running
        if present != expected:
            wrong.append(f"{item} (needs {needs}): {'present' if present else 'absent'}")
        if expected:
            continue
        absent += 1
        message = (answer["module_errors"].get(item) if not member else
                   answer["RestOutput_errors"].get(member) if owner == "RestOutput" else "")
        if message is not None and message != "":
            release = ".".join(map(str, needs or ()))
            text = f"needs Orthanc {release} or later; this is Orthanc {answer['orthanc']}"
            if text not in message:
                wrong.append(f"{item}: lookup says {message!r}")
    assert not wrong, "\n".join(wrong)
    if running < (1, 12, 10):
        assert absent > 0, "an Orthanc older than the SDK lacks some of its items"


@dataclass(frozen=True)
class HostPlugin:
    sources: Path  # rendered from SDK 1.12.10 (with the verified header)
    python: str
    plugin: Path
    stub: Path


@pytest.fixture(scope="module")
def host_build(tmp_path_factory: pytest.TempPathFactory) -> HostPlugin:
    found = find_interpreter("3.11")
    if found is None:
        pytest.skip("no working python3.11")
    sources = generate(SDK, tmp_path_factory.mktemp("one-binary-work")).sources
    built = compile_plugin(sources, sources, found[0], tmp_path_factory.mktemp("one-binary"))
    return HostPlugin(sources, found[0], built.path, sources / "orthanc.pyi")


def test_newest_sdk_binary_in_the_host_orthanc(host_build: HostPlugin, tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    server = OrthancServer(workdir=tmp_path / "orthanc", plugin=host_build.plugin, script=script,
                           extra_config=QUICK_STOP_CONFIG)
    with server:
        running = parse_version(server.get_json("/system")["Version"])
        check(ask(server, host_build.stub), host_build.stub, running, server.name)


def test_a_floor_above_the_running_orthanc_is_refused(host_build: HostPlugin, tmp_path: Path) -> None:
    """The real CheckVersionAdvanced in the real Orthanc 1.10.1, with the floor raised to 1.12.8 at
    compile time (the only difference from the shipped binary)."""
    built = compile_plugin(host_build.sources, host_build.sources, host_build.python, tmp_path / "raised",
                           extra_cflags=["-DORTHANC_PY_FLOOR_MAJOR=1", "-DORTHANC_PY_FLOOR_MINOR=12",
                                         "-DORTHANC_PY_FLOOR_REVISION=8"])
    script = tmp_path / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    server = OrthancServer(workdir=tmp_path / "orthanc", plugin=built.path, script=script,
                           extra_config=QUICK_STOP_CONFIG)
    server.launch()
    try:
        code = server.wait_exit(60)
    finally:
        server.stop()
    log = server.log_tail(200)
    assert code != 0, log
    assert "this plugin needs Orthanc 1.12.8 or later (generated from SDK 1.12.10), this is Orthanc 1.10.1" in log
    assert "Error while initializing plugin" in log  # Orthanc's own error for a refusing plugin
    assert "Python 3" not in log  # refused before the interpreter exists


def test_sid_header_binary_in_the_host_orthanc(tmp_path: Path) -> None:
    """A plugin generated from the header of sid's Orthanc 1.13.0 (newer than the manifest) runs in
    the host's Orthanc 1.10.1 too."""
    import os

    runtime = get_runtime("sid-amd64")
    header = runtime.host_path(runtime.sdk_header)
    if os.geteuid() != 0 or runtime.state().status != "present" or not header.is_file():
        pytest.skip(f"needs the sid-amd64 runtime's OrthancCPlugin.h ({runtime.state()})")
    found = find_interpreter("3.11")
    if found is None:
        pytest.skip("no working python3.11")
    sources = generate("1.13.0", tmp_path / "work", allow_unknown=True, header=header).sources
    built = compile_plugin(sources, sources, found[0], tmp_path / "plugin")
    script = tmp_path / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    server = OrthancServer(workdir=tmp_path / "orthanc", plugin=built.path, script=script,
                           extra_config=QUICK_STOP_CONFIG)
    with server:
        running = parse_version(server.get_json("/system")["Version"])
        stub = sources / "orthanc.pyi"
        check(ask(server, stub), stub, running, server.name, sdk="1.13.0")


@pytest.fixture(scope="module")
def runtime_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("one-binary-runtimes")


@pytest.fixture(params=runtime_names())
def runtime_build(request: pytest.FixtureRequest, runtime_dist: Path) -> Iterator[tuple[Any, tuple[str, Path]]]:
    """The 1.12.10 plugin built inside a runtime (its Python), copied into its /tmp."""
    import os

    if os.geteuid() != 0:
        pytest.skip("needs root (chroot, mount)")
    runtime = get_runtime(request.param)
    state = runtime.state()
    if state.status != "present":
        pytest.skip(f"runtime {runtime.name} is {state} (create it with: nox -s runtimes)")
    matrix = load_matrix()
    own = next(cell for cell in matrix.cells() if cell.method == "chroot" and cell.runtime == runtime.name)
    cell = replace(own, sdk=SDK, header="manifest")
    [outcome] = build_cells([cell], runtime_dist, jobs=1, log=lambda line: None)
    if outcome.status != "built" or outcome.entry is None:
        pytest.fail(f"building {cell.key} in {runtime.name}: {outcome.status} {outcome.detail}")
    plugin = runtime_dist / outcome.entry.plugin.path
    stub = runtime_dist / outcome.entry.stub.path if outcome.entry.stub else plugin.with_name("orthanc.pyi")
    with runtime.scratch(prefix="one-binary-") as (inside, host):
        (host / plugin.name).write_bytes(plugin.read_bytes())
        yield runtime, (f"{inside}/{plugin.name}", stub)


@pytest.mark.chroot
def test_newest_sdk_binary_in_every_runtime(runtime_build: tuple[Any, Any]) -> None:
    runtime, (inside, stub) = runtime_build
    with orthanc_in(runtime, plugin=inside, script=PROBE, extra_config=QUICK_STOP_CONFIG) as server:
        running = parse_version(server.get_json("/system")["Version"])
        check(ask(server, stub), stub, running, server.name)
        if running >= (1, 12, 10):
            assert all(needs is None or needs <= running for needs in stub_items(stub).values())
