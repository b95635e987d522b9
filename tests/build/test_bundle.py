"""The source bundle: rendered once (the only step that needs libclang), compiled by its own
build_plugin.py for every target this machine can reach.

Every build runs the bundle's script with `python -S` (no site-packages: no libclang, Jinja2 or
PyYAML, and no `generator` package), from a copy of the bundle outside the checkout:
- Linux x86_64 with the host's gcc and Python, then loaded into a real Orthanc;
- Linux i686 inside the bookworm-i386 runtime, with its gcc and Python 3.11;
- Windows x64 and x86 with MinGW-w64, read back with pefile;
- macOS x86_64 and arm64 with `zig cc`, read back as Mach-O with lief.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build.bundle import BundleError, extract_bundle, make_bundle
from generator.build.matrix import load_matrix

pytestmark = pytest.mark.slow

ENTRY_POINTS = {"OrthancPluginInitialize", "OrthancPluginFinalize", "OrthancPluginGetName",
                "OrthancPluginGetVersion"}


def _headers_available() -> bool:
    return bool(os.environ.get("ORTHANC_SDK_HEADERS")) or Path("/usr/include/orthanc/OrthancCPlugin.h").is_file()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    if not _headers_available():
        pytest.skip("no SDK header source here: set ORTHANC_SDK_HEADERS or install orthanc-dev")
    return make_bundle([load_matrix().default_sdk], tmp_path_factory.mktemp("bundle"))


@pytest.fixture(scope="module")
def bundle_dir(bundle, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    return extract_bundle(bundle.path, tmp_path_factory.mktemp("extracted"))


def _build_script(root: Path, *args: str, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([python, "-S", str(root / "build_plugin.py"), *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def test_bundle_is_reproducible_and_complete(bundle, bundle_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    again = make_bundle(list(bundle.sdks), tmp_path)
    assert again.sha256 == bundle.sha256
    meta = json.loads((bundle_dir / "bundle.json").read_text())
    assert meta["sdks"] == list(bundle.sdks)
    sdk_dir = bundle_dir / "sdk" / bundle.sdks[0]
    for name in ("orthanc_generated.c", "orthanc_generated.h", "orthanc_sdk_features.h", "orthanc.pyi",
                 "OrthancCPlugin.h"):
        assert (sdk_dir / name).is_file(), name
    assert (bundle_dir / "runtime_loader" / "loader.c").is_file()
    listed = {line.split("  ", 1)[1] for line in (bundle_dir / "SHA256SUMS").read_text().splitlines()}
    on_disk = {p.relative_to(bundle_dir).as_posix() for p in bundle_dir.rglob("*") if p.is_file()}
    assert listed == on_disk - {"SHA256SUMS"}


def test_tampered_bundle_is_refused(bundle_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(bundle_dir, copy)
    source = copy / "runtime" / "plugin.c"
    source.write_bytes(source.read_bytes() + b"\n")
    done = _build_script(copy, "-o", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "runtime/plugin.c: sha256" in done.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_sdk_and_bad_bundle(bundle_dir: Path, tmp_path: Path) -> None:
    done = _build_script(bundle_dir, "--sdk", "0.0.1", "-o", str(tmp_path / "out"))
    assert done.returncode == 1 and "SDK 0.0.1 is not in this bundle" in done.stderr
    import tarfile

    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("top/../../escape")
        tar.addfile(info)
    with pytest.raises(BundleError, match="refusing member"):
        extract_bundle(evil, tmp_path / "x")


@pytest.mark.integration
@pytest.mark.parametrize("late_binding", [False, True], ids=["linked", "late-binding"])
def test_linux_host_build_runs_in_orthanc(bundle_dir: Path, tmp_path: Path, late_binding: bool) -> None:
    """Linked to this libpython, or (as in cibuildwheel's manylinux images) a loader + core pair."""
    import lief

    from tests.orthanc_server import OrthancServer

    done = _build_script(bundle_dir, "-o", str(tmp_path / "out"), *(["--late-binding"] if late_binding else []))
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "out" / "build.json").read_text())
    plugin = tmp_path / "out" / record["plugin"]
    needed = lief.ELF.parse(str(plugin)).libraries
    assert any(name.startswith("libpython") for name in needed) is not late_binding, needed
    assert (plugin.with_name(plugin.stem + "-core.so")).is_file() is late_binding
    assert record["target"] == "linux" and record["checked_files"] > 40
    assert (tmp_path / "out" / "orthanc.pyi").is_file()
    script = tmp_path / "script.py"
    script.write_text(
        "import orthanc, sys\n"
        "def answer(output, uri, **request):\n"
        "    output.AnswerBuffer('bundle %d.%d' % sys.version_info[:2], 'text/plain')\n"
        "orthanc.RegisterRestCallback('/bundle', answer)\n")
    with OrthancServer(workdir=tmp_path / "orthanc", plugin=plugin, script=script) as server:
        expected = "bundle {}.{}".format(*sys.version_info[:2])
        assert server.get("/bundle").text == expected


