"""build_matrix.yaml: load, validate, expand into cells.

The file is the single source of truth for which binaries exist; this module turns it into typed
`Cell`s and nothing else (what this machine can do with a cell is generator/build/state.py's job,
building it is the registered builders').  Validation reports the first problem with its place in
the file, `build_matrix.yaml: axes.python[3]: ...`, and checks what the file refers to: SDK
releases against sdk_headers/manifest.yaml, runtimes against generator/build/runtimes.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..paths import DEFAULT_MATRIX
from ..sdk.manifest import Manifest, display_path, load_manifest
from ..sdk.version import Version
from . import chroot

SCHEMA_VERSION = 1

METHODS = ("host", "chroot", "mingw", "ci-runner")
# What each method needs besides `method` (and may not have otherwise).
METHOD_KEYS = {"host": set(), "chroot": {"runtime"}, "mingw": {"toolchain"}, "ci-runner": {"runner"}}
MATCH_KEYS = ("sdk", "python", "os", "arch")
HEADER_SOURCES = ("manifest", "runtime")

# Debian architecture names of a runtime -> our Linux arch names.
_DEBIAN_ARCH = {"amd64": "x86_64", "i386": "i686"}
_PYTHON_RE = re.compile(r"^3\.(\d+)$")
_TAG_RE = re.compile(r"^[a-z0-9_]+$")


class MatrixError(ValueError):
    """build_matrix.yaml is invalid; the message names the path of the bad key or value."""


@dataclass(frozen=True)
class Platform:
    os: str
    arch: str
    tag: str  # cibuildwheel's platform part: manylinux_x86_64, win32, macosx_arm64 ...
    cibuildwheel_arch: str
    bits: int


@dataclass(frozen=True)
class Cell:
    """One binary: SDK release x Python x platform, and how it is built on this machine."""

    sdk: str
    python: str  # "3.12"
    platform: Platform
    method: str  # one of METHODS
    runtime: str | None = None  # chroot
    toolchain: str | None = None  # mingw
    runner: str | None = None  # ci-runner
    header: str = "manifest"  # where the SDK header comes from: the manifest's sources or the runtime
    origin: str = ""  # the rule that made the cell: "axes", "include[1]"

    @property
    def os(self) -> str:
        return self.platform.os

    @property
    def arch(self) -> str:
        return self.platform.arch

    @property
    def id(self) -> str:
        """cibuildwheel's build identifier: cp312-manylinux_x86_64."""
        return f"cp{self.python.replace('.', '')}-{self.platform.tag}"

    @property
    def key(self) -> str:
        """Unique over SDK releases too, and the output folder under dist/: 1.10.1/cp312-manylinux_x86_64."""
        return f"{self.sdk}/{self.id}"

    def sort_key(self) -> tuple[Version, str, str, tuple[int, ...]]:
        return (Version.parse(self.sdk), self.os, self.arch, tuple(map(int, self.python.split("."))))


@dataclass(frozen=True)
class Rule:
    """An exclude or methods rule: `match` values per key (absent key: anything)."""

    where: str
    match: Mapping[str, tuple[str, ...]]
    settings: Mapping[str, str] = field(default_factory=dict)

    def matches(self, values: Mapping[str, str]) -> bool:
        return all(values[key] in allowed for key, allowed in self.match.items())


