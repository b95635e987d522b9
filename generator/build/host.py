"""Host builds: this machine's C compiler and a target CPython found on it.

`build_host()` is `python -m generator build`; `build_host_cell()` is the
"host" method of build_matrix.yaml, registered for the matrix runner.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from generator.build.builders import BuildResult, register
from generator.build.compile import CompileError, compile_plugin
from generator.build.current import host_platform_tag
from generator.build.pipeline import BuildError, Generated, generate, resolve_python


@dataclass(frozen=True)
class HostBuild:
    plugin: Path
    stub: Path
    python: str
    python_version: str
    sdk: str
    compiler: str
    sha256: str
    summary: str  # one line of wrap-plan figures


def _summary(plan) -> str:  # type: ignore[no-untyped-def]
    counts = Counter(p.status.value for p in plan.functions)
    total = len(plan.functions)
    wrapped = counts["generated"] + counts["custom"]
    applicable = total - counts["not_applicable"]
    percent = 100.0 * wrapped / applicable if applicable else 100.0
    return (f"{wrapped}/{applicable} SDK functions wrapped ({percent:.1f}%): {counts['generated']} generated, "
            f"{counts['custom']} custom, {counts['not_wrapped']} not wrapped, "
            f"{counts['not_applicable']} not applicable")


def build_into(sdk: str, python: str, out_dir: Path, *, allow_unknown: bool = False,
               header: Path | None = None) -> HostBuild:
    """Build the plugin and its stub into out_dir (created)."""
    interpreter = resolve_python(python)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="orthanc-python-gen-") as work:
        generated = generate(sdk, Path(work), allow_unknown=allow_unknown, header=header)
        if not sys.platform.startswith("linux"):
            return _build_elsewhere(generated, interpreter, out_dir)
        try:
            result = compile_plugin(generated.sources, generated.sources, interpreter, out_dir)
        except CompileError as error:
            raise BuildError(str(error)) from error
        stub = out_dir / "orthanc.pyi"
        shutil.copyfile(generated.sources / "orthanc.pyi", stub)
        return HostBuild(
            plugin=result.path,
            stub=stub,
            python=interpreter,
            python_version=result.python_version,
            sdk=generated.header.version,
            compiler=result.compiler,
            sha256=result.sha256,
            summary=_summary(generated.plan),
        )


def _build_elsewhere(generated: Generated, interpreter: str, out_dir: Path) -> HostBuild:
    """macOS and Windows: the source bundle's own build script (Apple clang, MSVC) with the target
    Python.  Not run on those systems yet; on Linux the same function gives a plugin equal in
    kind to compile_plugin's (tests/build/test_bundle.py)."""
    from generator.build.bundle import BundleError, build_with_bundle_script

    try:
        built = build_with_bundle_script(generated, interpreter, out_dir)
    except BundleError as error:
        raise BuildError(str(error)) from error
    commands = built.record["commands"]
    return HostBuild(
        plugin=built.plugin,
        stub=out_dir / "orthanc.pyi",
        python=interpreter,
        python_version=built.record["python"],
        sdk=generated.header.version,
        compiler=" ".join(commands[0][:1]) if commands else "",
        sha256=built.record["sha256"],
        summary=_summary(generated.plan),
    )


def build_host(sdk: str, python: str, output_root: Path, *, allow_unknown: bool = False,
               header: Path | None = None) -> HostBuild:
    """`python -m generator build`: into OUTPUT/<sdk>/<cell id>/."""
    from generator.build.pipeline import system_sdk_version
    from generator.build.python_info import query_python

    release = system_sdk_version() if sdk == "system" else sdk
    info = query_python(resolve_python(python))
    cell_dir = output_root / release / f"{info.tag}-{host_platform_tag(late_binding=not info.shared)}"
    return build_into(release, python, cell_dir, allow_unknown=allow_unknown, header=header)


@register("host")
def build_host_cell(cell, out_dir: Path) -> BuildResult:  # type: ignore[no-untyped-def]
    built = build_into(cell.sdk, cell.python, out_dir)
    return BuildResult(plugin=built.plugin, stub=built.stub, compiler=built.compiler)
