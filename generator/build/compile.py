"""Compile and link one plugin binary: the hand-written runtime plus the rendered sources.

Inputs are a folder of rendered sources (orthanc_generated.{h,c}, orthanc_sdk_features.h, maybe
more .c files), the folder holding the SDK's OrthancCPlugin.h, and a target CPython (any >= 3.8,
a name on PATH or a path).  Everything about that Python comes from the interpreter itself
(python_info.py).  The result is deterministic: sources in a fixed order, no time stamps, build
paths mapped away (-ffile-prefix-map), and no debug information.

Late binding (`late_binding=True`, and automatically for a Python without a shared libpython, as
in cibuildwheel's manylinux images) makes two files instead of one: the plugin Orthanc loads, a
small loader without any Python dependency (runtime_loader/loader.c), which finds a libpython when
Orthanc initializes it, and the core beside it, the usual plugin linked without libpython.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generator.paths import LOADER_DIR, RUNTIME_DIR

from .python_info import PythonInfo, PythonInfoError, query_python

PLUGIN_VERSION = "0.1.0"

# The project's rule for every C file: C11, all warnings, warnings are errors.
WARNING_FLAGS = ("-std=c11", "-Wall", "-Wextra", "-Werror")
CODE_FLAGS = ("-fPIC", "-O2", "-fvisibility=hidden", "-DNDEBUG")


class CompileError(RuntimeError):
    """The plugin cannot be built; the message says why (with the compiler's output)."""


@dataclass(frozen=True)
class CompileResult:
    path: Path  # the plugin binary
    python_version: str  # "3.11.7"
    python_tag: str  # "cp311"
    compiler: str  # first line of `cc --version`
    cflags: tuple[str, ...]
    ldflags: tuple[str, ...]
    sha256: str
    late_binding: bool = False
    core_path: Path | None = None  # late binding: the core the loader (`path`) loads


def plugin_filename(info: PythonInfo) -> str:
    """libOrthancPython-cp311.so: one binary per Python version can sit in one folder."""
    return f"libOrthancPython-{info.tag}.so"


def core_filename(info: PythonInfo) -> str:
    """libOrthancPython-cp311-core.so: the plugin itself when a late-binding loader loads it."""
    return f"libOrthancPython-{info.tag}-core.so"


def late_binding_soname(info: PythonInfo) -> str:
    """The libpython the loader looks for: its recorded soname, or the usual one for its version
    when the interpreter has none (a static build records libpython3.X.a)."""
    if info.shared and ".so" in info.soname:
        return info.soname
    return f"libpython{info.ldversion}.so.1.0"


def _c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _compiler_version(cc: str) -> str:
    try:
        done = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=60, check=False)
    except OSError as error:
        raise CompileError(f"C compiler {cc!r} cannot run: {error}") from error
    lines = done.stdout.splitlines()
    if done.returncode != 0 or not lines:
        raise CompileError(f"C compiler {cc!r} does not answer --version")
    return lines[0].strip()


