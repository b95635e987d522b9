"""Fixtures of the reliability suite: the real generated plugin, and Orthanc servers that can be
restarted after a crash (so that one crash is reported as such, not as every later test failing).

The plugin is built by the toolkit itself (python -m generator build for the system's SDK and
Python 3.11), or taken from $ORTHANC_PYTHON_TEST_PLUGIN (the AddressSanitizer build of
`nox -s asan`), with the orthanc.pyi found beside it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import pytest

from tests.integration.conftest import PREBUILT_PLUGIN_ENV
from tests.integration.helpers import QUICK_STOP_CONFIG
from tests.orthanc_server import OrthancServer, default_binary

HERE = Path(__file__).resolve().parent
SCRIPTS_DIR = HERE / "scripts"
PYTHON_VERSION = "3.11"


ExtraConfig = Union[dict[str, Any], Callable[[OrthancServer], dict[str, Any]], None]


def dicom_peers_config(server: OrthancServer) -> dict[str, Any]:
    """A DICOM server that answers dcmtk's tools (tests/integration/dcmtk.py) and itself ("self")."""
    return {"DicomServerEnabled": True, "DicomAlwaysAllowFind": True, "DicomAlwaysAllowMove": True,
            "MaximumStorageCacheSize": 0,
            "DicomModalities": {"self": ["PYTEST", "127.0.0.1", server.dicom_port],
                                "dcmtk": ["DCMTK", "127.0.0.1", 1]}}


@dataclass(frozen=True)
class BuiltPlugin:
    path: Path
    stub: Path | None  # the orthanc.pyi rendered with it, if known


@pytest.fixture(scope="session")
def built_plugin(tmp_path_factory: pytest.TempPathFactory) -> BuiltPlugin:
    if not Path(default_binary()).exists():
        pytest.skip(f"Orthanc binary {default_binary()} not found (install Debian's orthanc or set ORTHANC_BINARY)")
    prebuilt = os.environ.get(PREBUILT_PLUGIN_ENV)
    if prebuilt:
        path = Path(prebuilt)
        if not path.is_file():
            pytest.fail(f"${PREBUILT_PLUGIN_ENV} names {prebuilt}, which is not a file")
        stub = path.parent / "orthanc.pyi"
        return BuiltPlugin(path, stub if stub.is_file() else None)

    from generator.build.host import build_into
    from generator.build.pipeline import BuildError, system_sdk_version
    from generator.build.state import find_interpreter

    found = find_interpreter(PYTHON_VERSION)
    if found is None:
        pytest.skip(f"no working python{PYTHON_VERSION}")
    try:
        built = build_into(system_sdk_version(), found[0], tmp_path_factory.mktemp("reliability-plugin"))
    except BuildError as error:
        pytest.fail(f"cannot build the plugin:\n{error}")
    return BuiltPlugin(built.plugin, built.stub)


@pytest.fixture
def make_server(built_plugin: BuiltPlugin, tmp_path_factory: pytest.TempPathFactory,
                request: pytest.FixtureRequest) -> Iterator[Callable[..., OrthancServer]]:
    """make_server(script_name, extra_config=..., env=...) -> a started server running scripts/<script_name>.

    extra_config may be a function of the (not yet started) server, for settings that name its
    ports.  Servers are stopped at the end of the test; their log tails are printed when it fails.
    """
    servers: list[OrthancServer] = []

    def make(script: str, extra_config: ExtraConfig = None, **kwargs: Any) -> OrthancServer:
        server = new_server(built_plugin.path, script, tmp_path_factory.mktemp("orthanc"), None, **kwargs)
        if callable(extra_config):
            extra_config = extra_config(server)
        server.extra_config = {**server.extra_config, **(extra_config or {})}
        servers.append(server)
        return server.start()

    yield make
    failed = any(getattr(request.node, f"rep_{phase}", None) is not None and
                 getattr(request.node, f"rep_{phase}").failed for phase in ("setup", "call"))
    for server in servers:
        server.stop()
        if failed:
            print(f"\n--- log of {server.name} ({server.log_path}) ---\n{server.log_tail(80)}")


def new_server(plugin: Path, script: str, workdir: Path, extra_config: dict[str, Any] | None = None,
               **kwargs: Any) -> OrthancServer:
    config = dict(QUICK_STOP_CONFIG)
    config.update(extra_config or {})
    return OrthancServer(workdir=workdir, plugin=plugin, script=SCRIPTS_DIR / script, extra_config=config, **kwargs)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, pytest.TestReport,
                                                                                          pytest.TestReport]:
    """Keeps each phase's report on the test item, for make_server to show logs on failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
