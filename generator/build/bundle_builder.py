#!/usr/bin/env python3
"""Build the Orthanc Python plugin from a source bundle: needs a C compiler and the target Python only.

This file is copied into every source bundle as `build_plugin.py` (see generator/build/bundle.py)
and uses the standard library alone, so a compile job on any runner runs it with the Python the
plugin is for, without the generator, libclang or Jinja2:

    python build_plugin.py --sdk 1.10.1 -o out/          # native: Linux gcc/clang, macOS clang, Windows MSVC

Everything about the target Python comes from that interpreter's sysconfig.  Cross builds (here:
MinGW for Windows, `zig cc` for macOS) name the compiler and give the Python side explicitly:

    python build_plugin.py --sdk 1.10.1 --target macos --cc "python -m ziglang cc -target x86_64-macos" \\
        --python-version 3.11 --python-include DIR --python-lib libpython3.11.tbd -o out/

Before building, every file is checked against SHA256SUMS.  The result is one binary named for
the target (`libOrthancPython-cp311.so`, `libOrthancPython-cp311.dylib`,
`OrthancPython-cp311-win_amd64.dll`) beside the bundle's orthanc.pyi, and `build.json` recording
the commands.  Keep this file to Python 3.8 syntax: it runs under every supported interpreter.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ENTRY_POINTS = ("OrthancPluginInitialize", "OrthancPluginFinalize", "OrthancPluginGetName",
                "OrthancPluginGetVersion")
WARNINGS = ["-std=c11", "-Wall", "-Wextra", "-Werror"]
CODE = ["-O2", "-fvisibility=hidden", "-DNDEBUG"]
# Where macOS Pythons keep libpythonX.Y.dylib (python.org's installer, Homebrew on Apple silicon and
# on Intel): the rpaths of a plugin linked against a stub whose install name is @rpath/..., after
# the build Python's own LIBDIR.
MACOS_LIBPYTHON_DIRS = (
    "/Library/Frameworks/Python.framework/Versions/{v}/lib",
    "/opt/homebrew/opt/python@{v}/Frameworks/Python.framework/Versions/{v}/lib",
    "/usr/local/opt/python@{v}/Frameworks/Python.framework/Versions/{v}/lib",
)


class BuildFailure(RuntimeError):
    pass


def verify_checksums(root: Path) -> int:
    """Every file listed in SHA256SUMS has its checksum; returns how many were checked."""
    sums = root / "SHA256SUMS"
    if not sums.is_file():
        raise BuildFailure(f"{sums}: missing, the bundle is incomplete")
    count = 0
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = root / name
        if not path.is_file():
            raise BuildFailure(f"{name}: listed in SHA256SUMS but missing")
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != digest:
            raise BuildFailure(f"{name}: sha256 {actual}, SHA256SUMS says {digest}")
        count += 1
    return count


def c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run(command: list[str], what: str, cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    if done.returncode != 0:
        raise BuildFailure(f"{what} failed (exit {done.returncode}):\n$ {shlex.join(command)}\n{done.stdout}")


class Python:
    """The target Python as the build needs it."""

    def __init__(self, version: tuple[int, int], include_dirs: list[str], libdir: str = "", ldversion: str = "",
                 soname: str = "", libs: list[str] | None = None, executable: str = "", shared: bool = True,
                 library: str = "", platform: str = "") -> None:
        self.version = version
        self.include_dirs = include_dirs
        self.libdir = libdir
        self.ldversion = ldversion or f"{version[0]}.{version[1]}"
        self.soname = soname
        self.libs = libs or []
        self.executable = executable
        self.shared = shared
        self.library = library  # an explicit library to link (import library, .tbd stub)
        self.platform = platform

    @property
    def tag(self) -> str:
        return f"cp{self.version[0]}{self.version[1]}"

    @classmethod
    def running(cls) -> Python:
        paths = sysconfig.get_paths()
        var = sysconfig.get_config_var
        executable = os.path.realpath(getattr(sys, "_base_executable", "") or sys.executable)
        return cls(
            version=(sys.version_info[0], sys.version_info[1]),
            include_dirs=sorted({paths["include"], paths["platinclude"]}),
            libdir=var("LIBDIR") or "",
            ldversion=var("LDVERSION") or "",
            soname=var("INSTSONAME") or "",
            libs=(var("LIBS") or "").split() + (var("SYSLIBS") or "").split(),
            executable=executable,
            shared=bool(var("Py_ENABLE_SHARED")) or bool(var("PYTHONFRAMEWORK")),
            platform=sysconfig.get_platform(),
        )


def sources(root: Path, sdk_dir: Path) -> list[Path]:
    """runtime/*.c then the rendered *.c: the order of every build of the project."""
    found = sorted((root / "runtime").glob("*.c")) + sorted(sdk_dir.glob("*.c"))
    if not any(path.parent == sdk_dir for path in found):
        raise BuildFailure(f"no rendered .c file in {sdk_dir}")
    return found


def common_cflags(root: Path, sdk_dir: Path, python: Python, plugin_version: str) -> list[str]:
    return [
        *WARNINGS, *CODE,
        f"-DORTHANC_PYTHON_PLUGIN_VERSION={c_string(plugin_version)}",
        f"-ffile-prefix-map={root / 'runtime'}=runtime",
        f"-ffile-prefix-map={sdk_dir}=generated",
        f"-I{sdk_dir}", f"-I{root / 'runtime'}",
        *(f"-isystem{folder}" for folder in python.include_dirs),
    ]


def unix_build(cc: list[str], target: str, root: Path, sdk_dir: Path, python: Python, out: Path,
               plugin_version: str, jobs: int = 2) -> tuple[Path, list[list[str]]]:
    """gcc/clang for Linux and macOS: compile each file, link one shared library."""
    cflags = ["-fPIC", *common_cflags(root, sdk_dir, python, plugin_version)]
    if target == "linux" and not python.shared:
        return late_binding_build(cc, root, sdk_dir, python, out, plugin_version, jobs)
    if target == "linux":
        filename = f"libOrthancPython-{python.tag}.so"
        if python.soname:
            cflags.append(f"-DORTHANC_PY_LIBPYTHON_SONAME={c_string(python.soname)}")
        if python.executable:
            cflags.append(f"-DORTHANC_PY_INTERPRETER={c_string(python.executable)}")
        ldflags = ["-shared", f"-Wl,-soname,{filename}", "-Wl,--no-undefined",
                   f"-L{python.libdir}", f"-lpython{python.ldversion}", *python.libs, f"-Wl,-rpath,{python.libdir}"]
    else:  # macos
        filename = f"libOrthancPython-{python.tag}.dylib"
        if python.executable:
            cflags.append(f"-DORTHANC_PY_INTERPRETER={c_string(python.executable)}")
        # A dylib that names its libpython: two-level namespace, every Python symbol bound to it and
        # checked at link time (no -undefined dynamic_lookup, which would defer missing symbols to a
        # crash inside Orthanc).  libpython is found through @rpath: the build Python's folder first.
        library = [python.library] if python.library else [f"-L{python.libdir}", f"-lpython{python.ldversion}"]
        version = f"{python.version[0]}.{python.version[1]}"
        rpaths = ([python.libdir] if python.libdir else []) + [d.format(v=version) for d in MACOS_LIBPYTHON_DIRS]
        ldflags = ["-dynamiclib", f"-Wl,-install_name,@rpath/{filename}", *library,
                   *(f"-Wl,-rpath,{path}" for path in rpaths)]
    return compile_and_link(cc, sources(root, sdk_dir), cflags, ldflags, out / filename, jobs)


def compile_and_link(cc: list[str], files: list[Path], cflags: list[str], ldflags: list[str], target: Path,
                     jobs: int) -> tuple[Path, list[list[str]]]:
    """Compile `files` in parallel and link them into `target`; returns it and the commands run."""
    filename = target.name
    out = target.parent
    out.mkdir(parents=True, exist_ok=True)
    commands: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="orthanc-python-bundle-") as scratch:
        objects = [str(Path(scratch) / f"{index:03d}-{source.stem}.o") for index, source in enumerate(files)]
        compiles = [[*cc, *cflags, "-c", str(source), "-o", obj] for source, obj in zip(files, objects)]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(lambda command: run(command, f"compiling {Path(command[-3]).name}"), compiles))
        commands.extend(compiles)
        linked = Path(scratch) / filename
        command = [*cc, *objects, "-o", str(linked), *ldflags]
        run(command, "linking")
        commands.append(command)
        shutil.copyfile(linked, out / filename)
    (out / filename).chmod(0o755)
    return out / filename, commands


def late_binding_build(cc: list[str], root: Path, sdk_dir: Path, python: Python, out: Path, plugin_version: str,
                       jobs: int) -> tuple[Path, list[list[str]]]:
    """Linux with a Python that has no shared libpython (cibuildwheel's manylinux images): the
    plugin Orthanc loads is a small loader (runtime_loader/) that finds a libpython of this version
    when Orthanc starts, makes its symbols global, then loads the core beside it, which is the
    usual plugin linked without libpython (see the generator's compile.py)."""
    version = f"{python.version[0]}.{python.version[1]}"
    filename = f"libOrthancPython-{python.tag}.so"
    core = f"libOrthancPython-{python.tag}-core.so"
    soname = python.soname if ".so" in python.soname else f"libpython{python.ldversion}.so.1.0"
    cflags = ["-fPIC", *common_cflags(root, sdk_dir, python, plugin_version)]
    if python.executable:
        cflags.append(f"-DORTHANC_PY_INTERPRETER={c_string(python.executable)}")
    libs = [flag for flag in python.libs if flag.startswith("-l")]
    _, commands = compile_and_link(cc, sources(root, sdk_dir), cflags, ["-shared", f"-Wl,-soname,{core}", *libs],
                                   out / core, jobs)
    loader_cflags = [
        "-fPIC", *WARNINGS, *CODE,
        f"-DORTHANC_PYTHON_PLUGIN_VERSION={c_string(plugin_version)}",
        f"-DORTHANC_PY_PYTHON_VERSION={c_string(version)}",
        f"-DORTHANC_PY_LIBPYTHON_SONAME={c_string(soname)}",
        f"-DORTHANC_PY_LIBPYTHON_DIR={c_string(python.libdir)}",
        f"-DORTHANC_PY_CORE_FILENAME={c_string(core)}",
        f"-ffile-prefix-map={root}=bundle", f"-I{sdk_dir}", f"-I{root / 'runtime'}",
    ]
    loader_files = [*sorted((root / "runtime_loader").glob("*.c")), root / "runtime" / "json_mini.c"]
    # -ldl: dlopen is in libdl before glibc 2.34 (manylinux2014 has 2.17).
    plugin, more = compile_and_link(cc, loader_files, loader_cflags,
                                    ["-shared", f"-Wl,-soname,{filename}", "-Wl,--no-undefined", "-ldl"],
                                    out / filename, jobs)
    return plugin, commands + more


def windows_platform(python: Python) -> str:
    return "win_amd64" if python.platform in ("win-amd64", "win_amd64") else (
        "win_arm64" if python.platform in ("win-arm64", "win_arm64") else "win32")


def msvc_build(root: Path, sdk_dir: Path, python: Python, out: Path, plugin_version: str) -> tuple[Path, list]:
    """Windows with MSVC, through setuptools' compiler classes (they find cl.exe with vswhere and
    set up its environment).  C11 (/std:c11, Visual Studio 2019 16.8+), warnings as errors; the
    entry points are exported by OrthancCPlugin.h's __declspec(dllexport) under WIN32, and the
    link uses pythonXY.lib of the target Python's libs folder."""
    try:
        from setuptools._distutils.ccompiler import new_compiler  # type: ignore[import-not-found]
    except ImportError:  # Python < 3.12 without setuptools' copy: the standard library's
        from distutils.ccompiler import new_compiler  # type: ignore[no-redef,assignment]
    compiler: Any = new_compiler(compiler="msvc")
    compiler.initialize()
    filename = f"OrthancPython-{python.tag}-{windows_platform(python)}.dll"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="orthanc-python-bundle-") as scratch:
        objects = compiler.compile(
            [str(s) for s in sources(root, sdk_dir)], output_dir=scratch,
            # _CRT_SECURE_NO_WARNINGS: MSVC's "use strcpy_s" advice, not a defect of C11 code.
            macros=[("WIN32", None), ("NDEBUG", None), ("_CRT_SECURE_NO_WARNINGS", None),
                    ("ORTHANC_PYTHON_PLUGIN_VERSION", c_string(plugin_version))],
            include_dirs=[str(sdk_dir), str(root / "runtime"), *python.include_dirs],
            extra_preargs=["/std:c11", "/W3", "/WX", "/O2"])
        libs_dir = Path(sys.base_prefix) / "libs"
        # pyconfig.h names pythonXY.lib itself (#pragma comment(lib)): the folder is enough.
        compiler.link_shared_object(objects, str(out / filename), library_dirs=[str(libs_dir)],
                                    export_symbols=list(ENTRY_POINTS))
    return out / filename, [["msvc", str(compiler.cc)]]


def mingw_build(cc: list[str], root: Path, sdk_dir: Path, python: Python, out: Path, plugin_version: str,
                arch: str) -> tuple[Path, list[list[str]]]:
    """Windows cross-compiled with MinGW-w64: the same flags as generator/build/mingw.py, with the
    Python headers and import library given on the command line."""
    filename = f"OrthancPython-{python.tag}-{arch}.dll"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="orthanc-python-bundle-") as scratch:
        exports = Path(scratch) / "exports.def"
        exports.write_text(f"LIBRARY {filename}\nEXPORTS\n" + "".join(f"  {n}\n" for n in ENTRY_POINTS))
        command = [*cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-DWIN32", "-DNDEBUG", "-D_UCRT",
                   "-D__USE_MINGW_ANSI_STDIO=1", f"-DORTHANC_PYTHON_PLUGIN_VERSION={c_string(plugin_version)}",
                   f"-I{sdk_dir}", f"-I{root / 'runtime'}", *(f"-I{d}" for d in python.include_dirs),
                   *(str(s) for s in sources(root, sdk_dir)), str(exports), python.library,
                   "-shared", "-static-libgcc", "-s", "-Wl,--no-insert-timestamp", "-Wl,--exclude-all-symbols",
                   "-o", filename]
        run(command, "compiling and linking", cwd=Path(scratch))
        shutil.copyfile(Path(scratch) / filename, out / filename)
    return out / filename, [command]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Orthanc Python plugin from this source bundle.")
    parser.add_argument("--sdk", help="SDK release (default: the only one, or the bundle's default)")
    parser.add_argument("-o", "--output", type=Path, default=Path("out"))
    parser.add_argument("--target", choices=["native", "linux", "macos", "windows-msvc", "windows-mingw"],
                        default="native")
    parser.add_argument("--cc", help="C compiler command (default: $CC, else cc; not for MSVC)")
    parser.add_argument("--python-version", help="cross builds: the target Python, e.g. 3.11")
    parser.add_argument("--python-include", action="append", default=[], help="cross builds: include folder")
    parser.add_argument("--python-lib", default="", help="cross builds: libpython to link (.tbd, import library)")
    parser.add_argument("--python-define", action="append", default=[], help="cross builds: extra -D for pyconfig")
    parser.add_argument("--arch", default="win_amd64", help="windows-mingw: win_amd64 or win32")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="parallel compiles")
    parser.add_argument("--late-binding", action="store_true",
                        help="Linux: a loader + core pair that links no libpython (automatic without a shared one)")
    parser.add_argument("--no-verify", action="store_true", help="skip the SHA256SUMS check")
    args = parser.parse_args(argv)

    try:
        checked = 0 if args.no_verify else verify_checksums(HERE)
        meta = json.loads((HERE / "bundle.json").read_text(encoding="utf-8"))
        sdk = args.sdk or meta["default_sdk"]
        if sdk not in meta["sdks"]:
            raise BuildFailure(f"SDK {sdk} is not in this bundle (it has {', '.join(meta['sdks'])})")
        sdk_dir = HERE / "sdk" / sdk
        target = args.target
        if target == "native":
            target = {"linux": "linux", "darwin": "macos", "win32": "windows-msvc"}.get(sys.platform, "linux")
        if args.python_version:
            major, minor = (int(x) for x in args.python_version.split(".")[:2])
            python = Python((major, minor), [os.path.abspath(d) for d in args.python_include],
                            library=os.path.abspath(args.python_lib) if args.python_lib else "",
                            platform=args.arch if target == "windows-mingw" else "")
        else:
            python = Python.running()
            if args.late_binding:
                python.shared = False
        cc = shlex.split(args.cc or os.environ.get("CC") or "cc")
        cc += [f"-D{define}" for define in args.python_define]
        if target == "macos" and os.environ.get("ARCHFLAGS"):
            # cibuildwheel's x86_64 builds on an arm64 Mac (and universal2) say so only here.
            cc += shlex.split(os.environ["ARCHFLAGS"])
        out = args.output.resolve()
        if target in ("linux", "macos"):
            plugin, commands = unix_build(cc, target, HERE, sdk_dir, python, out, meta["plugin_version"],
                                          max(1, args.jobs))
        elif target == "windows-mingw":
            plugin, commands = mingw_build(cc, HERE, sdk_dir, python, out, meta["plugin_version"], args.arch)
        else:
            plugin, commands = msvc_build(HERE, sdk_dir, python, out, meta["plugin_version"])
    except BuildFailure as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    shutil.copyfile(sdk_dir / "orthanc.pyi", out / "orthanc.pyi")
    digest = hashlib.sha256(plugin.read_bytes()).hexdigest()
    record = {"plugin": plugin.name, "sha256": digest, "sdk": sdk, "target": target, "python": python.tag,
              "checked_files": checked, "commands": commands}
    (out / "build.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"plugin: {plugin}\nsha256: {digest}\nsdk:    {sdk}\ntarget: {target} ({python.tag})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
