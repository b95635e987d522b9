"""The pieces of the Windows build layer, each on inputs small enough to reason about."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest

from generator.build import windows_python
from generator.build.availability import Unavailable
from generator.build.cpython_source import unpack_windows_files
from generator.build.debian_sources import AptSourcesConfig, PrivateApt, _apt_error
from generator.build.def_file import def_text
from generator.build.mingw_toolchain import MingwToolchain, find_toolchain
from generator.build.python_exports import Exports, scan_header_exports, stable_abi_exports
from generator.build.windows_arch import cell_name, parse_cell, python_dll_name, windows_arch


def _toolchain(arch: str) -> MingwToolchain:
    try:
        return find_toolchain(arch)
    except Unavailable as error:
        pytest.skip(error.reason)


# ------------------------------------------------------------------------------ naming


def test_cell_names_follow_cibuildwheel() -> None:
    assert cell_name("3.11", "win_amd64") == "cp311-win_amd64"
    assert cell_name("3.9", "x86") == "cp39-win32"
    assert cell_name("3.14", "x64") == "cp314-win_amd64"
    assert python_dll_name("3.13") == "python313.dll"
    version, arch = parse_cell("cp312-win32")
    assert (version, arch.triplet) == ("3.12", "i686-w64-mingw32")


@pytest.mark.parametrize("bad", ["cp311-manylinux_x86_64", "pp310-win32", "cp3-win32", "win32"])
def test_non_windows_cells_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Windows cell"):
        parse_cell(bad)


def test_unknown_architecture_and_bad_version_are_errors() -> None:
    with pytest.raises(ValueError, match="unknown Windows architecture"):
        windows_arch("arm64")
    with pytest.raises(ValueError, match="X.Y"):
        cell_name("3.11.2", "win32")


# ------------------------------------------------------------------------------ .def files


def test_def_file_is_sorted_and_marks_data() -> None:
    text = def_text(
        "python311.dll", ["Py_Initialize", "PyArg_ParseTuple"], ["PyExc_TypeError"], "made by a test"
    )
    assert text.splitlines() == [
        "; made by a test",
        'LIBRARY "python311.dll"',
        "EXPORTS",
        "    PyArg_ParseTuple",
        "    PyExc_TypeError DATA",
        "    Py_Initialize",
    ]


def test_def_file_rejects_ambiguous_or_malformed_names() -> None:
    with pytest.raises(ValueError, match="both function and data"):
        def_text("x.dll", ["A"], ["A"])
    with pytest.raises(ValueError, match="not a C identifier"):
        def_text("x.dll", ["A B"])


# ------------------------------------------------------------------------------ export lists


def test_stable_abi_list_from_python3dll_c(tmp_path: Path) -> None:
    source = tmp_path / "python3dll.c"
    source.write_text(
        "#define EXPORT_FUNC(name) ...\n"
        "EXPORT_FUNC(PyArg_Parse)\nEXPORT_FUNC(Py_Initialize)\n"
        "EXPORT_DATA(PyExc_TypeError)\nEXPORT_DATA(_Py_NoneStruct)\n"
    )
    exports = stable_abi_exports(source)
    assert exports.functions == {"PyArg_Parse", "Py_Initialize"}
    assert exports.data == {"PyExc_TypeError", "_Py_NoneStruct"}


def test_stable_abi_list_from_python3_def(tmp_path: Path) -> None:
    source = tmp_path / "python3.def"
    source.write_text(
        'LIBRARY\t"python3"\nEXPORTS\n'
        "  PyArg_Parse=python39.PyArg_Parse\n  PyBool_Type=python39.PyBool_Type DATA\n"
    )
    exports = stable_abi_exports(source)
    assert exports == Exports(frozenset({"PyArg_Parse"}), frozenset({"PyBool_Type"}))


def test_merging_export_lists_lets_data_win() -> None:
    # 3.9's python3.def forgets DATA on Py_GenericAliasType; its header says data.
    merged = Exports(frozenset({"Py_GenericAliasType", "f"}), frozenset()) | Exports(
        frozenset({"g"}), frozenset({"Py_GenericAliasType"})
    )
    assert merged.functions == {"f", "g"}
    assert merged.data == {"Py_GenericAliasType"}


FAKE_PYTHON_H = """\
#include <windows.h>
#define PyAPI_FUNC(RTYPE) __declspec(dllimport) RTYPE
#define PyAPI_DATA(RTYPE) extern __declspec(dllimport) RTYPE
typedef struct _object PyObject;
PyAPI_FUNC(PyObject *) PyLong_FromLong(long);
PyAPI_FUNC(void) __attribute__((__noreturn__)) Py_FatalError(const char *message);
PyAPI_DATA(PyObject *) PyExc_TypeError;
PyAPI_DATA(const unsigned int) _Py_ctype_table[256];
PyAPI_DATA(int) (*PyOS_InputHook)(void);
PyAPI_DATA(char) *(*PyOS_ReadlineFunctionPointer)(FILE *, FILE *, const char *);
PyAPI_DATA(int) _PyEval_SetProfile(PyObject *tstate);
PyAPI_FUNC(int)
Py_Split(
    int a,
    int b);