@pytest.mark.chroot
def test_linux_i686_build_in_bookworm_i386(bundle_dir: Path, tmp_path: Path) -> None:
    import lief

    from generator.build import chroot
    from generator.build.availability import Unavailable

    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    try:
        runtime = chroot.get_runtime("bookworm-i386")
        runtime.info()
    except Unavailable as error:
        pytest.skip(f"bookworm-i386 runtime: {error}")
    with runtime.scratch(prefix="bundle-test-") as (inside, host), runtime.mounted():
        shutil.copytree(bundle_dir, host / "bundle")
        command = runtime.command(["python3", "-S", f"{inside}/bundle/build_plugin.py", "-o", f"{inside}/out"],
                                  cwd=f"{inside}/bundle")
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        plugin = next((host / "out").glob("libOrthancPython-cp*.so"))
        shutil.copyfile(plugin, tmp_path / plugin.name)
    elf = lief.ELF.parse(str(tmp_path / plugin.name))
    assert elf.header.identity_class == lief.ELF.Header.CLASS.ELF32
    assert elf.header.machine_type == lief.ELF.ARCH.I386
    assert any(name.startswith("libpython3.") for name in elf.libraries)
    exported = {symbol.name for symbol in elf.exported_symbols}
    assert exported >= ENTRY_POINTS
    assert not {name for name in exported if name.startswith("OrthancPy")}  # -fvisibility=hidden