def _run(command: Sequence[str], what: str) -> None:
    done = subprocess.run(list(command), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CompileError(f"{what} failed (exit {done.returncode}):\n$ {' '.join(command)}\n"
                           f"{done.stdout}{done.stderr}")


def python_cflags(info: PythonInfo) -> list[str]:
    """What `pythonX.Y-config --cflags` contributes that matters here: the include folders.

    System include folders, like the SDK's: -Werror is for our code, not for the warnings a newer
    compiler may find in headers we do not own.
    """
    return [f"-isystem{folder}" for folder in info.include_dirs]


def python_ldflags(info: PythonInfo) -> list[str]:
    """`pythonX.Y-config --embed --ldflags`, plus an rpath so Orthanc finds this libpython."""
    return [f"-L{info.libdir}", f"-lpython{info.ldversion}", *info.libs, f"-Wl,-rpath,{info.libdir}"]


def late_binding_ldflags(info: PythonInfo) -> list[str]:
    """The system libraries libpython needs, without libpython: the loader provides it."""
    return [flag for flag in info.libs if flag.startswith("-l")]


def plugin_sources(runtime_dir: Path, generated_dir: Path) -> list[Path]:
    """Every C file of the plugin, in the fixed order the link uses: runtime first, then rendered."""
    sources = sorted(runtime_dir.glob("*.c")) + sorted(generated_dir.glob("*.c"))
    if not any(source.parent == generated_dir for source in sources):
        raise CompileError(f"no rendered .c file in {generated_dir}")
    return sources


def plugin_defines(plugin_version: str, *, soname: str | None = None,
                   interpreter: str | None = None) -> list[str]:
    """The runtime's macros as NAME=VALUE (for -D).  `soname` and `interpreter` are Linux-only: the
    runtime makes that libpython's symbols global, and points sys.executable (thus multiprocessing)
    at that program; Windows builds leave them out."""
    defines = [f"ORTHANC_PYTHON_PLUGIN_VERSION={_c_string(plugin_version)}"]
    if soname is not None:
        defines.append(f"ORTHANC_PY_LIBPYTHON_SONAME={_c_string(soname)}")
    if interpreter is not None:
        defines.append(f"ORTHANC_PY_INTERPRETER={_c_string(interpreter)}")
    return defines


@dataclass(frozen=True)
class PluginFlags:
    cflags: tuple[str, ...]  # for every `cc -c`
    ldflags: tuple[str, ...]  # for the link


def plugin_flags(
    *,
    runtime_dir: str,
    generated_dir: str,
    sdk_include_dir: str,
    python_cflags: Sequence[str],
    python_ldflags: Sequence[str],
    soname: str,
    interpreter: str,
    filename: str,
    plugin_version: str = PLUGIN_VERSION,
    extra_cflags: Sequence[str] = (),
    late_binding: bool = False,
) -> PluginFlags:
    """The compile and link flags of a Linux plugin, from paths as the compiler will see them.

    Paths are plain strings because the compiler need not run here: a chroot build passes the
    paths inside the chroot, and the target Python's flags as its own pythonX.Y-config gave them.
    `late_binding`: the core of a late-binding build, whose Python symbols stay undefined until
    the loader has made a libpython's symbols global (which is why it needs no soname either).
    """
    prefix_maps = [
        f"-ffile-prefix-map={runtime_dir}=runtime",
        f"-ffile-prefix-map={generated_dir}=generated",
        f"-ffile-prefix-map={sdk_include_dir}=sdk",
    ]
    includes = [f"-I{generated_dir}", f"-I{runtime_dir}", f"-isystem{sdk_include_dir}", *python_cflags]
    defines = [f"-D{define}" for define in plugin_defines(plugin_version, soname=None if late_binding else soname,
                                                         interpreter=interpreter)]
    cflags = (*WARNING_FLAGS, *CODE_FLAGS, *extra_cflags, *defines, *prefix_maps, *includes)
    undefined = () if late_binding else ("-Wl,--no-undefined",)
    ldflags = ("-shared", f"-Wl,-soname,{filename}", *undefined, *python_ldflags)
    return PluginFlags(cflags=cflags, ldflags=ldflags)


def loader_flags(
    *,
    loader_dir: str,
    runtime_dir: str,
    generated_dir: str,
    sdk_include_dir: str,
    python_version: str,
    soname: str,
    libdir: str,
    core: str,
    filename: str,
    plugin_version: str = PLUGIN_VERSION,
) -> PluginFlags:
    """The flags of a late-binding loader: where it looks for libpython, and its core's name."""
    defines = [
        f"ORTHANC_PYTHON_PLUGIN_VERSION={_c_string(plugin_version)}",
        f"ORTHANC_PY_PYTHON_VERSION={_c_string(python_version)}",
        f"ORTHANC_PY_LIBPYTHON_SONAME={_c_string(soname)}",
        f"ORTHANC_PY_LIBPYTHON_DIR={_c_string(libdir)}",
        f"ORTHANC_PY_CORE_FILENAME={_c_string(core)}",
    ]
    prefix_maps = [
        f"-ffile-prefix-map={loader_dir}=runtime_loader",
        f"-ffile-prefix-map={runtime_dir}=runtime",
        f"-ffile-prefix-map={generated_dir}=generated",
        f"-ffile-prefix-map={sdk_include_dir}=sdk",
    ]
    includes = [f"-I{generated_dir}", f"-I{runtime_dir}", f"-isystem{sdk_include_dir}"]
    cflags = (*WARNING_FLAGS, *CODE_FLAGS, *(f"-D{d}" for d in defines), *prefix_maps, *includes)
    # -ldl: dlopen is in libdl before glibc 2.34 (manylinux2014 has 2.17).
    ldflags = ("-shared", f"-Wl,-soname,{filename}", "-Wl,--no-undefined", "-ldl")
    return PluginFlags(cflags=cflags, ldflags=ldflags)


def loader_sources(loader_dir: Path, runtime_dir: Path) -> list[Path]:
    """The loader and the runtime's Python-free JSON reader it shares."""
    return [*sorted(loader_dir.glob("*.c")), runtime_dir / "json_mini.c"]


def build_binary(cc: str, sources: Sequence[Path], cflags: Sequence[str], ldflags: Sequence[str],
                  target: Path, jobs: int) -> None:
    """Compile `sources` in parallel, link them into `target` (mode 755)."""
    with tempfile.TemporaryDirectory(prefix="orthanc-python-build-") as scratch:
        scratch_dir = Path(scratch)
        objects = [scratch_dir / f"{index:03d}-{source.stem}.o" for index, source in enumerate(sources)]

        def compile_one(pair: tuple[Path, Path]) -> None:
            source, obj = pair
            _run([cc, *cflags, "-c", str(source), "-o", str(obj)], f"compiling {source.name}")

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            list(pool.map(compile_one, zip(sources, objects)))

        linked = scratch_dir / target.name
        _run([cc, *(str(o) for o in objects), "-o", str(linked), *ldflags], "linking")
        shutil.copyfile(linked, target)
        os.chmod(target, 0o755)


def compile_plugin(
    generated_dir: Path,
    sdk_include_dir: Path,
    python: str,
    output: Path,
    *,
    extra_cflags: Sequence[str] = (),
    extra_ldflags: Sequence[str] = (),
    cc: str = "cc",
    runtime_dir: Path = RUNTIME_DIR,
    plugin_version: str = PLUGIN_VERSION,
    jobs: int = 2,
    late_binding: bool = False,
    loader_dir: Path = LOADER_DIR,
) -> CompileResult:
    """Build the plugin for `python` into the folder `output`; returns what was made.

    `late_binding` (forced for a Python without a shared libpython): the loader, as `path`, plus
    its core, as `core_path` (see runtime_loader/loader.c)."""
    if not sys.platform.startswith("linux"):
        raise CompileError("compile_plugin builds Linux binaries; on macOS and Windows render a source bundle "
                           "(`python -m generator bundle`) and run its build_plugin.py with the target Python")
    try:
        info = query_python(python)
    except PythonInfoError as error:
        raise CompileError(str(error)) from error
    if not info.shared:
        late_binding = True
    if not (sdk_include_dir / "OrthancCPlugin.h").is_file():
        raise CompileError(f"no OrthancCPlugin.h in {sdk_include_dir}")

    generated_dir = generated_dir.resolve()
    sdk_include_dir = sdk_include_dir.resolve()
    runtime_dir = runtime_dir.resolve()
    sources = plugin_sources(runtime_dir, generated_dir)

    filename = plugin_filename(info)
    flags = plugin_flags(
        runtime_dir=str(runtime_dir),
        generated_dir=str(generated_dir),
        sdk_include_dir=str(sdk_include_dir),
        python_cflags=python_cflags(info),
        python_ldflags=late_binding_ldflags(info) if late_binding else python_ldflags(info),
        soname=info.soname,
        interpreter=info.executable,
        filename=core_filename(info) if late_binding else filename,
        plugin_version=plugin_version,
        extra_cflags=extra_cflags,
        late_binding=late_binding,
    )
    # extra_ldflags: e.g. -fsanitize=address, which the link needs as well as the compile.
    cflags, ldflags = flags.cflags, (*flags.ldflags, *extra_ldflags)
    compiler = _compiler_version(cc)

    output.mkdir(parents=True, exist_ok=True)
    target = output / filename
    core: Path | None = None
    if late_binding:
        core = output / core_filename(info)
        build_binary(cc, sources, cflags, ldflags, core, jobs)
        loader_dir = loader_dir.resolve()
        loader = loader_flags(
            loader_dir=str(loader_dir),
            runtime_dir=str(runtime_dir),
            generated_dir=str(generated_dir),
            sdk_include_dir=str(sdk_include_dir),
            python_version=f"{info.version_info[0]}.{info.version_info[1]}",
            soname=late_binding_soname(info),
            libdir=info.libdir,
            core=core.name,
            filename=filename,
            plugin_version=plugin_version,
        )
        build_binary(cc, loader_sources(loader_dir, runtime_dir), loader.cflags, loader.ldflags, target, jobs)
    else:
        build_binary(cc, sources, cflags, ldflags, target, jobs)

    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    return CompileResult(
        path=target,
        python_version=info.version,
        python_tag=info.tag,
        compiler=compiler,
        cflags=tuple(cflags),
        ldflags=ldflags,
        sha256=digest,
        late_binding=late_binding,
        core_path=core,
    )
