"""The GitHub Actions workflow: valid for the linter, and consistent with build_matrix.yaml.

The linter is check-jsonschema with its bundled GitHub workflow schema (works offline).  actionlint's
PyPI package downloads a binary when installed, which cannot work here, so it is not used.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.build.matrix import load_matrix
from generator.paths import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "build.yml"


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("check-jsonschema")
    if tool is None:
        pytest.skip(
            "check-jsonschema is not installed (pip install check-jsonschema; it is in the dev extras)"
        )
    return subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_workflow_passes_the_linter() -> None:
    done = lint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_linter_rejects_a_broken_workflow(tmp_path: Path) -> None:
    """The check above means something: a job without runs-on is refused."""
    broken = tmp_path / "build.yml"
    text = WORKFLOW.read_text(encoding="utf-8").replace(
        "runs-on: ${{ matrix.runner }}", "runs_on: ${{ matrix.runner }}"
    )
    broken.write_text(text, encoding="utf-8")
    assert lint(broken).returncode != 0


def test_wheels_job_covers_every_os_of_the_matrix(workflow: dict[Any, Any]) -> None:
    runners = workflow["jobs"]["wheels"]["strategy"]["matrix"]["runner"]
    families = {runner.split("-")[0] for runner in runners}
    assert families == {"ubuntu", "windows", "macos"}
    assert {p.os for p in load_matrix().platforms} == {"linux", "windows", "macos"}


def test_ci_runner_cells_name_runners_of_the_workflow(workflow: dict[Any, Any]) -> None:
    runners = set(workflow["jobs"]["wheels"]["strategy"]["matrix"]["runner"])
    named = {cell.runner for cell in load_matrix().cells() if cell.method == "ci-runner"}
    assert named <= runners, f"build_matrix.yaml names runners the workflow lacks: {sorted(named - runners)}"


def test_wheels_are_built_from_the_bundle_and_uploaded(workflow: dict[Any, Any]) -> None:
    steps = workflow["jobs"]["wheels"]["steps"]
    commands = [step.get("run", "") for step in steps]
    assert any("cibuildwheel --output-dir wheelhouse wheel" in command for command in commands)
    builds = [step for step in steps if "cibuildwheel --output-dir" in step.get("run", "")]
    assert builds[0]["env"]["CIBW_ENVIRONMENT"] == "ORTHANC_PYTHON_BUNDLE=bundle"
    downloads = [step for step in steps if str(step.get("uses", "")).startswith("actions/download-artifact@")]
    assert downloads and downloads[0]["with"]["name"] == "bundle"
    uploads = [step for step in steps if str(step.get("uses", "")).startswith("actions/upload-artifact@")]
    assert uploads and uploads[0]["with"]["path"] == "wheelhouse/*.whl"


def test_only_render_and_coverage_install_the_generator(workflow: dict[Any, Any]) -> None:
    """libclang (a dependency of the generator) is needed to render, never to compile."""
    for name, job in workflow["jobs"].items():
        installs = any("pip install ." in step.get("run", "") or "pip install -e" in step.get("run", "")
                       for step in job["steps"])
        assert installs == (name in {"render", "coverage"}), name


def test_test_job_runs_setup_and_fetched_headers(workflow: dict[Any, Any]) -> None:
    commands = "\n".join(step.get("run", "") for step in workflow["jobs"]["tests"]["steps"])
    assert ".ci/setup" in commands
    assert "generator sdk fetch" in commands and "ORTHANC_SDK_HEADERS=" in commands
    assert commands.index(".ci/setup") < commands.index("sdk fetch") < commands.index("nox -s lint tests")


def test_release_runs_on_tags_only_and_publishes(workflow: dict[Any, Any]) -> None:
    release = workflow["jobs"]["release"]
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert release["permissions"]["id-token"] == "write"
    assert set(release["needs"]) == {"linux", "wheels", "tests", "coverage"}
    uses = [str(step.get("uses", "")) for step in release["steps"]]
    assert sum(u.startswith("pypa/gh-action-pypi-publish@") for u in uses) == 2
    assert any("gh release create" in step.get("run", "") for step in release["steps"])