@pytest.mark.parametrize("arch", ["win_amd64", "win32"])
def test_windows_mingw_build(bundle_dir: Path, tmp_path: Path, arch: str) -> None:
    import pefile

    from generator.build.availability import Unavailable
    from generator.build.mingw_toolchain import find_toolchain, write_ucrt_specs
    from generator.build.pe_info import is_system_dll
    from generator.build.windows_python import prepare_windows_python

    try:
        toolchain = find_toolchain(arch)
        python = prepare_windows_python("3.11", arch)
    except Unavailable as error:
        pytest.skip(f"MinGW cell {arch}: {error.reason}")
    specs = write_ucrt_specs(toolchain, tmp_path / "ucrt.specs")
    done = _build_script(bundle_dir, "--target", "windows-mingw", "--arch", arch,
                         "--cc", f"{toolchain.gcc} -specs={specs}", "--python-version", "3.11",
                         *(f"--python-include={d}" for d in python.include_dirs),
                         *(f"--python-define={d}" for d in python.defines),
                         "--python-lib", str(python.import_lib), "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    dll = tmp_path / "out" / f"OrthancPython-cp311-{arch}.dll"
    pe = pefile.PE(str(dll))
    assert pe.FILE_HEADER.IMAGE_FILE_DLL
    machine = pefile.MACHINE_TYPE["IMAGE_FILE_MACHINE_AMD64" if arch == "win_amd64" else "IMAGE_FILE_MACHINE_I386"]
    assert pe.FILE_HEADER.Machine == machine
    exports = {symbol.name.decode() for symbol in pe.DIRECTORY_ENTRY_EXPORT.symbols}
    assert exports == ENTRY_POINTS
    imports = {entry.dll.decode() for entry in pe.DIRECTORY_ENTRY_IMPORT}
    assert "python311.dll" in imports
    assert all(is_system_dll(name) for name in imports - {"python311.dll"}), imports


@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_macos_zig_build(bundle_dir: Path, tmp_path: Path, arch: str) -> None:
    from generator.build.macos import check_zig, read_macho, write_libpython_tbd, zig_cc
    from generator.build.python_info import query_python

    reason = check_zig()
    if reason:
        pytest.skip(reason)
    info = query_python(sys.executable)
    if not info.shared:
        pytest.skip(f"{sys.executable} has no shared libpython to take the export list from")
    stub = write_libpython_tbd(info, tmp_path / "libpython.tbd")
    version = f"{info.version_info[0]}.{info.version_info[1]}"
    done = _build_script(bundle_dir, "--target", "macos", "--cc", " ".join(zig_cc(arch)),
                         "--python-version", version,
                         *(f"--python-include={d}" for d in info.include_dirs),
                         "--python-lib", str(stub), "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    macho = read_macho(tmp_path / "out" / f"libOrthancPython-{info.tag}.dylib")
    assert macho.cpu == {"x86_64": "X86_64", "arm64": "ARM64"}[arch]
    assert macho.filetype == "DYLIB"
    assert macho.install_name == f"@rpath/libOrthancPython-{info.tag}.dylib"
    libpython = f"@rpath/libpython{version}.dylib"
    assert libpython in macho.libraries
    assert f"/Library/Frameworks/Python.framework/Versions/{version}/lib" in macho.rpaths
    # Our code exports the Orthanc entry points only; zig's linker adds its own header symbols.
    ours = {name for name in macho.exports if not name.startswith("_") and name != "mh_dylib_header"}
    assert ours == ENTRY_POINTS
    # Two-level namespace: every Python symbol the plugin uses is bound to libpython itself.
    assert macho.two_level
    python_symbols = {name: library for name, library in macho.undefined.items() if name.startswith(("Py", "_Py"))}
    assert "Py_InitializeFromConfig" in python_symbols or "Py_Initialize" in python_symbols
    assert set(python_symbols.values()) == {libpython}


def test_wheel_package_compiles_the_bundle(bundle_dir: Path, tmp_path: Path) -> None:
    """What the cibuildwheel jobs do: wheel/setup.py with ORTHANC_PYTHON_BUNDLE, no generator involved."""
    import zipfile

    from generator.paths import REPO_ROOT

    source = tmp_path / "src"
    shutil.copytree(REPO_ROOT / "wheel", source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ORTHANC_PYTHON_PLUGIN_DIR")}
    env.update({"ORTHANC_PYTHON_BUNDLE": str(bundle_dir), "PIP_NO_INDEX": "1",
                "ORTHANC_PYTHON_REPO": str(tmp_path / "no-repository-here")})
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "wheel", "--no-deps",
                           "--no-build-isolation", "-w", str(tmp_path / "out"), str(source)],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    [wheel] = (tmp_path / "out").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    tag = "cp{}{}".format(*sys.version_info[:2])
    assert f"orthanc_python_plugin/_plugin/libOrthancPython-{tag}.so" in names
    assert "orthanc_python_plugin/_plugin/orthanc.pyi" in names


def test_generator_build_path_of_macos_and_windows(tmp_path: Path) -> None:
    """`python -m generator build` on macOS and Windows hands the rendered sources to the bundle's
    script (host.py); here the same function runs with Linux as its native target."""
    if not _headers_available():
        pytest.skip("no SDK header source here: set ORTHANC_SDK_HEADERS or install orthanc-dev")
    from generator.build.bundle import build_with_bundle_script
    from generator.build.pipeline import generate

    generated = generate(load_matrix().default_sdk, tmp_path / "work")
    built = build_with_bundle_script(generated, sys.executable, tmp_path / "out")
    tag = "cp{}{}".format(*sys.version_info[:2])
    assert built.plugin == tmp_path / "out" / f"libOrthancPython-{tag}.so"
    assert built.plugin.read_bytes()[:4] == b"\x7fELF"
    assert built.record["python"] == tag and built.record["sdk"] == generated.header.version
    assert built.record["checked_files"] > 40  # the laid-out bundle is checksummed like a real one
    assert (tmp_path / "out" / "orthanc.pyi").read_bytes() == (generated.sources / "orthanc.pyi").read_bytes()
