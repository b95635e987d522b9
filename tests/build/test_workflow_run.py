"""The workflow's Linux path, run here: the `render` job, then the `linux` job, step by step.

Each job runs in a fresh copy of the working tree (what actions/checkout gives).  `run` steps go
through `bash --noprofile --norc -eo pipefail`, as on GitHub's Linux runners, with the job's and
the step's `env`.  The actions are stood in for: setup-python puts a fresh virtual environment
first on PATH (the session's one, tests/build/installed.py: `python` there has no libclang until
the render job installs the generator itself); upload-artifact/download-artifact copy files
through a local artifact folder; checkout is the copy.  Any other action fails the test, so a new
action in these jobs is noticed.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.build.matrix import load_matrix
from tests.build.installed import REPO

pytestmark = pytest.mark.slow

WORKFLOW = REPO / ".github" / "workflows" / "build.yml"


def _checkout(destination: Path) -> Path:
    """The working tree's files (tracked and new, not ignored), as a checkout of this commit would give."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


class LocalRunner:
    def __init__(self, root: Path, venv_bin: Path, env: dict[str, str]) -> None:
        self.root = root
        self.artifacts = root / "artifacts"
        self.path = f"{venv_bin}{os.pathsep}{os.environ['PATH']}"
        self.env = env
        self.log: list[str] = []

    def run_job(self, name: str, job: dict[str, Any]) -> Path:
        workspace = _checkout(self.root / name)
        env_file = self.root / f"{name}.env"
        env_file.touch()
        for index, step in enumerate(job["steps"]):
            label = f"{name}[{index}] {step.get('name') or step.get('uses') or step['run'][:40]}"
            self.log.append(label)
            if "run" in step:
                self._run(step, job, workspace, env_file, label)
            else:
                self._action(str(step["uses"]), step.get("with", {}), workspace, label)
        return workspace

    def _run(self, step: dict[str, Any], job: dict[str, Any], workspace: Path, env_file: Path, label: str) -> None:
        assert step.get("shell", "bash") == "bash", label
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(self.env)
        for line in env_file.read_text().splitlines():  # what earlier steps wrote to $GITHUB_ENV
            key, _, value = line.partition("=")
            env[key] = value
        env.update({str(k): str(v) for k, v in {**job.get("env", {}), **step.get("env", {})}.items()})
        env.update({"PATH": self.path, "GITHUB_WORKSPACE": str(workspace), "GITHUB_ENV": str(env_file),
                    "RUNNER_TEMP": str(self.root / "runner-temp"), "CI": "true"})
        assert "${{" not in step["run"], f"{label}: expressions cannot be evaluated here"
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=workspace, env=env, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, f"{label} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"

    def _action(self, uses: str, args: dict[str, Any], workspace: Path, label: str) -> None:
        action = uses.split("@", 1)[0]
        if action in ("actions/checkout", "actions/setup-python"):
            return
        if action == "actions/upload-artifact":
            paths = [p for pattern in str(args["path"]).split() for p in glob.glob(str(workspace / pattern))]
            assert paths or args.get("if-no-files-found") != "error", f"{label}: no files"
            base = Path(os.path.commonpath([str(Path(p).parent) for p in paths]))
            for found in paths:
                target = self.artifacts / args["name"] / Path(found).relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(found, target)
            return
        if action == "actions/download-artifact":
            source = self.artifacts / args["name"]
            assert source.is_dir(), f"{label}: no artifact {args['name']!r} was uploaded"
            shutil.copytree(source, workspace / args["path"], dirs_exist_ok=True)
            return
        raise AssertionError(f"{label}: no local stand-in for {uses}")


def test_render_then_linux_job_run_here(installed_generator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not (os.environ.get("ORTHANC_SDK_HEADERS") or Path("/usr/include/orthanc/OrthancCPlugin.h").is_file()):
        pytest.skip("no SDK header source here: set ORTHANC_SDK_HEADERS or install orthanc-dev")
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    assert jobs["linux"]["needs"] == "render"
    runner = LocalRunner(tmp_path, installed_generator.venv / "bin",
                         {"ORTHANC_PYTHON_CACHE": str(tmp_path / "cache")})

    runner.run_job("render", jobs["render"])
    [bundle] = (runner.artifacts / "bundle").glob("orthanc-python-plugin-*.tar.gz")
    import json
    import tarfile

    with tarfile.open(bundle) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/bundle.json"))
        stream = tar.extractfile(member)
        assert stream is not None
        meta = json.load(stream)
    assert meta["default_sdk"] == load_matrix().default_sdk
    assert {c.sdk for c in load_matrix().includes if c.header == "manifest"} <= set(meta["sdks"])

    workspace = runner.run_job("linux", jobs["linux"])
    [plugin] = (workspace / "dist" / "linux").glob("libOrthancPython-cp*.so")
    assert (workspace / "dist" / "linux" / "orthanc.pyi").is_file()
    [wheel] = (workspace / "dist" / "linux-wheel").glob("*.whl")
    assert "-linux_" in wheel.name
    uploaded = {p.relative_to(runner.artifacts / "linux-plugin").as_posix()
                for p in (runner.artifacts / "linux-plugin").rglob("*") if p.is_file()}
    assert f"linux/{plugin.name}" in uploaded and f"linux-wheel/{wheel.name}" in uploaded
    steps_run = [label for label in runner.log if label.startswith("linux[")]
    assert len(steps_run) == len(jobs["linux"]["steps"])
