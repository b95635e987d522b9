"""Differential suite: each corpus script runs on the reference plugin (Debian's orthanc-python 4.0)
and on ours, in the same Orthanc 1.10.1 started the usual way, and what a user observes must be the
same (tests/differential/harness.py says what is observed and normalised).

A difference that is intended (a reference bug that ours fixes) is listed in INTENDED with its
reason, and in the README's list of intended differences; the test then checks that exactly that
difference is seen, so that the list stays true.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.differential.harness import CORPUS, Observation, SeparateStreamsServer, differences, observe
from tests.differential.scenarios import SCENARIOS, Scenario

pytestmark = pytest.mark.integration


def run_both(make_server: Callable[..., SeparateStreamsServer], reference: Path, ours: Path,
             scenario: Scenario) -> tuple[Observation, Observation]:
    script = CORPUS / scenario.script
    with ThreadPoolExecutor(2) as pool:
        left, right = (pool.submit(observe, make_server, plugin, script, scenario.drive, scenario.config,
                                   scenario.sort_stdout) for plugin in (reference, ours))
        return left.result(), right.result()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_same_observation_as_the_reference(scenario: Scenario, make_server: Callable[..., SeparateStreamsServer],
                                           reference_plugin: Path, plugin: Path) -> None:
    reference, ours = run_both(make_server, reference_plugin, plugin, scenario)
    dump = os.environ.get("ORTHANC_PY_DIFF_DUMP")  # a folder: both observations as JSON, to read
    if dump:
        Path(dump).mkdir(parents=True, exist_ok=True)
        for side, seen in (("reference", reference), ("ours", ours)):
            (Path(dump) / f"{scenario.name}.{side}.json").write_text(json.dumps(seen.comparable(), indent=1))
    found = differences(reference, ours)
    expected = [line for line in found if any(scenario.matches(key, line) for key in scenario.intended)]
    unexpected = [line for line in found if line not in expected]
    assert not unexpected, ("\n".join(unexpected) + "\n--- reference stderr (tail) ---\n" +
                            "\n".join(reference.server_log.splitlines()[-40:]) + "\n--- ours (tail) ---\n" +
                            "\n".join(ours.server_log.splitlines()[-40:]))
    for key in scenario.intended:
        assert any(scenario.matches(key, line) for line in found), (
            f"intended difference {key!r} no longer seen: update the list (and the README)")


def test_corpus_scripts_all_have_a_scenario() -> None:
    scripts = {path.name for path in CORPUS.glob("*.py")}
    assert scripts == {scenario.script for scenario in SCENARIOS}, json.dumps(sorted(scripts))
