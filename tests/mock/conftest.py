"""The mock module rendered by the generator (SDK 1.10.1) and made importable as `orthanc`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.mock.models import sdk_model

MOCK_SDK = "1.10.1"


@pytest.fixture(scope="session")
def mock_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from generator.mock.render import write_mock
    from generator.plan.plan import build_plan

    folder = tmp_path_factory.mktemp("orthanc-mock")
    write_mock(build_plan(sdk_model(MOCK_SDK)), folder)
    return folder


@pytest.fixture
def mock(mock_dir: Path) -> Iterator[Any]:
    """A fresh orthanc_mock.Mock, with the mock `orthanc` importable; the scripts are forgotten after."""
    sys.path.insert(0, str(mock_dir))
    before = set(sys.modules)
    try:
        import orthanc_mock

        yield orthanc_mock.Mock()
    finally:
        sys.path.remove(str(mock_dir))
        for name in set(sys.modules) - before:
            if name.startswith(("demo_", "orthanc", "script")):
                del sys.modules[name]
