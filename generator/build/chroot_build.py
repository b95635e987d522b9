"""The "chroot" method: render on the host, compile inside a debootstrap runtime.

A cell of this method is built for the runtime's own CPython (and, with `header: runtime` in
build_matrix.yaml, against the SDK header of the runtime's own Orthanc):

1. header -> model -> plan -> C runs here, on the host: libclang is a host library, and the
   rendered C does not depend on where it is compiled.  With `header: runtime` the header is
   copied out of the chroot's /usr/include/orthanc and verified like any other (a release the
   manifest does not list yet is accepted as unknown and recorded with its checksum);
2. the rendered folder and runtime/ are copied into a scratch folder of the chroot's /tmp;
3. the chroot's gcc compiles them with the flags of compile.py's `plugin_flags` (the same as a host
   build), the includes and libraries coming from the chroot's own `pythonX.Y-config --embed`,
   and the interpreter path the runtime gives multiprocessing being the chroot's /usr/bin/pythonX.Y.
   A 32-bit runtime (bookworm-i386) has a 32-bit gcc: nothing to add;
4. the plugin and orthanc.pyi are copied out to the cell's output folder.

`build_in_runtime()` is the same without a matrix cell, for tests that run the result in the
runtime's Orthanc (tests/runtimes/).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..sdk.checksum import sha256_bytes
from ..sdk.manifest import load_manifest
from . import chroot
from .availability import Unavailable
from .builders import BuildResult, register
from .compile import PLUGIN_VERSION, RUNTIME_DIR, CompileError, plugin_filename, plugin_flags, plugin_sources
from .pipeline import BuildError, Generated, generate
from .python_info import PROBE_SCRIPT, PythonInfo, PythonInfoError, parse_probe

if TYPE_CHECKING:
    from .matrix import Cell

CC = "gcc"  # the runtime's compiler (Debian's gcc package, listed in runtimes.yaml)
SCRATCH_PREFIX = "orthanc-python-build-"


@dataclass(frozen=True)
class ChrootBuild:
    plugin: Path  # on the host, in the output folder
    stub: Path
    runtime: str
    sdk: str  # the SDK release the plugin was built against
    header_sha256: str
    python: PythonInfo  # the runtime's interpreter (paths inside the chroot)
    compiler: str  # "gcc (Debian 14.2.0-19) 14.2.0, chroot trixie-amd64"


def runtime_header(runtime: chroot.Runtime, folder: Path) -> Path:
    """A copy of the runtime's OrthancCPlugin.h in `folder` (outside the chroot, which may go)."""
    source = runtime.host_path(runtime.sdk_header)
    if not source.is_file():
        raise Unavailable(f"chroot {runtime.name} has no {runtime.sdk_header} (orthanc-dev missing)")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "OrthancCPlugin.h"
    shutil.copyfile(source, target)
    return target


def generate_for(sdk: str, work_dir: Path, runtime: chroot.Runtime, header_source: str) -> Generated:
    """Render the plugin's C for `sdk`: from the manifest's header, or from the runtime's own.

    A release the manifest knows must be byte for byte that release, wherever it comes from; the
    runtime's own copy is then used first (no network, no $ORTHANC_SDK_HEADERS needed).  With
    `header_source` "runtime", a release the manifest does not list yet is accepted as unknown
    (resolve_header records its sha256 and the version it declares).
    """
    release = load_manifest().get(sdk)
    if header_source == "manifest":
        inside = runtime.host_path(runtime.sdk_header)
        if release is None or not inside.is_file() or sha256_bytes(inside.read_bytes()) != release.sha256:
            return generate(sdk, work_dir)
    header = runtime_header(runtime, work_dir)
    return generate(sdk, work_dir, allow_unknown=release is None, header=header)


