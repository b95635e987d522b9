"""CPython for Windows targets, prepared on Linux: headers and an import library per X.Y.

``prepare_windows_python("3.11", "win_amd64")`` gives what a MinGW-w64 build of the plugin needs
to embed ``python311.dll``:

1. the CPython source of that version, taken from Debian's ``python3.X`` source package (the
   suites to try are in ``windows_python.yaml``; see ``debian_sources.py``);
2. its ``Include/`` and ``PC/pyconfig.h`` (``cpython_source.py``), checked against the target's
   type sizes by compiling ``pyconfig_probe.c``;
3. the export list of ``pythonXY.dll`` (``python_exports.py``) written as a ``.def`` file and
   turned into ``libpythonXY.dll.a`` by dlltool (``import_lib.py``).

Everything is cached below ``cache_paths.cpython_cache()``:

    cpython-src/
      apt/                    private apt sources, indexes and caches
      downloads/              the source packages as apt verified them
      <X.Y>/source.json       which package/version/suite, sha256 of the upstream tarball
      <X.Y>/src/include/      Include/ + pyconfig.h         (one -I for both architectures)
      <X.Y>/src/pc/           python3dll.c or python3.def   (the stable-ABI export list)
      <X.Y>/<platform>/       pythonXY.def, libpythonXY.dll.a, import.json

Each step is skipped when its result is already there, and runs under a per-version lock, so
parallel builds of ``cp311-win32`` and ``cp311-win_amd64`` share one download.  A version whose
source cannot be had raises ``Unavailable`` with the reason (for the matrix's "skipped: ...").
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.build.availability import Unavailable
from generator.build.cache_paths import cpython_cache, locked
from generator.build.cpython_source import unpack_windows_files
from generator.build.debian_sources import AptSourcesConfig, PrivateApt, SourcePackage
from generator.build.def_file import write_def
from generator.build.import_lib import make_import_lib
from generator.build.mingw_toolchain import MingwToolchain, find_toolchain
from generator.build.python_exports import scan_header_exports, stable_abi_exports
from generator.build.windows_arch import python_dll_name, python_tag, windows_arch

CONFIG_FILE = Path(__file__).with_name("windows_python.yaml")
PROBE_FILE = Path(__file__).with_name("pyconfig_probe.c")
# Bumped when what is unpacked from a source / derived for an architecture changes: cache
# entries written with another number are made again.
SOURCE_LAYOUT = 1
IMPORT_LAYOUT = 2
# The plugin always builds with PY_SSIZE_T_CLEAN, which selects the *_SizeT argument parsers.
SCAN_DEFINES = ("PY_SSIZE_T_CLEAN",)


# Sources found unreachable in this process, so that the second architecture of a version (and
# every later test) does not ask apt again; a new process tries again.
_UNREACHABLE: dict[tuple[Path, str], str] = {}


@dataclass(frozen=True)
class WindowsPython:
    version: str  # "3.11"
    platform: str  # "win_amd64" / "win32"
    include_dirs: tuple[Path, ...]
    defines: tuple[str, ...]  # what this PC/pyconfig.h needs from GCC (MS_WIN64 before 3.12)
    import_lib: Path
    dll_name: str  # "python311.dll"
    source: str  # "python3.11 3.11.2-6+deb12u8 (bookworm)", for the build manifest


@dataclass(frozen=True)
class _Config:
    apt: AptSourcesConfig
    suites: dict[str, tuple[str, ...]]
    notes: dict[str, str]


def _load_config(path: Path = CONFIG_FILE) -> _Config:
    raw: dict[str, Any] = yaml.safe_load(path.read_text())
    versions: dict[str, Any] = raw["versions"]
    suites = {str(v): tuple(entry.get("suites") or ()) for v, entry in versions.items()}
    all_suites = tuple(dict.fromkeys(s for per_version in suites.values() for s in per_version))
    apt = AptSourcesConfig(
        mirror=raw["mirror"],
        keyring=raw["keyring"],
        suites=all_suites,
        no_valid_until=frozenset(raw.get("no_valid_until") or ()),
        lists_max_age_hours=float(raw["lists_max_age_hours"]),
    )
    notes = {str(v): entry["note"] for v, entry in versions.items() if entry.get("note")}
    return _Config(apt, suites, notes)


def prepare_windows_python(version: str, arch: str) -> WindowsPython:
    """Headers and import library for embedding Python `version` ("X.Y") in a DLL for `arch`
    ("win_amd64", "win32" or an alias).  Idempotent; raises Unavailable when it cannot be done."""
    target = windows_arch(arch)
    python_tag(version)  # validates X.Y
    toolchain = find_toolchain(target.platform)
    root = cpython_cache()
    if (root, version) in _UNREACHABLE:
        raise Unavailable(_UNREACHABLE[root, version])
    with locked(root / f"{version}.lock"):
        try:
            source = _source(version, root)
        except Unavailable as error:
            _UNREACHABLE[root, version] = error.reason
            raise
        include_dir = root / version / "src" / "include"
        import_lib, defines = _import_lib(version, toolchain, root)
    return WindowsPython(
        version=version,
        platform=target.platform,
        include_dirs=(include_dir,),
        defines=defines,
        import_lib=import_lib,
        dll_name=python_dll_name(version),
        source=f"{source['package']} {source['version']} ({source['suite']})",
    )


def cached_windows_python(version: str, arch: str) -> WindowsPython | None:
    """The prepared result if the cache already holds it (no network, no tools run), else None."""
    target = windows_arch(arch)
    root = cpython_cache()
    source = _read_json(root / version / "source.json", SOURCE_LAYOUT)
    stamp = _read_json(root / version / target.platform / "import.json", IMPORT_LAYOUT)
    if source is None or stamp is None:
        return None
    return WindowsPython(
        version=version,
        platform=target.platform,
        include_dirs=(root / version / "src" / "include",),
        defines=tuple(stamp["defines"]),
        import_lib=root / version / target.platform / f"libpython{python_tag(version)}.dll.a",
        dll_name=python_dll_name(version),
        source=f"{source['package']} {source['version']} ({source['suite']})",
    )


def _read_json(path: Path, layout: int) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if data.get("layout") == layout else None


def _write_json(path: Path, layout: int, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"layout": layout, **data}, indent=2, sort_keys=True) + "\n")
    partial.replace(path)


def _source(version: str, root: Path) -> dict[str, Any]:
    """source.json of `version`, downloading and unpacking the source first if needed."""
    marker = root / version / "source.json"
    known = _read_json(marker, SOURCE_LAYOUT)
    if known is not None:
        return known
    config = _load_config()
    suites = config.suites.get(version, ())
    if not suites:
        note = config.notes.get(version, f"no Debian suite listed for {version} in {CONFIG_FILE.name}")
        raise Unavailable(f"no CPython {version} source: {note}")
    package = PrivateApt(root / "apt", config.apt).download_source(
        f"python{version}", suites, root / "downloads"
    )
    tarball = package.orig_tarball
    unpack_windows_files(tarball, root / version / "src")
    data = _describe(package, tarball)
    _write_json(marker, SOURCE_LAYOUT, data)
    return data


def _describe(package: SourcePackage, tarball: Path) -> dict[str, Any]:
    return {
        "package": package.package,
        "version": package.version,
        "suite": package.suite,
        "tarball": tarball.name,
        "sha256": hashlib.sha256(tarball.read_bytes()).hexdigest(),
    }


def _import_lib(version: str, toolchain: MingwToolchain, root: Path) -> tuple[Path, tuple[str, ...]]:
    """The import library for `toolchain`'s architecture and the macros pyconfig.h needs there."""
    platform = toolchain.arch.platform
    folder = root / version / platform
    tag = python_tag(version)
    import_lib = folder / f"libpython{tag}.dll.a"
    stamp = _read_json(folder / "import.json", IMPORT_LAYOUT)
    if stamp is not None and import_lib.is_file():
        return import_lib, tuple(stamp["defines"])
    src = root / version / "src"
    include_dir = src / "include"
    defines = _pyconfig_defines(toolchain, include_dir)
    stable_list = next(p for p in sorted((src / "pc").iterdir()) if p.name.startswith("python3"))
    scanned = scan_header_exports(toolchain.gcc, include_dir, (*defines, *SCAN_DEFINES))
    exports = stable_abi_exports(stable_list) | scanned
    dll_name = python_dll_name(version)
    def_file = write_def(
        folder / f"python{tag}.def",
        dll_name,
        exports.functions,
        exports.data,
        comment=(
            f"Exports of {dll_name} as declared by CPython {version}'s public headers and "
            f"{stable_list.name}.\nWritten by generator/build/windows_python.py."
        ),
    )
    make_import_lib(toolchain, def_file, dll_name, import_lib)
    _write_json(
        folder / "import.json",
        IMPORT_LAYOUT,
        {
            "defines": list(defines),
            "functions": len(exports.functions),
            "data": len(exports.data),
            "toolchain": toolchain.version,
        },
    )
    return import_lib, defines


def _pyconfig_defines(toolchain: MingwToolchain, include_dir: Path) -> tuple[str, ...]:
    """No macros if pyconfig.h copes with MinGW by itself (3.12+ derives MS_WIN64 from
    __MINGW32__ and _WIN64), else the architecture's; whichever passes pyconfig_probe.c."""
    errors = []
    for defines in dict.fromkeys([(), toolchain.arch.python_defines]):
        done = subprocess.run(
            [
                str(toolchain.gcc),
                "-std=c11",
                "-fsyntax-only",
                "-Wall",
                "-Wextra",
                "-Werror",
                f"-I{include_dir}",
                *(f"-D{d}" for d in (*defines, *SCAN_DEFINES)),
                str(PROBE_FILE),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            return defines
        errors.append(f"with {list(defines)}:\n{done.stderr}")
    raise RuntimeError(
        f"{include_dir}/pyconfig.h does not describe {toolchain.arch.platform}:\n" + "\n".join(errors)
    )
