"""Build hook of the generator's wheel: the repository's data folders become package data.

The templates, the C runtime, the late-binding loader, the SDK manifest and the default build
matrix stay at the top of the repository (where the layout documents them and the other tools
look); a wheel or an sdist install carries copies in `generator/_data/`, which generator/paths.py
prefers when it exists.  Editable installs skip the copy: they run from the checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent

# Source (relative to the repository) -> the file name patterns copied from it.
DATA = {
    "templates": ("*.j2",),
    "runtime": ("*.c", "*.h", "README.md"),
    "runtime_loader": ("*.c", "*.h"),
    "sdk_headers": ("manifest.yaml",),
    ".": ("build_matrix.yaml",),
}


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target_root = Path(self.build_lib) / "generator" / "_data"
        for folder, patterns in DATA.items():
            source = HERE / folder
            target = target_root / folder
            target.mkdir(parents=True, exist_ok=True)
            copied = [path for pattern in patterns for path in sorted(source.glob(pattern)) if path.is_file()]
            if not copied:
                raise RuntimeError(f"setup.py: nothing matches {patterns} in {source}")
            for path in copied:
                shutil.copyfile(path, target / path.name)


setup(cmdclass={"build_py": BuildPyWithData})
