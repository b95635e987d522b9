"""Fixtures of the integration tests: a plugin built once per session, real Orthanc servers.

`generated_dir` is the one place that says which rendered sources the plugin is built from.
It renders SDK 1.10.1 (the release of Debian's Orthanc here) with the generator, as a build would.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.build.compile import CompileError, CompileResult, compile_plugin
from generator.build.state import find_interpreter
from tests.integration.helpers import QUICK_STOP_CONFIG
from tests.orthanc_server import OrthancServer, default_binary

SYSTEM_SDK_DIR = Path("/usr/include/orthanc")
FULL_SUITE_VERSION = "3.11"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, pytest.TestReport,
                                                                                          pytest.TestReport]:
    """Keeps each phase's report on the test item, for fixtures that show logs on failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session", autouse=True)
def _orthanc_available() -> None:
    if not Path(default_binary()).exists():
        pytest.skip(f"Orthanc binary {default_binary()} not found (install Debian's orthanc or set ORTHANC_BINARY)")


@pytest.fixture(scope="session")
def generated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sources rendered by the generator from SDK 1.10.1, the release Orthanc here runs.

    $ORTHANC_PY_GENERATED_DIR points the whole suite at another folder of rendered sources.
    """
    override = os.environ.get("ORTHANC_PY_GENERATED_DIR")
    if override:
        return Path(override)
    from generator.build.pipeline import generate

    return generate("1.10.1", tmp_path_factory.mktemp("render")).sources


@pytest.fixture(scope="session")
def sdk_include_dir() -> Path:
    """The folder holding the OrthancCPlugin.h the plugin is built against (SDK 1.10.1)."""
    shared = os.environ.get("ORTHANC_SDK_HEADERS")
    if shared and (Path(shared) / "1.10.1" / "OrthancCPlugin.h").is_file():
        return Path(shared) / "1.10.1"
    if not (SYSTEM_SDK_DIR / "OrthancCPlugin.h").is_file():
        pytest.skip("no OrthancCPlugin.h: install orthanc-dev or set ORTHANC_SDK_HEADERS")
    return SYSTEM_SDK_DIR


@pytest.fixture(scope="session")
def build_plugin(generated_dir: Path, sdk_include_dir: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], CompileResult]:
    """build_plugin("python3.12") -> the plugin for that interpreter, built once per session."""
    built: dict[str, CompileResult] = {}
    output = tmp_path_factory.mktemp("plugins")

    def build(python: str) -> CompileResult:
        if python not in built:
            try:
                built[python] = compile_plugin(generated_dir, sdk_include_dir, python, output / f"build{len(built)}")
            except CompileError as error:
                pytest.fail(f"cannot build the plugin for {python}:\n{error}")
        return built[python]

    return build


# A prebuilt plugin to test instead of building one (e.g. the AddressSanitizer build of `nox -s asan`).
PREBUILT_PLUGIN_ENV = "ORTHANC_PYTHON_TEST_PLUGIN"


@pytest.fixture(scope="session")
def plugin(build_plugin: Callable[[str], CompileResult]) -> Path:
    """The plugin of the full suite's interpreter ($ORTHANC_PYTHON_TEST_PLUGIN if set)."""
    prebuilt = os.environ.get(PREBUILT_PLUGIN_ENV)
    if prebuilt:
        if not Path(prebuilt).is_file():
            pytest.fail(f"${PREBUILT_PLUGIN_ENV} names {prebuilt}, which is not a file")
        return Path(prebuilt)
    found = find_interpreter(FULL_SUITE_VERSION)
    if found is None:
        pytest.skip(f"no working python{FULL_SUITE_VERSION}")
    return build_plugin(found[0]).path


@pytest.fixture
def make_server(tmp_path_factory: pytest.TempPathFactory,
                request: pytest.FixtureRequest) -> Iterator[Callable[..., OrthancServer]]:
    """make_server(plugin=..., script=..., extra_config=..., env=...) -> a not yet started server.

    Every server made is stopped at the end of the test; a failed test shows the log tails.
    """
    servers: list[OrthancServer] = []

    def make(**kwargs: Any) -> OrthancServer:
        config = dict(QUICK_STOP_CONFIG)
        config.update(kwargs.pop("extra_config", {}))
        server = OrthancServer(workdir=tmp_path_factory.mktemp("orthanc"), extra_config=config, **kwargs)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for server in servers:
            print(f"\n--- log of {server.name} ({server.log_path}) ---\n{server.log_tail(80)}")