def _inside(runtime: chroot.Runtime, command: Sequence[str], what: str, *, cwd: str = "/") -> str:
    """Run `command` in the (mounted) runtime; its stdout, or CompileError with its output."""
    done = subprocess.run(runtime.command(command, cwd=cwd), capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise CompileError(f"{what} failed in chroot {runtime.name} (exit {done.returncode}):\n"
                           f"$ {shlex.join(command)}\n{done.stdout}{done.stderr}")
    return done.stdout


def runtime_python(runtime: chroot.Runtime) -> PythonInfo:
    """The runtime's interpreter, as its own sysconfig describes it (mounts in place)."""
    output = _inside(runtime, [runtime.python, "-c", PROBE_SCRIPT], f"asking {runtime.python}")
    try:
        info = parse_probe(output, runtime.python)
    except PythonInfoError as error:
        raise CompileError(str(error)) from error
    if not info.shared:
        raise CompileError(f"{runtime.python} in chroot {runtime.name} has no shared libpython")
    return info


def _python_config(runtime: chroot.Runtime, *options: str) -> list[str]:
    return shlex.split(_inside(runtime, [runtime.python_config, *options],
                               f"{Path(runtime.python_config).name} {' '.join(options)}"))


def compile_in_runtime(
    runtime: chroot.Runtime,
    generated_dir: Path,
    output: Path,
    *,
    runtime_dir: Path = RUNTIME_DIR,
    plugin_version: str = PLUGIN_VERSION,
    jobs: int = 2,
) -> tuple[Path, PythonInfo, str]:
    """Compile the rendered folder (which holds its OrthancCPlugin.h) and runtime/ with the runtime's
    gcc and Python; the plugin goes into the host folder `output`.  Returns (plugin, the runtime's
    Python, compiler version)."""
    host_sources = plugin_sources(runtime_dir.resolve(), generated_dir.resolve())
    with runtime.scratch(prefix=SCRATCH_PREFIX) as (inside, host), runtime.mounted():
        for folder, name in ((runtime_dir, "runtime"), (generated_dir, "generated")):
            shutil.copytree(folder, host / name, ignore=shutil.ignore_patterns("__pycache__", "*.o"))
        (host / "obj").mkdir()
        runtime_in, generated_in = f"{inside}/runtime", f"{inside}/generated"

        python = runtime_python(runtime)
        filename = plugin_filename(python)
        flags = plugin_flags(
            runtime_dir=runtime_in,
            generated_dir=generated_in,
            sdk_include_dir=generated_in,  # generate() put the verified header there
            python_cflags=_python_config(runtime, "--includes"),
            python_ldflags=_python_config(runtime, "--embed", "--ldflags"),
            soname=python.soname,
            interpreter=python.executable,
            filename=filename,
            plugin_version=plugin_version,
        )
        compiler = _inside(runtime, [CC, "--version"], f"{CC} --version").splitlines()[0].strip()

        sources = [f"{runtime_in if s.parent == runtime_dir.resolve() else generated_in}/{s.name}"
                   for s in host_sources]
        objects = [f"{inside}/obj/{index:03d}-{Path(s).stem}.o" for index, s in enumerate(sources)]

        def compile_one(pair: tuple[str, str]) -> None:
            source, target = pair
            _inside(runtime, [CC, *flags.cflags, "-c", source, "-o", target],
                    f"compiling {Path(source).name}", cwd=inside)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            list(pool.map(compile_one, zip(sources, objects)))
        _inside(runtime, [CC, *objects, "-o", f"{inside}/{filename}", *flags.ldflags], "linking",
                cwd=inside)

        output.mkdir(parents=True, exist_ok=True)
        target = output / filename
        shutil.copyfile(host / filename, target)
        target.chmod(0o755)
    return target, python, f"{compiler}, chroot {runtime.name}"


def build_in_runtime(runtime: chroot.Runtime | str, sdk: str, out_dir: Path, *,
                     header: str = "manifest") -> ChrootBuild:
    """The plugin for `runtime`'s Python against SDK `sdk` (`header`: "manifest" or "runtime"),
    with orthanc.pyi, into `out_dir` on the host."""
    if isinstance(runtime, str):
        runtime = chroot.get_runtime(runtime)
    runtime.info()  # Unavailable unless the runtime is present
    with tempfile.TemporaryDirectory(prefix="orthanc-python-gen-") as work:
        generated = generate_for(sdk, Path(work), runtime, header)
        try:
            plugin, python, compiler = compile_in_runtime(runtime, generated.sources, out_dir)
        except CompileError as error:
            raise BuildError(str(error)) from error
        stub = out_dir / "orthanc.pyi"
        shutil.copyfile(generated.sources / "orthanc.pyi", stub)
    return ChrootBuild(plugin=plugin, stub=stub, runtime=runtime.name, sdk=generated.header.version,
                       header_sha256=generated.header.sha256, python=python, compiler=compiler)


def probe_chroot_cell(cell: Cell) -> None:
    """What the matrix's own check (root, runtime present) leaves out: the runtime's build tools."""
    assert cell.runtime is not None
    runtime = chroot.get_runtime(cell.runtime)
    needed = [f"/usr/bin/{CC}", runtime.python_config]
    if cell.header == "runtime":
        needed.append(runtime.sdk_header)
    for path in needed:
        if not runtime.host_path(path).exists():
            raise Unavailable(f"chroot {runtime.name} has no {path} (recreate it: nox -s runtimes)")


@register("chroot", probe=probe_chroot_cell)
def build_chroot_cell(cell: Cell, out_dir: Path) -> BuildResult:
    assert cell.runtime is not None  # validated with the matrix
    built = build_in_runtime(cell.runtime, cell.sdk, out_dir, header=cell.header)
    return BuildResult(plugin=built.plugin, stub=built.stub, compiler=built.compiler)
