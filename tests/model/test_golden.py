"""Golden models: any change to the model of a release shows as a readable diff.

Run `pytest tests/model/test_golden.py --update-goldens` to accept a change
on purpose (then review `git diff tests/model/golden`).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from generator.model import serialize

GOLDEN = Path(__file__).parent / "golden"
RELEASES = ["0.9.4", "1.5.7", "1.10.1"]


@pytest.mark.parametrize("version", RELEASES)
def test_model_matches_golden(model_of, version, request):
    actual = serialize.dumps(model_of(version))
    path = GOLDEN / f"model-{version}.json"
    if request.config.getoption("--update-goldens"):
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} missing: run pytest with --update-goldens"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"golden/{path.name}", "model (now)", n=2))
        lines = diff.splitlines()
        shown = "\n".join(lines[:80]) + (f"\n... {len(lines) - 80} more diff lines" if len(lines) > 80 else "")
        pytest.fail(f"model of {version} differs from its golden file:\n{shown}", pytrace=False)