@dataclass(frozen=True)
class Matrix:
    path: Path
    default_sdk: str
    pythons: tuple[str, ...]
    platforms: tuple[Platform, ...]
    cibuildwheel_unsupported: tuple[str, ...]
    excludes: tuple[Rule, ...]
    methods: tuple[Rule, ...]
    includes: tuple[Cell, ...]
    manifest: Manifest

    def platform(self, os_name: str, arch: str) -> Platform | None:
        for platform in self.platforms:
            if (platform.os, platform.arch) == (os_name, arch):
                return platform
        return None

    def cells(self, sdks: Sequence[str] | None = None) -> list[Cell]:
        """Every cell for the SDK releases `sdks` (default: the matrix's default) plus the includes."""
        return expand(self, sdks)

    def find(self, name: str, sdks: Sequence[str] | None = None) -> Cell:
        """The cell called `name`: SDK/id, or an id of the selected SDKs (default: the default SDK).

        MatrixError if there is none, with the cells of that Python as a hint.
        """
        sdk, _, cell_id = name.rpartition("/")
        selected = [sdk] if sdk else list(sdks or [self.default_sdk])
        pool = self.cells([v for v in selected if self.manifest.get(v) is not None] or None)
        for cell in pool:
            if cell.id == cell_id and cell.sdk in selected:
                return cell
        excluded = self._exclusion(cell_id, selected[0])
        if excluded:
            raise MatrixError(f"{display_path(self.path)}: cell {name!r} is excluded by {excluded}")
        python = cell_id.split("-")[0]
        close = sorted({cell.key for cell in pool if cell.id.split("-")[0] == python})
        hint = f"; cells of {python}: {', '.join(close)}" if close else ""
        raise MatrixError(f"{display_path(self.path)}: no cell {name!r}{hint}")

    def _exclusion(self, cell_id: str, sdk: str) -> str:
        """'exclude[0] (reason)' when an exclude rule removes the cell called `cell_id`."""
        python_tag, _, tag = cell_id.partition("-")
        for platform in self.platforms:
            for python in self.pythons:
                if (f"cp{python.replace('.', '')}", platform.tag) != (python_tag, tag):
                    continue
                values = {"sdk": sdk, "python": python, "os": platform.os, "arch": platform.arch}
                for rule in self.excludes:
                    if rule.matches(values):
                        return f"{rule.where} ({rule.settings['reason']})"
        return ""


