"""A wrong key or value in build_matrix.yaml is refused with its path in the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.build.matrix import DEFAULT_MATRIX, MatrixError, load_matrix

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: object) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return edit


def _delete(path: str) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        del node[int(last) if isinstance(node, list) else last]

    return edit


CASES: list[tuple[str, Edit, str]] = [
    (
        "unquoted 3.10",
        _set("axes/python/3", 3.1),
        r"axes\.python\[3\]: expected a non-empty string, got 3\.1 \(quote it",
    ),
    (
        "python 2",
        _set("axes/python/0", "2.7"),
        r"axes\.python\[0\]: expected a Python version 3\.N, got '2\.7'",
    ),
    ("python twice", _set("axes/python/1", "3.8"), r"axes\.python\[1\]: '3\.8' is listed twice"),
    ("unknown top key", _set("matrix", {}), r"build_matrix\.yaml: matrix: unknown key"),
    ("missing axes", _delete("axes"), r"build_matrix\.yaml: axes: missing"),
    ("schema", _set("schema_version", 2), r"schema_version: expected 1, got 2"),
    (
        "sdk unknown",
        _set("axes/sdk/default", "1.10.9"),
        r"axes\.sdk\.default: SDK 1\.10\.9 is not in sdk_headers/manifest",
    ),
    (
        "sdk not a version",
        _set("axes/sdk/default", "latest"),
        r"axes\.sdk\.default: 'latest' is not a version",
    ),
    ("unknown os", _set("axes/platforms/freebsd", {}), r"axes\.platforms\.freebsd: unknown key"),
    (
        "bad bits",
        _set("axes/platforms/linux/i686/bits", 31),
        r"axes\.platforms\.linux\.i686\.bits: expected 32 or 64",
    ),
    (
        "bad tag",
        _set("axes/platforms/windows/x86/tag", "Win 32"),
        r"axes\.platforms\.windows\.x86\.tag: 'Win 32' is not a",
    ),
    (
        "tag twice",
        _set("axes/platforms/macos/arm64/tag", "macosx_x86_64"),
        r"\.arm64\.tag: 'macosx_x86_64' is already",
    ),
    (
        "arch key",
        _delete("axes/platforms/linux/x86_64/cibuildwheel_arch"),
        r"x86_64\.cibuildwheel_arch: missing",
    ),
    (
        "bad method",
        _set("methods/0/method", "docker"),
        r"methods\[0\]\.method: 'docker' is not one of host, chroot",
    ),
    (
        "no runner",
        _delete("methods/0/runner"),
        r"methods\[0\]\.runner: missing \(method ci-runner needs it\)",
    ),
    (
        "stray key",
        _set("methods/6/runtime", "sid-amd64"),
        r"methods\[6\]\.runtime: only for method chroot, not host",
    ),
    (
        "bad runtime",
        _set("methods/3/runtime", "jessie-armel"),
        r"methods\[3\]\.runtime: 'jessie-armel' is not one of",
    ),
    (
        "match os",
        _set("methods/0/match", {"os": "darwin"}),
        r"methods\[0\]\.match\.os: 'darwin' is not in axes\.platforms",
    ),
    (
        "match list",
        _set("methods/0/match", {"python": ["3.9", "3.99"]}),
        r"match\.python\[1\]: '3\.99' is not in axes",
    ),
    (
        "match key",
        _set("methods/0/match", {"platform": "macos"}),
        r"methods\[0\]\.match\.platform: unknown key",
    ),
    ("empty match", _set("methods/0/match", {}), r"methods\[0\]\.match: empty"),
    ("no reason", _delete("exclude/0/reason"), r"exclude\[0\]\.reason: missing"),
    ("uncovered", _delete("methods/6"), r"methods: no rule matches cp38-manylinux_x86_64"),
    (
        "wrong runtime python",
        _set("methods/5/runtime", "trixie-amd64"),
        r"methods\[5\]: cell cp314-manylinux_x86_64 runs in runtime trixie-amd64, whose Python is 3\.13",
    ),
    (
        "wrong runtime arch",
        _set("methods/3/runtime", "trixie-amd64"),
        r"methods\[3\]: cell cp311-manylinux_i686 runs in runtime trixie-amd64",
    ),
    (
        "include sdk",
        _set("include/1/header", "manifest"),
        r"include\[1\]\.sdk: SDK 1\.13\.0 is not in sdk_headers",
    ),
    (
        "include header",
        _set("include/0/header", "vendor"),
        r"include\[0\]\.header: 'vendor' is not one of manifest, runtime",
    ),
    (
        "include platform",
        _set("include/0/arch", "i686"),
        r"include\[0\]: cell cp313-manylinux_i686 is linux i686, runtime trixie-amd64 is linux amd64",
    ),
    (
        "include arch",
        _set("include/0/arch", "arm64"),
        r"include\[0\]\.arch: linux arm64 is not in axes\.platforms",
    ),
    (
        "include twice",
        _set(
            "include/1",
            {"sdk": "1.12.7", "python": "3.13", "os": "linux", "arch": "x86_64", "method": "host"},
        ),
        r"include\[1\]: cell 1\.12\.7/cp313-manylinux_x86_64 is already made by include\[0\]",
    ),
    (
        "runtime header on host",
        _set("include/1/method", "host"),
        r"include\[1\]\.runtime: only for method chroot",
    ),
    (
        "exclude not a list",
        _set("exclude", {"python": "3.8"}),
        r"build_matrix\.yaml: exclude: expected a list, got dict",
    ),
]


@pytest.mark.parametrize(
    ("edit", "message"), [(e, m) for _, e, m in CASES], ids=[name for name, _, _ in CASES]
)
def test_bad_matrix_names_the_place(
    matrix_document: dict[str, Any], parse_matrix_document, edit: Edit, message: str
) -> None:
    edit(matrix_document)
    with pytest.raises(MatrixError, match=message) as caught:
        parse_matrix_document(matrix_document)
    assert str(caught.value).startswith("build_matrix.yaml: ")
    assert "\n" not in str(caught.value)


def test_unchanged_document_is_valid(matrix_document: dict[str, Any], parse_matrix_document) -> None:
    assert parse_matrix_document(matrix_document).default_sdk == "1.12.10"


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "build_matrix.yaml"
    broken.write_text("schema_version: 1\naxes:\n  python: [3.8\n", encoding="utf-8")
    with pytest.raises(MatrixError, match=r"build_matrix\.yaml:\d+: not valid YAML"):
        load_matrix(broken)


def test_missing_file() -> None:
    with pytest.raises(MatrixError, match="cannot read"):
        load_matrix(DEFAULT_MATRIX.with_name("no_such_matrix.yaml"))
