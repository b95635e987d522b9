"""Our plugin built for a runtime, once per test session, and placed inside its chroot.

The plugin is built the way `nox -s build_cell` builds it: the build_matrix.yaml cell of that
runtime whose SDK is the runtime's own Orthanc (bookworm-i386: 1.10.1/cp311-manylinux_i686,
trixie-amd64: 1.12.7/cp313-..., sid-amd64: 1.13.0/cp314-...), through the registered "chroot"
builder and the runner, into a temporary dist/ with its manifest.  The binary is then copied into
the chroot's /tmp, where the runtime's Orthanc can load it; the copies go when the session ends.

Suites that need the plugin in a runtime (the smoke suite, the DICOM and storage features of
SDK >= 1.12 in trixie and sid) take the session fixture `runtime_plugin` (tests/runtimes/conftest.py):
`runtime_plugin("sid-amd64").inside` is the path to put in Orthanc's "Plugins".
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.build.chroot import Runtime, RuntimeInfo, get_runtime
from generator.build.manifest import ManifestEntry
from generator.build.matrix import Cell, load_matrix
from generator.build.runner import build_cells


@dataclass(frozen=True)
class RuntimePlugin:
    runtime: Runtime
    info: RuntimeInfo
    cell: Cell
    entry: ManifestEntry  # its dist/manifest.json entry
    plugin: Path  # the built binary, on the host
    stub: Path  # orthanc.pyi
    inside: str  # the copy inside the chroot, for Orthanc's "Plugins"


def own_cell(runtime: Runtime, info: RuntimeInfo) -> Cell:
    """The matrix cell that builds for `runtime` against its own Orthanc's SDK."""
    cells = [cell for cell in load_matrix().cells()
             if cell.method == "chroot" and cell.runtime == runtime.name and cell.sdk == info.orthanc_version]
    if not cells:
        pytest.fail(f"build_matrix.yaml has no chroot cell for runtime {runtime.name} with SDK "
                    f"{info.orthanc_version} (its Orthanc's): add one to `include`")
    # Prefer the header taken from the runtime itself when both exist.
    return sorted(cells, key=lambda cell: cell.header != "runtime")[0]


class RuntimePlugins:
    """Builds on first request per runtime, remembers failures too (one report, not one per test)."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist
        self._built: dict[tuple[str, str | None], RuntimePlugin | str] = {}
        self._copies = contextlib.ExitStack()

    def __call__(self, name: str, sdk: str | None = None) -> RuntimePlugin:
        """The plugin of runtime `name`, built against its own Orthanc's SDK, or against release
        `sdk` of the manifest (an SDK the runtime's Orthanc is at least as new as)."""
        if os.geteuid() != 0:
            pytest.skip("needs root (chroot, mount)")
        if (name, sdk) not in self._built:
            self._built[(name, sdk)] = self._build(name, sdk)
        found = self._built[(name, sdk)]
        if isinstance(found, str):
            pytest.fail(found)
        return found

    def _build(self, name: str, sdk: str | None) -> RuntimePlugin | str:
        runtime = get_runtime(name)
        state = runtime.state()
        if state.status != "present":
            pytest.skip(f"runtime {name} is {state} (create it with: nox -s runtimes)")
        info = runtime.info()
        cell = own_cell(runtime, info)
        if sdk is not None:
            cell = dataclasses.replace(cell, sdk=sdk, header="manifest")
        [outcome] = build_cells([cell], self.dist, jobs=1, log=lambda line: None)
        if outcome.status == "skipped":
            pytest.skip(f"{cell.key}: {outcome.detail}")
        if outcome.status != "built" or outcome.entry is None:
            log = self.dist / "logs" / f"{cell.sdk}-{cell.id}.log"
            text = log.read_text(encoding="utf-8") if log.is_file() else ""
            return f"building {cell.key} for runtime {name} failed: {outcome.detail}\n{text[-4000:]}"
        entry = outcome.entry
        plugin = self.dist / entry.plugin.path
        inside, host = self._copies.enter_context(runtime.scratch(prefix="orthanc-python-plugin-"))
        (host / plugin.name).write_bytes(plugin.read_bytes())
        stub = self.dist / entry.stub.path if entry.stub is not None else plugin.with_name("orthanc.pyi")
        return RuntimePlugin(runtime=runtime, info=info, cell=cell, entry=entry, plugin=plugin,
                             stub=stub, inside=f"{inside}/{plugin.name}")

    def close(self) -> None:
        self._copies.close()
