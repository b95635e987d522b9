"""Rendered sources: deterministic, banner, compile clean with -Wall -Wextra -Werror, typed stub."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from generator.build.state import find_interpreter
from generator.plan.plan import build_plan
from generator.render.render import OUTPUTS, render_plan, render_view
from generator.render.view import build_view
from tests.headers import REPO, header

RUNTIME = REPO / "runtime"
CC = shutil.which("cc") or shutil.which("gcc")


def python_include(version: str) -> str:
    found = find_interpreter(version)
    if not found:
        pytest.skip(f"no Python {version} interpreter on this machine")
    result = subprocess.run([found[0], "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


def syntax_check(sources: Path, version: str, python: str) -> subprocess.CompletedProcess:
    if CC is None:
        pytest.skip("no C compiler")
    return subprocess.run(
        [CC, "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "orthanc_generated.c",
         f"-I{sources}", f"-I{RUNTIME}", f"-I{header(version).parent}", f"-I{python_include(python)}"],
        cwd=sources, capture_output=True, text=True,
    )


def test_rendering_is_deterministic_and_bannered(model_of):
    plan = build_plan(model_of("1.12.10"))
    first, second = render_view(build_view(plan)), render_view(build_view(plan))
    assert first == second
    assert set(first) == set(OUTPUTS)
    for name, text in first.items():
        assert "DO NOT EDIT" in text.splitlines()[3 if name.endswith("pyi") else 3] or "DO NOT EDIT" in text[:400]
        assert "{{" not in text and "{%" not in text


@pytest.mark.parametrize("version", ["0.8.6", "0.9.5", "1.0.0", "1.5.7", "1.7.2", "1.9.0", "1.10.1",
                                     "1.11.3", "1.12.6", "1.12.10"])
def test_generated_code_compiles_for_release(model_of, tmp_path, version):
    render_plan(build_plan(model_of(version)), tmp_path)
    result = syntax_check(tmp_path, version, "3.11")
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("python", ["3.8", "3.13"])
def test_generated_code_compiles_for_python(model_of, tmp_path, python):
    render_plan(build_plan(model_of("1.12.10")), tmp_path)
    result = syntax_check(tmp_path, "1.12.10", python)
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_release_renders(all_models):
    for version, model in all_models.items():
        texts = render_view(build_view(build_plan(model)))
        assert f'#define ORTHANC_PY_SDK_VERSION "{version}"' in texts["orthanc_sdk_features.h"]


def test_stub_is_valid_for_mypy(model_of, tmp_path):
    pytest.importorskip("mypy")
    render_plan(build_plan(model_of("1.12.10")), tmp_path)
    script = tmp_path / "script.py"
    script.write_text(
        "import orthanc\n\n"
        "def on_rest(output: orthanc.RestOutput, uri: str, **request: object) -> None:\n"
        "    data: bytes = orthanc.RestApiGet('/system')\n"
        "    output.AnswerBuffer(data, 'application/json')\n\n"
        "orthanc.RegisterRestCallback('/hello', on_rest)\n"
        "level: int = orthanc.ChangeType.NEW_STUDY\n"
        "orthanc.LogWarning('started')\n"
    )
    result = subprocess.run(["python3", "-m", "mypy", "--strict", str(script)], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    script.write_text("import orthanc\northanc.LogWarning(42)\n")
    result = subprocess.run(["python3", "-m", "mypy", str(script)], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1 and "LogWarning" in result.stdout


def test_integers_keep_their_width(model_of):
    view = build_view(build_plan(model_of("1.12.10")))
    wrapper = next(w for w in view.wrappers if w.sdk_name == "OrthancPluginSetMetricsIntegerValue")
    value = next(a for a in wrapper.args if a.name == "value")
    assert (value.convert, value.signed, value.minimum, value.maximum) == ("integer", True, "INT64_MIN", "INT64_MAX")
