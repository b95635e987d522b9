"""Fixtures for the build matrix tests (named matrix_*, builder_* to stay clear of other suites here)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from generator.build import builders
from generator.build.chroot import load_specs
from generator.build.matrix import DEFAULT_MATRIX, Matrix, parse_matrix
from generator.sdk.manifest import load_manifest

_DOCUMENT = yaml.safe_load(DEFAULT_MATRIX.read_text(encoding="utf-8"))


@pytest.fixture
def matrix_document() -> dict[str, Any]:
    """A fresh copy of build_matrix.yaml's content, for a test to break."""
    return copy.deepcopy(_DOCUMENT)


@pytest.fixture(scope="session")
def sdk_manifest():  # type: ignore[no-untyped-def]
    return load_manifest()


@pytest.fixture(scope="session")
def runtime_specs():  # type: ignore[no-untyped-def]
    return load_specs()


@pytest.fixture
def parse_matrix_document(sdk_manifest, runtime_specs):  # type: ignore[no-untyped-def]
    def run(doc: object) -> Matrix:
        return parse_matrix(doc, path=DEFAULT_MATRIX, manifest=sdk_manifest, runtimes=runtime_specs)

    return run


@pytest.fixture
def builder_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, builders.Builder]]:
    """The builder registry emptied for the test (and restored after), builtin modules not loaded."""
    monkeypatch.setattr(builders, "BUILDERS", {})
    monkeypatch.setattr(builders, "BUILTIN_MODULES", {})
    yield builders.BUILDERS


@pytest.fixture(scope="session")
def installed_generator():  # type: ignore[no-untyped-def]
    """The generator's wheel installed into a fresh venv outside the checkout (tests/build/installed.py)."""
    import shutil

    from tests.build.installed import make_installed_generator, temporary_root

    pytest.importorskip("build", reason="building the generator's wheel needs `build` (dev extras)")

    root = temporary_root()
    try:
        yield make_installed_generator(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