class _Checker:
    """Typed reads from parsed YAML; every failure names its path in the file."""

    def __init__(self, path: Path) -> None:
        self.prefix = display_path(path)

    def fail(self, where: str, problem: str) -> MatrixError:
        return MatrixError(f"{self.prefix}: {where}: {problem}")

    def mapping(
        self,
        value: object,
        where: str,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
        any_key: bool = False,
    ) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"expected a mapping, got {_kind(value)}")
        allowed = set(required) | set(optional)
        for key in value:
            if not any_key and key not in allowed:
                raise self.fail(_join(where, key), f"unknown key (allowed: {', '.join(sorted(allowed))})")
        for key in required:
            if key not in value:
                raise self.fail(_join(where, key), "missing")
        return value

    def sequence(self, value: object, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {_kind(value)}")
        return value

    def string(self, value: object, where: str, choices: Sequence[str] = ()) -> str:
        if not isinstance(value, str) or not value:
            hint = " (quote it: an unquoted 3.10 is the number 3.1)" if isinstance(value, float) else ""
            raise self.fail(where, f"expected a non-empty string, got {value!r}{hint}")
        if choices and value not in choices:
            raise self.fail(where, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def python(self, value: object, where: str) -> str:
        text = self.string(value, where)
        if not _PYTHON_RE.match(text):
            raise self.fail(where, f"expected a Python version 3.N, got {text!r}")
        return text


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


def _join(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


def load_matrix(
    path: Path = DEFAULT_MATRIX,
    *,
    manifest: Manifest | None = None,
    runtimes: Mapping[str, chroot.RuntimeSpec] | None = None,
) -> Matrix:
    """Load and validate the matrix file; MatrixError names the file and the bad key or value."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MatrixError(f"{display_path(path)}: cannot read: {error.strerror}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise MatrixError(
            f"{display_path(path)}{line}: not valid YAML ({getattr(error, 'problem', error)})"
        ) from None
    return parse_matrix(
        document,
        path=path,
        manifest=manifest if manifest is not None else load_manifest(),
        runtimes=runtimes if runtimes is not None else chroot.load_specs(),
    )


def parse_matrix(
    document: object, *, path: Path, manifest: Manifest, runtimes: Mapping[str, chroot.RuntimeSpec]
) -> Matrix:
    """Validate an already parsed document (tests feed broken ones directly)."""
    check = _Checker(path)
    top = check.mapping(
        document,
        "",
        required=("schema_version", "axes", "methods"),
        optional=("cibuildwheel", "exclude", "include"),
    )
    if top["schema_version"] != SCHEMA_VERSION:
        raise check.fail("schema_version", f"expected {SCHEMA_VERSION}, got {top['schema_version']!r}")

    axes = check.mapping(top["axes"], "axes", required=("sdk", "python", "platforms"))
    sdk_axis = check.mapping(axes["sdk"], "axes.sdk", required=("default",))
    default_sdk = _sdk(check, sdk_axis["default"], "axes.sdk.default", manifest, header="manifest")

    pythons = tuple(
        check.python(value, f"axes.python[{index}]")
        for index, value in enumerate(check.sequence(axes["python"], "axes.python"))
    )
    _unique(check, pythons, "axes.python")
    if not pythons:
        raise check.fail("axes.python", "the list is empty")

    platforms = _platforms(check, axes["platforms"])
    values = {
        "sdk": None,
        "python": set(pythons),
        "os": {p.os for p in platforms},
        "arch": {p.arch for p in platforms},
    }

    cibw = check.mapping(top.get("cibuildwheel", {}), "cibuildwheel", optional=("unsupported_python",))
    unsupported = tuple(
        _known(
            check,
            check.python(value, f"cibuildwheel.unsupported_python[{index}]"),
            pythons,
            f"cibuildwheel.unsupported_python[{index}]",
            "axes.python",
        )
        for index, value in enumerate(
            check.sequence(cibw.get("unsupported_python", []), "cibuildwheel.unsupported_python")
        )
    )

    excludes = tuple(
        _rule(check, entry, f"exclude[{index}]", values, settings={"reason"}, required={"reason"})
        for index, entry in enumerate(check.sequence(top.get("exclude", []), "exclude"))
    )
    methods = tuple(
        _method_rule(check, entry, f"methods[{index}]", values, runtimes)
        for index, entry in enumerate(check.sequence(top["methods"], "methods"))
    )
    includes = tuple(
        _include(check, entry, f"include[{index}]", pythons, platforms, manifest, runtimes)
        for index, entry in enumerate(check.sequence(top.get("include", []), "include"))
    )

    matrix = Matrix(
        path=path,
        default_sdk=default_sdk,
        pythons=pythons,
        platforms=platforms,
        cibuildwheel_unsupported=unsupported,
        excludes=excludes,
        methods=methods,
        includes=includes,
        manifest=manifest,
    )
    _check_cells(check, matrix, runtimes)
    return matrix


def _sdk(check: _Checker, value: object, where: str, manifest: Manifest, header: str) -> str:
    text = check.string(value, where)
    try:
        Version.parse(text)
    except ValueError as error:
        raise check.fail(where, str(error)) from None
    if header == "manifest" and manifest.get(text) is None:
        raise check.fail(
            where,
            f"SDK {text} is not in {display_path(manifest.path)} (known: {', '.join(manifest.versions())}); "
            "a cell built against a runtime's own header says `header: runtime`",
        )
    return text


def _known(check: _Checker, value: str, allowed: Iterable[str], where: str, axis: str) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise check.fail(where, f"{value!r} is not in {axis} ({', '.join(allowed)})")
    return value


def _unique(check: _Checker, values: Sequence[str], where: str) -> None:
    for index, value in enumerate(values):
        if value in values[:index]:
            raise check.fail(f"{where}[{index}]", f"{value!r} is listed twice")


def _platforms(check: _Checker, value: object) -> tuple[Platform, ...]:
    result: list[Platform] = []
    tags: dict[str, str] = {}
    oses = check.mapping(value, "axes.platforms", optional=("linux", "windows", "macos"))
    if not oses:
        raise check.fail("axes.platforms", "no operating system listed")
    for os_name, archs in oses.items():
        archs = check.mapping(archs, f"axes.platforms.{os_name}", any_key=True)
        if not archs:
            raise check.fail(f"axes.platforms.{os_name}", "no architecture listed")
        for arch, entry in archs.items():
            where = f"axes.platforms.{os_name}.{arch}"
            check.string(arch, where)
            fields = check.mapping(entry, where, required=("tag", "cibuildwheel_arch", "bits"))
            tag = check.string(fields["tag"], f"{where}.tag")
            if not _TAG_RE.match(tag):
                raise check.fail(
                    f"{where}.tag", f"{tag!r} is not a platform tag (lower-case letters, digits, _)"
                )
            if tag in tags:
                raise check.fail(f"{where}.tag", f"{tag!r} is already the tag of {tags[tag]}")
            tags[tag] = where
            bits = fields["bits"]
            if bits not in (32, 64) or isinstance(bits, bool):
                raise check.fail(f"{where}.bits", f"expected 32 or 64, got {bits!r}")
            result.append(
                Platform(
                    os=os_name,
                    arch=arch,
                    tag=tag,
                    cibuildwheel_arch=check.string(fields["cibuildwheel_arch"], f"{where}.cibuildwheel_arch"),
                    bits=bits,
                )
            )
    return tuple(result)


def _match(
    check: _Checker, value: object, where: str, values: Mapping[str, set[str] | None]
) -> dict[str, tuple[str, ...]]:
    fields = check.mapping(value, where, optional=MATCH_KEYS)
    if not fields:
        raise check.fail(where, "empty: a rule must name at least one of " + ", ".join(MATCH_KEYS))
    result: dict[str, tuple[str, ...]] = {}
    for key, raw in fields.items():
        items = raw if isinstance(raw, list) else [raw]
        checked = []
        for index, item in enumerate(items):
            item_where = f"{where}.{key}[{index}]" if isinstance(raw, list) else f"{where}.{key}"
            text = check.string(item, item_where)
            allowed = values[key]
            if allowed is not None and text not in allowed:
                axis = {"python": "axes.python", "os": "axes.platforms", "arch": "axes.platforms.*"}[key]
                raise check.fail(item_where, f"{text!r} is not in {axis} ({', '.join(sorted(allowed))})")
            checked.append(text)
        result[key] = tuple(checked)
    return result


def _rule(
    check: _Checker,
    entry: object,
    where: str,
    values: Mapping[str, set[str] | None],
    settings: set[str],
    required: set[str],
) -> Rule:
    fields = check.mapping(entry, where, required={"match", *required}, optional=settings)
    return Rule(
        where=where,
        match=_match(check, fields["match"], f"{where}.match", values),
        settings={key: check.string(fields[key], f"{where}.{key}") for key in settings if key in fields},
    )


def _method_rule(
    check: _Checker,
    entry: object,
    where: str,
    values: Mapping[str, set[str] | None],
    runtimes: Mapping[str, chroot.RuntimeSpec],
) -> Rule:
    fields = check.mapping(
        entry, where, required=("match", "method"), optional=("runtime", "toolchain", "runner")
    )
    method = check.string(fields["method"], f"{where}.method", METHODS)
    _method_settings(check, fields, where, method, runtimes)
    return _rule(
        check,
        entry,
        where,
        values,
        settings={"method", "runtime", "toolchain", "runner"},
        required={"method"},
    )


def _method_settings(
    check: _Checker,
    fields: Mapping[str, Any],
    where: str,
    method: str,
    runtimes: Mapping[str, chroot.RuntimeSpec],
) -> None:
    for key in ("runtime", "toolchain", "runner"):
        if key in fields and key not in METHOD_KEYS[method]:
            raise check.fail(f"{where}.{key}", f"only for method {_owner(key)}, not {method}")
    for key in METHOD_KEYS[method]:
        if key not in fields:
            raise check.fail(f"{where}.{key}", f"missing (method {method} needs it)")
    if "runtime" in fields:
        check.string(fields["runtime"], f"{where}.runtime", tuple(runtimes))


def _owner(key: str) -> str:
    return next(method for method, keys in METHOD_KEYS.items() if key in keys)


def _include(
    check: _Checker,
    entry: object,
    where: str,
    pythons: Sequence[str],
    platforms: Sequence[Platform],
    manifest: Manifest,
    runtimes: Mapping[str, chroot.RuntimeSpec],
) -> Cell:
    fields = check.mapping(
        entry,
        where,
        required=("sdk", "python", "os", "arch", "method"),
        optional=("runtime", "toolchain", "runner", "header"),
    )
    header = check.string(fields.get("header", "manifest"), f"{where}.header", HEADER_SOURCES)
    method = check.string(fields["method"], f"{where}.method", METHODS)
    _method_settings(check, fields, where, method, runtimes)
    if header == "runtime" and method != "chroot":
        raise check.fail(
            f"{where}.header", "`runtime` needs method chroot (the header comes from the runtime)"
        )
    python = _known(
        check, check.python(fields["python"], f"{where}.python"), pythons, f"{where}.python", "axes.python"
    )
    os_name = check.string(fields["os"], f"{where}.os")
    arch = check.string(fields["arch"], f"{where}.arch")
    platform = next((p for p in platforms if (p.os, p.arch) == (os_name, arch)), None)
    if platform is None:
        known = ", ".join(f"{p.os} {p.arch}" for p in platforms)
        raise check.fail(f"{where}.arch", f"{os_name} {arch} is not in axes.platforms ({known})")
    return Cell(
        sdk=_sdk(check, fields["sdk"], f"{where}.sdk", manifest, header),
        python=python,
        platform=platform,
        method=method,
        runtime=fields.get("runtime"),
        toolchain=fields.get("toolchain"),
        runner=fields.get("runner"),
        header=header,
        origin=where,
    )


def _check_cells(check: _Checker, matrix: Matrix, runtimes: Mapping[str, chroot.RuntimeSpec]) -> None:
    """Whole-matrix rules: every cell has a method, chroot cells fit their runtime, names are unique."""
    seen: dict[str, str] = {}
    for cell in [*_product(matrix, matrix.default_sdk, strict=True), *matrix.includes]:
        where = cell.origin
        if cell.runtime is not None:
            spec = runtimes[cell.runtime]
            if spec.python != cell.python:
                raise check.fail(
                    where, f"cell {cell.id} runs in runtime {cell.runtime}, whose Python is {spec.python}"
                )
            if cell.os != "linux" or _DEBIAN_ARCH.get(spec.arch) != cell.arch:
                raise check.fail(
                    where,
                    f"cell {cell.id} is {cell.os} {cell.arch}, runtime {cell.runtime} is linux {spec.arch}",
                )
        if cell.key in seen:
            raise check.fail(where, f"cell {cell.key} is already made by {seen[cell.key]}")
        seen[cell.key] = where


def _product(matrix: Matrix, sdk: str, *, strict: bool = False) -> list[Cell]:
    cells = []
    for platform in matrix.platforms:
        for python in matrix.pythons:
            values = {"sdk": sdk, "python": python, "os": platform.os, "arch": platform.arch}
            if any(rule.matches(values) for rule in matrix.excludes):
                continue
            rule = next((rule for rule in matrix.methods if rule.matches(values)), None)
            if rule is None:
                raise MatrixError(
                    f"{display_path(matrix.path)}: methods: no rule matches cp{python.replace('.', '')}-"
                    f"{platform.tag} (add one, or exclude the cell)"
                )
            cells.append(
                Cell(
                    sdk=sdk,
                    python=python,
                    platform=platform,
                    method=rule.settings["method"],
                    runtime=rule.settings.get("runtime"),
                    toolchain=rule.settings.get("toolchain"),
                    runner=rule.settings.get("runner"),
                    origin=rule.where,
                )
            )
    return cells


def expand(matrix: Matrix, sdks: Sequence[str] | None = None) -> list[Cell]:
    """The cells of `sdks` (default: the default SDK) and every include, sorted, without duplicates.

    An include that names the same cell as the product replaces it (it is the more specific rule).
    """
    chosen = list(sdks) if sdks else [matrix.default_sdk]
    for sdk in chosen:
        if matrix.manifest.get(sdk) is None:
            raise MatrixError(
                f"SDK {sdk} is not in {display_path(matrix.manifest.path)} "
                f"(known: {', '.join(matrix.manifest.versions())})"
            )
    cells: dict[str, Cell] = {}
    for sdk in chosen:
        for cell in _product(matrix, sdk):
            cells[cell.key] = cell
    for cell in matrix.includes:
        cells[cell.key] = cell
    return sorted(cells.values(), key=Cell.sort_key)


def with_method(cell: Cell, method: str) -> Cell:
    """The same cell built another way (CI builds every cell natively: method host)."""
    return replace(cell, method=method, runtime=None, toolchain=None, runner=None, header="manifest")
