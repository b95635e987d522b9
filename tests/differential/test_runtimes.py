"""The differential suite in the Debian runtimes: the reference plugin 5.0 (trixie, Orthanc 1.12.7,
Python 3.13) and 7.1 (sid, Orthanc 1.13.0, Python 3.14) against ours built for that runtime, in its
own Orthanc, on a subset of the corpus (RUNTIME_SCENARIOS).  The Book's multiprocessing pattern
runs on ours alone there: the reference 7.1 hangs on Python 3.14 (forkserver)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from generator.build.chroot import Runtime
from tests.differential.harness import CORPUS, SeparateStreamsServer, Session, differences, observe
from tests.differential.scenarios import SCENARIOS, multiprocessing_book
from tests.runtimes.conftest import runtime_plugin  # noqa: F401  (the session fixture)
from tests.runtimes.runtime_plugins import RuntimePlugins

pytestmark = [pytest.mark.chroot, pytest.mark.integration, pytest.mark.slow]

RUNTIMES = ["trixie-amd64", "sid-amd64"]
RUNTIME_SCENARIOS = ["api_shapes", "output_and_logging", "exceptions", "threads", "changes_and_stored", "rest_routes"]
QUIET = {"WebDavEnabled": False, "DicomServerEnabled": False}
# Differences of the reference in a runtime that are intended, beyond the host's list (README).
# SDK 1.12 declares SendHttpStatus's body `const void*`: the reference 5.0/7.1 takes (status, body) and
# refuses the 4.0 form (status, body, bodySize), which ours still accepts.
# 5.0 and 7.1 dropped CreateMemoryBuffer, 7.1 the long method names (FindMatcherIsMatch): ours keeps every
# name that the SDK can back (design contract), for scripts written for older releases.
RUNTIME_INTENDED: dict[str, tuple[str, ...]] = {
    "trixie-amd64": ("/diff/answer/status-body", "CreateMemoryBuffer"),
    "sid-amd64": ("/diff/answer/status-body", "CreateMemoryBuffer", "FindMatcher.FindMatcherIsMatch",
                  "FindMatcher.FindMatcherIsMatch-junk"),
}


@contextlib.contextmanager
def servers_in(runtime: Runtime) -> Iterator[Callable[..., SeparateStreamsServer]]:
    """make_server(plugin=<path inside>, script=<host path>, extra_config=...) for Orthanc in `runtime`;
    the script is copied into the chroot."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(runtime.mounted())
        made: list[SeparateStreamsServer] = []

        def make(plugin: str, script: Path, extra_config: dict[str, Any]) -> SeparateStreamsServer:
            _, workdir = stack.enter_context(runtime.scratch(prefix="orthanc-diff-"))
            copy = workdir / script.name
            shutil.copyfile(script, copy)
            config = dict(QUIET)
            config.update(extra_config)
            server = SeparateStreamsServer(workdir=workdir, plugin=runtime.host_path(plugin), script=copy,
                                           extra_config=config, binary=runtime.orthanc, arguments=(),
                                           command_prefix=runtime.command([]), path_in_server=runtime.inside_path)
            made.append(server)
            return server

        try:
            yield make
        finally:
            for server in made:
                server.stop()


@pytest.mark.parametrize("name", RUNTIME_SCENARIOS)
@pytest.mark.parametrize("runtime_name", RUNTIMES)
def test_same_observation_as_the_runtime_reference(runtime_name: str, name: str,
                                                   runtime_plugin: RuntimePlugins) -> None:  # noqa: F811
    plugin = runtime_plugin(runtime_name)
    scenario = next(s for s in SCENARIOS if s.name == name)
    with servers_in(plugin.runtime) as make, ThreadPoolExecutor(2) as pool:
        left, right = (pool.submit(observe, make, which, CORPUS / scenario.script, scenario.drive, scenario.config,
                                   scenario.sort_stdout)
                       for which in (plugin.info.reference_plugin, plugin.inside))
        reference, ours = left.result(), right.result()
    intended = scenario.intended + RUNTIME_INTENDED.get(runtime_name, ())
    found = [line for line in differences(reference, ours) if not any(scenario.matches(k, line) for k in intended)]
    assert not found, "\n".join(found) + "\n--- ours (tail) ---\n" + "\n".join(ours.server_log.splitlines()[-30:])


@pytest.mark.parametrize("runtime_name", [*RUNTIMES, "bookworm-i386"])
def test_book_multiprocessing_pattern_in_the_runtime(runtime_name: str, runtime_plugin: RuntimePlugins,  # noqa: F811
                                                     tmp_path: Path) -> None:
    plugin = runtime_plugin(runtime_name)
    with servers_in(plugin.runtime) as make:
        server = make(plugin.inside, CORPUS / "multiprocessing_book.py", {}).start(60)
        session = Session(server, tmp_path)
        multiprocessing_book(session)
        answers = {step[1]: step[2] for step in session.steps if len(step) == 3}
        assert answers["/diff/compute"]["body"] == {"map": [285, 328350, 332833500], "apply": 30}, server.log_tail()
        assert answers["/diff/system"]["body"] == {"names_match": True, "in_children": True}, server.log_tail()
        assert answers["/diff/process"]["body"] == {"exitcode": 0, "method": "fork"}
        assert server.stop() == 0
