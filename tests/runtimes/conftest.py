from __future__ import annotations

import os

import pytest

from generator.build.chroot import Runtime, get_runtime, runtime_names


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
