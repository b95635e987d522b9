"""generator/build/compile.py: what it links against, what it exports, and that it is reproducible."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build.compile import RUNTIME_DIR, CompileError, CompileResult, compile_plugin
from generator.build.python_info import query_python
from generator.build.state import find_interpreter

pytestmark = pytest.mark.integration

PYTHON = "python3.11"  # a name on PATH, as users pass it


@pytest.fixture(scope="module")
def built(build_plugin: Callable[[str], CompileResult]) -> CompileResult:
    found = find_interpreter("3.11")
    if found is None:
        pytest.skip("no working python3.11")
    return build_plugin(found[0])


def elf_tool(*args: str) -> str:
    if shutil.which(args[0]) is None:
        pytest.skip(f"{args[0]} (binutils) not installed")
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


def test_result_describes_the_build(built: CompileResult) -> None:
    info = query_python(PYTHON)
    assert built.path.name == f"libOrthancPython-{info.tag}.so"
    assert built.python_version == info.version and built.python_tag == info.tag
    assert {"-std=c11", "-Wall", "-Wextra", "-Werror"} <= set(built.cflags)
    assert built.compiler
    assert len(built.sha256) == 64


def test_links_the_target_libpython_with_an_rpath(built: CompileResult) -> None:
    info = query_python(PYTHON)
    dynamic = elf_tool("readelf", "-d", str(built.path))
    assert f"[{info.soname}]" in dynamic
    assert info.libdir in dynamic  # RUNPATH / RPATH
    assert f"[{built.path.name}]" in dynamic  # SONAME


def test_exports_only_the_plugin_entry_points(built: CompileResult) -> None:
    symbols = elf_tool("nm", "-D", "--defined-only", str(built.path))
    exported = {line.split()[-1] for line in symbols.splitlines() if line.split()[1:2] == ["T"]}
    assert exported == {"OrthancPluginInitialize", "OrthancPluginFinalize", "OrthancPluginGetName",
                        "OrthancPluginGetVersion"}


def test_build_is_reproducible(built: CompileResult, generated_dir: Path, sdk_include_dir: Path,
                               tmp_path: Path) -> None:
    again = compile_plugin(generated_dir, sdk_include_dir, PYTHON, tmp_path / "again")
    assert again.path != built.path
    assert again.sha256 == built.sha256
    assert again.path.read_bytes() == built.path.read_bytes()


def test_unknown_interpreter_is_a_compile_error(generated_dir: Path, sdk_include_dir: Path,
                                                 tmp_path: Path) -> None:
    with pytest.raises(CompileError, match="not found or not working"):
        compile_plugin(generated_dir, sdk_include_dir, "python-does-not-exist", tmp_path)


def test_missing_sdk_header_is_a_compile_error(generated_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(CompileError, match="no OrthancCPlugin.h"):
        compile_plugin(generated_dir, tmp_path, PYTHON, tmp_path / "out")


def test_warnings_are_errors(sdk_include_dir: Path, generated_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "generated"
    shutil.copytree(generated_dir, broken)
    with (broken / "orthanc_generated.c").open("a") as source:
        source.write("\nint unused_variable_warns(void);\nint unused_variable_warns(void) { int x; return 0; }\n")
    headers_only = tmp_path / "runtime"  # the runtime's headers, without its sources: a quicker build
    headers_only.mkdir()
    for header in RUNTIME_DIR.glob("*.h"):
        shutil.copy(header, headers_only)
    with pytest.raises(CompileError, match=r"orthanc_generated\.c(.|\n)*unused variable"):
        compile_plugin(broken, sdk_include_dir, PYTHON, tmp_path / "out", runtime_dir=headers_only)
