"""Fixtures of the differential suite: the reference plugin, ours (tests/integration's build), servers
with stdout and stderr apart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.differential.harness import REFERENCE_PLUGIN, SeparateStreamsServer
from tests.integration.conftest import (  # noqa: F401  (fixtures reused from the integration suite)
    _orthanc_available,
    build_plugin,
    generated_dir,
    plugin,
    sdk_include_dir,
)

# Orthanc features the scripts do not use, and that slow the start and the stop down.
QUIET = {"WebDavEnabled": False, "DicomServerEnabled": False}


@pytest.fixture(scope="session")
def reference_plugin() -> Path:
    if not REFERENCE_PLUGIN.is_file():
        pytest.skip(f"reference plugin {REFERENCE_PLUGIN} not installed (Debian package orthanc-python)")
    return REFERENCE_PLUGIN


@pytest.fixture
def make_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., SeparateStreamsServer]]:
    """make_server(plugin=..., script=..., extra_config=...) -> a server started the usual way (no
    --verbose), stdout and stderr apart; stopped at the end of the test."""
    servers: list[SeparateStreamsServer] = []

    def make(**kwargs: Any) -> SeparateStreamsServer:
        config = dict(QUIET)
        config.update(kwargs.pop("extra_config", {}))
        server = SeparateStreamsServer(workdir=tmp_path_factory.mktemp("orthanc"), extra_config=config,
                                       arguments=(), **kwargs)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
