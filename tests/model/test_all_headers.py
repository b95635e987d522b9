"""Every released header gives a valid model, alone and as a history."""

from __future__ import annotations

import json

from generator.model import serialize
from generator.model.schema import SCHEMA_PATH, schema_text, validate
from tests.headers import header, releases


def test_corpus_is_complete(all_models):
    assert len(all_models) == 58


def test_every_release_gives_a_valid_model(all_models):
    # Full schema validation costs about a second a model; it runs on releases
    # spread over the history, and every model takes the typed round trip.
    versions = list(all_models)
    sampled = {versions[0], versions[len(versions) // 3], versions[2 * len(versions) // 3], versions[-1]}
    failures = {}
    for version, model in all_models.items():
        text = serialize.dumps(model)
        assert serialize.dumps(serialize.from_data(json.loads(text))) == text, version
        if version in sampled:
            problems = validate(json.loads(text))
            if problems:
                failures[version] = problems[:3]
        assert model.functions and model.enumerations
        assert model.sdk.release == version
    assert not failures


def test_functions_only_grow_or_are_reported_removed(all_models, history_model):
    newest = {f.name for f in history_model.functions}
    removed = {r.name for r in history_model.removed if r.kind == "function"}
    for model in all_models.values():
        assert {f.name for f in model.functions} <= newest | removed


def test_history_model_is_valid(history_model):
    assert validate(json.loads(serialize.dumps(history_model))) == []
    assert history_model.history is not None and len(history_model.history.releases) == len(releases())
    with_since = [f for f in history_model.functions if f.since.version]
    assert len(with_since) == len(history_model.functions), "history gives every function a release"


def test_output_is_deterministic(model_of):
    from generator.parse.header_parser import model_from_header

    first = serialize.dumps(model_of("1.12.10"))
    again = serialize.dumps(model_from_header(header("1.12.10"), "1.12.10"))
    assert first == again
    assert serialize.dumps(serialize.from_data(json.loads(first))) == first


def test_committed_schema_matches_the_dataclasses():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "generator/model/model.schema.json is stale: run `python -m generator.model.schema`")


def test_check_command(tmp_path):
    import subprocess
    import sys

    from tests.headers import REPO

    model = tmp_path / "model.json"
    run = [sys.executable, "-m", "generator", "model"]
    assert subprocess.run(run + [str(header("1.10.1")), "-o", str(model)], cwd=REPO).returncode == 0
    ok = subprocess.run(run + ["--check", str(model)], cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0 and "valid model" in ok.stdout
    data = json.loads(model.read_text())
    data["functions"][0]["returns"]["kind"] = "pointer-to-nowhere"
    model.write_text(json.dumps(data))
    bad = subprocess.run(run + ["--check", str(model)], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and "functions/0/returns/kind" in bad.stderr