#ifdef Py_DEBUG
PyAPI_FUNC(void) _Py_OnlyInDebugBuilds(void);
#endif
#ifdef MS_WINDOWS_ONLY_FLAG
PyAPI_FUNC(void) PyWin_Only(void);
#endif
"""


def test_header_scan_reads_each_declarator_form_and_resolves_conditions(tmp_path: Path) -> None:
    toolchain = _toolchain("win_amd64")
    (tmp_path / "Python.h").write_text(FAKE_PYTHON_H)
    (tmp_path / "marshal.h").write_text("PyAPI_FUNC(long) PyMarshal_ReadLong(void *);\n")
    exports = scan_header_exports(toolchain.gcc, tmp_path, ["MS_WINDOWS_ONLY_FLAG"])
    assert exports.functions == {
        "PyLong_FromLong",
        "Py_FatalError",
        "Py_Split",
        "_PyEval_SetProfile",  # declared with PyAPI_DATA, but it is a function
        "PyWin_Only",
        "PyMarshal_ReadLong",  # a public header Python.h does not include
    }
    assert exports.data == {
        "PyExc_TypeError",
        "_Py_ctype_table",
        "PyOS_InputHook",
        "PyOS_ReadlineFunctionPointer",
    }
    # windows.h declares hundreds of dllimport functions; none of them is Python's.
    assert "GetProcAddress" not in exports.functions


# ------------------------------------------------------------------------------ source tarball


def _tarball(path: Path, files: dict[str, str]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_unpack_keeps_only_what_windows_builds_need(tmp_path: Path) -> None:
    tarball = _tarball(
        tmp_path / "python3.99_3.99.0.orig.tar.gz",
        {
            "Python-3.99.0/Include/Python.h": "/* public */\n",
            "Python-3.99.0/Include/cpython/object.h": "/* public too */\n",
            "Python-3.99.0/Include/internal/pycore_x.h": "/* core only */\n",
            "Python-3.99.0/PC/pyconfig.h.in": "#define MS_WIN32\n/* #define Py_GIL_DISABLED 1 */\n",
            "Python-3.99.0/PC/python3dll.c": "EXPORT_FUNC(Py_Initialize)\n",
            "Python-3.99.0/PC/launcher.c": "int main(void) { return 0; }\n",
            "Python-3.99.0/Lib/os.py": "",
        },
    )
    dest = tmp_path / "src"
    files = unpack_windows_files(tarball, dest)
    assert files.include_dir == dest / "include"
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == [
        "include/Python.h",
        "include/cpython/object.h",
        "include/pyconfig.h",
        "pc/python3dll.c",
    ]
    assert "MS_WIN32" in (dest / "include" / "pyconfig.h").read_text()
    # Unpacking again replaces the result rather than mixing two unpackings.
    (dest / "include" / "stale.h").write_text("")
    unpack_windows_files(tarball, dest)
    assert not (dest / "include" / "stale.h").exists()


def test_unpack_refuses_a_pyconfig_template_with_placeholders(tmp_path: Path) -> None:
    tarball = _tarball(
        tmp_path / "t.tar.gz",
        {
            "Python-3.99.0/Include/Python.h": "",
            "Python-3.99.0/PC/pyconfig.h.in": "#define PY_VERSION @PYVERSION@\n",
            "Python-3.99.0/PC/python3dll.c": "",
        },
    )
    with pytest.raises(ValueError, match="placeholders"):
        unpack_windows_files(tarball, tmp_path / "src")
    assert not (tmp_path / "src").exists()


# ------------------------------------------------------------------------------ apt and config


def test_apt_sources_lift_the_validity_check_only_where_configured(tmp_path: Path) -> None:
    config = AptSourcesConfig("http://deb.example/debian", "/k.gpg", ("trixie", "sid"), frozenset({"sid"}), 1)
    text = PrivateApt(tmp_path, config)._sources_text()
    trixie, sid = text.split("\n\n")[1:3]
    assert "Types: deb-src" in trixie and "Check-Valid-Until" not in trixie
    assert "Suites: sid" in sid and "Check-Valid-Until: no" in sid


def test_apt_errors_are_shortened_for_the_matrix() -> None:
    done = subprocess.CompletedProcess(
        [],
        100,
        "",
        "E: Failed to fetch http://deb.debian.org/debian/pool/main/p/python3.14/python3.14_3.14.10-1.dsc"
        "  404  Not Found [IP: 192.0.2.1 80]\nE: Failed to fetch some archives.\n",
    )
    assert _apt_error(done, "x") == "404 Not Found for python3.14_3.14.10-1.dsc"


def test_every_matrix_python_has_an_entry_in_the_yaml() -> None:
    config = windows_python._load_config()
    for minor in range(8, 15):
        version = f"3.{minor}"
        assert version in config.suites, version
        assert config.suites[version] or config.notes.get(version), f"{version}: no suites and no note"


def test_a_version_without_suites_is_unavailable_without_touching_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _toolchain("win32")
    monkeypatch.setenv("ORTHANC_PYTHON_CACHE", str(tmp_path))
    with pytest.raises(Unavailable, match="no CPython 3.10 source: no Debian release shipped python3.10"):
        windows_python.prepare_windows_python("3.10", "win32")
    assert not (tmp_path / "cpython-src" / "apt").exists()
