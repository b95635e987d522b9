"""The generator as a user gets it: its wheel and sdist built from this checkout, the wheel installed
into a fresh virtual environment outside the checkout (one per test session: creating it and
installing libclang, Jinja2 and PyYAML from PyPI is the slow part)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class InstalledGenerator:
    wheel: Path
    sdist: Path
    venv: Path
    python: Path  # the venv's interpreter
    command: Path  # the console script orthanc-python-generator
    work: Path  # an empty folder outside the checkout to run in

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a user outside the checkout: no PYTHONPATH pointing at it."""
        env = _clean_env()
        env.update(extra)
        return env

    def run(self, *args: str, timeout: float = 300, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.command), *args], cwd=self.work, env=self.env(**extra_env),
                              capture_output=True, text=True, timeout=timeout, check=False)


def _clean_env() -> dict[str, str]:
    # PYTHONPATH at the checkout would make pip see the checkout's egg-info as installed already.
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _run(command: list[str], cwd: Path, timeout: float) -> None:
    done = subprocess.run(command, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=timeout,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"$ {' '.join(command)} (exit {done.returncode})\n{done.stdout}{done.stderr}")


def make_installed_generator(root: Path) -> InstalledGenerator:
    """Build sdist + wheel (the wheel from the sdist, as `python -m build` does), install the wheel."""
    dist = root / "dist"
    # --no-isolation: the running interpreter's setuptools, not a fresh download per session.
    _run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", str(dist), str(REPO)],
         REPO, 300)
    wheel = next(dist.glob("*.whl"))
    sdist = next(dist.glob("*.tar.gz"))
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], root, 120)
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)], root, 600)
    work = root / "work"
    work.mkdir()
    return InstalledGenerator(wheel=wheel, sdist=sdist, venv=venv, python=python,
                              command=venv / "bin" / "orthanc-python-generator", work=work)


def temporary_root() -> Path:
    """Outside the checkout, so nothing can find the repository's files by walking up."""
    return Path(tempfile.mkdtemp(prefix="orthanc-python-installed-"))
