"""The orthanc-stubs distribution: built per SDK release, installed into a fresh venv, found by mypy
with no MYPYPATH; annotated scripts using every callback kind pass `mypy --strict`, real mistakes
are reported; docstrings speak Python."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import pytest

from tests.mock.models import sdk_model

pytestmark = pytest.mark.slow

SCRIPTS = Path(__file__).resolve().parent / "scripts"


def _stubs_text(sdk: str) -> str:
    from generator.mock.stubs import render_stubs
    from generator.plan.plan import build_plan

    return render_stubs(build_plan(sdk_model(sdk)))["orthanc-stubs/__init__.pyi"]


@pytest.fixture(scope="module")
def stub_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interpreter of a fresh venv where only the orthanc-stubs wheel (SDK 1.10.1) is installed."""
    pytest.importorskip("mypy", reason="mypy checks the scripts")
    sdk_model("1.10.1")  # skips when the header is not there
    root = tmp_path_factory.mktemp("stubs")
    done = subprocess.run([sys.executable, "-m", "generator", "stubs", "--sdk", "1.10.1", "-o", str(root / "src")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(root / "out"), str(root / "src")],
                   check=True, capture_output=True, timeout=300)
    [wheel] = (root / "out").glob("orthanc_stubs-1.10.1-*.whl")
    venv.create(root / "venv", with_pip=True)
    python = root / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return python


def mypy(python: Path, script: Path) -> subprocess.CompletedProcess[str]:
    """mypy --strict on a copy of script, in a folder of its own: no configuration file of this repository
    applies (it has ignore_missing_imports), no MYPYPATH, nothing but python's site-packages."""
    folder = Path(tempfile.mkdtemp(prefix="mypy-"))
    shutil.copy(script, folder / script.name)
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-executable",
                           str(python), script.name], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)


def test_annotated_callbacks_of_every_kind_pass_mypy_strict(stub_python: Path) -> None:
    done = mypy(stub_python, SCRIPTS / "typed_callbacks.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_real_mistakes_are_reported_on_their_lines(stub_python: Path) -> None:
    script = SCRIPTS / "typed_mistakes.py"
    expected = {n for n, line in enumerate(script.read_text().splitlines(), 1) if line.endswith("# error")}
    done = mypy(stub_python, script)
    reported = {int(m) for m in re.findall(r"^typed_mistakes\.py:(\d+): error:", done.stdout, re.MULTILINE)}
    assert reported == expected, done.stdout


def test_without_the_stubs_mypy_does_not_find_orthanc(tmp_path: Path) -> None:
    """The check above relies on the installed distribution, not on something else on the path."""
    pytest.importorskip("mypy")
    venv.create(tmp_path / "bare", with_pip=False)
    done = mypy(tmp_path / "bare" / "bin" / "python", SCRIPTS / "typed_callbacks.py")
    assert done.returncode == 1 and 'Cannot find implementation or library stub for module named "orthanc"' \
        in done.stdout, done.stdout


@pytest.mark.parametrize("sdk", ["1.10.1", "1.12.10"])
def test_docstrings_name_python_not_c(sdk: str) -> None:
    tree = ast.parse(_stubs_text(sdk))
    documented = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            doc = ast.get_docstring(node) or ""
            assert "OrthancPlugin" not in doc and "NULL" not in doc, f"{node.name}: {doc}"
            documented += "Args:\n" in doc or "Returns:\n" in doc
    assert documented > 100


def test_enums_are_int_classes_and_parameters_use_them() -> None:
    tree = ast.parse(_stubs_text("1.10.1"))
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    change_type = classes["ChangeType"]
    assert [ast.unparse(b) for b in change_type.bases] == ["int"]
    members = [n for n in change_type.body if isinstance(n, ast.AnnAssign)]
    assert members and all(ast.unparse(m.annotation) == "ClassVar[ChangeType]" for m in members)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert ast.unparse(functions["CreateImage"].args.args[0].annotation) == "PixelFormat"
    # Bit sets stay int: DicomToJsonFlags.A | DicomToJsonFlags.B is an int.
    assert ast.unparse(functions["DicomBufferToJson"].args.args[2].annotation) == "int"


def test_deprecated_functions_are_marked() -> None:
    tree = ast.parse(_stubs_text("1.12.10"))
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    [decorator] = functions["SetRootUri"].decorator_list
    assert isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "deprecated"
    assert "orthanc.SetRootUri2()" in ast.literal_eval(decorator.args[0])
    assert not functions["RestApiGet"].decorator_list


def pyright(python: Path, script: Path) -> subprocess.CompletedProcess[str]:
    folder = Path(tempfile.mkdtemp(prefix="pyright-"))
    shutil.copy(script, folder / script.name)
    (folder / "pyrightconfig.json").write_text('{"typeCheckingMode": "strict"}')
    return subprocess.run([PYRIGHT, "--pythonpath", str(python), script.name], cwd=folder, capture_output=True,
                          text=True, timeout=300)


PYRIGHT = shutil.which("pyright") or ""


@pytest.mark.skipif(not PYRIGHT, reason="pyright is not installed (pip install pyright; it runs on node)")
def test_pyright_strict_agrees(stub_python: Path) -> None:
    done = pyright(stub_python, SCRIPTS / "typed_callbacks.py")
    assert done.returncode == 0 and "0 errors" in done.stdout, done.stdout + done.stderr
    script = SCRIPTS / "typed_mistakes.py"
    expected = {n for n, line in enumerate(script.read_text().splitlines(), 1) if line.endswith("# error")}
    done = pyright(stub_python, script)
    reported = {int(m) for m in re.findall(r"typed_mistakes\.py:(\d+):\d+ - error", done.stdout)}
    assert reported == expected, done.stdout
