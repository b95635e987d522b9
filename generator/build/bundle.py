"""Source bundles: the rendered plugin sources of some SDK releases, ready to compile anywhere.

Rendering needs libclang (parse) and Jinja2; compiling needs neither.  `make_bundle` renders each
SDK release once and packs, into one reproducible tarball:

    orthanc-python-plugin-<version>/
      build_plugin.py        the build script (bundle_builder.py: standard library only)
      bundle.json            plugin version, SDK releases, default SDK
      SHA256SUMS             every other file's checksum, checked by build_plugin.py first
      runtime/*.c *.h        the hand-written runtime
      runtime_loader/*.c     the late-binding loader (Linux Pythons without a shared libpython)
      sdk/<release>/         orthanc_generated.{c,h}, orthanc_sdk_features.h, orthanc.pyi and the
                             verified OrthancCPlugin.h of that release

so that a compile job on any runner (any OS, any architecture, 32-bit included) runs
`python build_plugin.py --sdk RELEASE` with the target Python and a C compiler.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.paths import LOADER_DIR, RUNTIME_DIR

from .compile import PLUGIN_VERSION

if TYPE_CHECKING:
    from .pipeline import Generated

SCRIPT = Path(__file__).with_name("bundle_builder.py")
RENDERED = ("orthanc_generated.c", "orthanc_generated.h", "orthanc_sdk_features.h", "orthanc.pyi", "OrthancCPlugin.h")


class BundleError(RuntimeError):
    """A bundle that cannot be made or read; the message is for the user."""


@dataclass(frozen=True)
class Bundle:
    path: Path  # the tarball
    top: str  # its single top folder
    sdks: tuple[str, ...]
    sha256: str


def bundle_name(plugin_version: str = PLUGIN_VERSION) -> str:
    return f"orthanc-python-plugin-{plugin_version}"


def _collect(sdks: Sequence[str], work: Path, *, plugin_version: str) -> dict[str, bytes]:
    """Bundle-relative path -> content, for everything but SHA256SUMS."""
    from .pipeline import generate

    return bundle_files([generate(sdk, work / sdk) for sdk in sdks], plugin_version=plugin_version)


def bundle_files(generated: Sequence[Generated], *, plugin_version: str = PLUGIN_VERSION) -> dict[str, bytes]:
    """The files of a bundle of already rendered releases (the first is the default), but SHA256SUMS."""
    files: dict[str, bytes] = {}
    resolved: list[str] = []
    for one in generated:
        release = one.header.version
        resolved.append(release)
        for name in RENDERED:
            files[f"sdk/{release}/{name}"] = (one.sources / name).read_bytes()
    for path in sorted(RUNTIME_DIR.iterdir()):
        if path.suffix in (".c", ".h"):
            files[f"runtime/{path.name}"] = path.read_bytes()
    for path in sorted(LOADER_DIR.glob("*.c")):
        files[f"runtime_loader/{path.name}"] = path.read_bytes()
    files["build_plugin.py"] = SCRIPT.read_bytes()
    meta = {"plugin_version": plugin_version, "sdks": resolved, "default_sdk": resolved[0], "layout": 1}
    files["bundle.json"] = (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode()
    return files


@dataclass(frozen=True)
class ScriptBuild:
    plugin: Path
    record: dict[str, Any]  # build.json of the script


def build_with_bundle_script(generated: Generated, python: str, out_dir: Path) -> ScriptBuild:
    """Compile rendered sources with the bundle's build script run by `python`: the native path of
    `python -m generator build` on macOS (Apple clang) and Windows (MSVC), where compile.py (Linux
    only) does not apply.  The bundle is laid out unpacked in a temporary folder."""
    files = bundle_files([generated])
    files["SHA256SUMS"] = checksums(files)
    with tempfile.TemporaryDirectory(prefix="orthanc-python-bundle-") as work:
        root = Path(work)
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        done = subprocess.run([python, str(root / "build_plugin.py"), "-o", str(out_dir.resolve())],
                              cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BundleError(f"build_plugin.py failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    record = json.loads((out_dir / "build.json").read_text(encoding="utf-8"))
    return ScriptBuild(plugin=out_dir / record["plugin"], record=record)


def checksums(files: dict[str, bytes]) -> bytes:
    """sha256sum's format, sorted by path: `sha256sum -c SHA256SUMS` checks a bundle too."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())).encode()


def _tarball(top: str, files: dict[str, bytes]) -> bytes:
    """A tar.gz whose bytes depend on the contents only (no times, owners or order)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        folders = sorted({"/".join(name.split("/")[:i]) for name in files for i in range(1, name.count("/") + 1)})
        for folder in ["", *folders]:
            info = tarfile.TarInfo(f"{top}/{folder}".rstrip("/"))
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(info)
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size, info.mtime = len(data), 0
            info.mode = 0o755 if name == "build_plugin.py" else 0o644
            tar.addfile(info, io.BytesIO(data))
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0) as stream:
        stream.write(raw.getvalue())
    return packed.getvalue()


def make_bundle(sdks: Sequence[str], output_dir: Path, *, plugin_version: str = PLUGIN_VERSION) -> Bundle:
    """Render `sdks` (releases, or "system") and write the bundle tarball into `output_dir`."""
    if not sdks:
        raise BundleError("no SDK release given")
    top = bundle_name(plugin_version)
    with tempfile.TemporaryDirectory(prefix="orthanc-python-bundle-") as work:
        files = _collect(list(dict.fromkeys(sdks)), Path(work), plugin_version=plugin_version)
    files["SHA256SUMS"] = checksums(files)
    data = _tarball(top, files)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / f"{top}.tar.gz"
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
    meta = json.loads(files["bundle.json"])
    return Bundle(path=path, top=top, sdks=tuple(meta["sdks"]), sha256=hashlib.sha256(data).hexdigest())


def extract_bundle(tarball: Path, destination: Path) -> Path:
    """Unpack a bundle (regular files and folders below its one top folder only); returns that folder."""
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as tar:
        members = tar.getmembers()
        tops = {member.name.split("/", 1)[0] for member in members}
        if len(tops) != 1:
            raise BundleError(f"{tarball}: expected one top folder, found {sorted(tops)}")
        for member in members:
            parts = member.name.split("/")
            if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
                raise BundleError(f"{tarball}: refusing member {member.name!r}")
        for member in members:
            target = destination / member.name
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                with source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
                target.chmod(member.mode & 0o755)
    return destination / tops.pop()
