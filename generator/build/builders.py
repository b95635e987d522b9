"""The registry of build methods: the one place where "how to build a cell" plugs in.

build_matrix.yaml gives each cell a method (host, chroot, mingw, ci-runner).  A module that knows
how to build cells of one method registers itself here:

    from generator.build.builders import BuildResult, register

    @register("host", probe=check_host_cell)   # probe is optional
    def build_host_cell(cell: Cell, out_dir: Path) -> BuildResult:
        ...  # write the plugin (and orthanc.pyi) into out_dir, return what was made

`probe(cell)` raises `generator.build.availability.Unavailable("reason")` when this machine cannot
build the cell beyond what the matrix itself checks (interpreter, toolchain, runtime present); the
cell is then shown as skipped with that reason.  A builder raises Unavailable the same way if it
discovers this late; any other exception is a failed build.
The modules in BUILTIN_MODULES are imported on first use, so registering needs no other wiring.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .matrix import Cell


@dataclass(frozen=True)
class BuildResult:
    """What a builder made in its output folder."""

    plugin: Path  # the shared library Orthanc loads
    stub: Path | None  # orthanc.pyi
    compiler: str  # e.g. "gcc (Debian 12.2.0-14) 12.2.0", recorded in dist/manifest.json


BuildFunction = Callable[["Cell", Path], BuildResult]
ProbeFunction = Callable[["Cell"], None]


@dataclass(frozen=True)
class Builder:
    method: str
    build: BuildFunction
    probe: ProbeFunction | None = None


BUILDERS: dict[str, Builder] = {}

# method -> module expected to register it (written by whoever owns that method).
BUILTIN_MODULES = {
    "host": "generator.build.host",
    "chroot": "generator.build.chroot_build",
    "mingw": "generator.build.mingw_build",
}


def register(method: str, *, probe: ProbeFunction | None = None) -> Callable[[BuildFunction], BuildFunction]:
    """Decorator: make `function` the builder of cells whose method is `method`."""

    def decorate(function: BuildFunction) -> BuildFunction:
        BUILDERS[method] = Builder(method=method, build=function, probe=probe)
        return function

    return decorate


def get_builder(method: str) -> Builder | None:
    """The registered builder of `method`, importing its module first if it is not loaded yet."""
    if method not in BUILDERS and method in BUILTIN_MODULES:
        name = BUILTIN_MODULES[method]
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # the module exists but one of its imports does not: a real error
                raise
    return BUILDERS.get(method)
