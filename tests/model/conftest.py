from __future__ import annotations

import copy

import pytest

from generator.model.entities import Model
from generator.model.history import merge_history, parse_all
from tests.headers import header, headers_dir, releases

_CACHE: dict[str, Model] = {}


@pytest.fixture(scope="session")
def all_models() -> dict[str, Model]:
    """Every release of the corpus, parsed once per test session (oldest first)."""
    versions = releases()
    if not versions:
        pytest.skip(f"no SDK headers under {headers_dir()} (set ORTHANC_SDK_HEADERS)")
    models = dict(zip(versions, parse_all([(v, header(v)) for v in versions])))
    _CACHE.update(models)
    return models


@pytest.fixture(scope="session")
def model_of():
    """Parse a release once per test session."""
    from generator.parse.header_parser import model_from_header

    def get(version: str) -> Model:
        if version not in _CACHE:
            _CACHE[version] = model_from_header(header(version), version)
        return _CACHE[version]

    return get


@pytest.fixture(scope="session")
def history_model(all_models) -> Model:
    if len(all_models) < 2:
        pytest.skip(f"no history of SDK headers under {headers_dir()}")
    return merge_history(copy.deepcopy(list(all_models.values())))
