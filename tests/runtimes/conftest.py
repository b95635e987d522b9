from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from generator.build.chroot import Runtime, get_runtime, runtime_names
from tests.runtimes.runtime_plugins import RuntimePlugins


@pytest.fixture
def as_root() -> None:
    """Mounting, chroot and bind mounts need root."""
    if os.geteuid() != 0:
        pytest.skip("needs root (mount, chroot)")


@pytest.fixture(params=runtime_names())
def runtime(request: pytest.FixtureRequest) -> Runtime:
    """An existing runtime from the cache; never created by the tests (nox -s runtimes does that)."""
    if os.geteuid() != 0:
        pytest.skip("needs root (chroot, mount)")
    found = get_runtime(request.param)
    state = found.state()
    if state.status != "present":
        pytest.skip(f"runtime {found.name} is {state} (create it with: nox -s runtimes)")
    return found


@pytest.fixture(scope="session")
def runtime_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RuntimePlugins]:
    """`runtime_plugin("trixie-amd64")`: our plugin built for that runtime against its own Orthanc's
    SDK (once per session, through the matrix's chroot cell) and copied into it; see
    tests/runtimes/runtime_plugins.py.  Skips when not root or the runtime is absent."""
    plugins = RuntimePlugins(tmp_path_factory.mktemp("runtime-dist"))
    try:
        yield plugins
    finally:
        plugins.close()
