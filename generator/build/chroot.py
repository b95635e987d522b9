"""Real Debian runtimes in chroots: another Orthanc, another CPython, another architecture.

The host carries one Orthanc and one Debian Python.  To build the plugin against the SDK header that
ships with another Orthanc release, and to run it inside that Orthanc with that release's Python,
this module makes Debian root file systems with ``debootstrap`` (described in ``runtimes.yaml``
beside this file) in a cache outside the repository:

    $ORTHANC_PYTHON_CACHE/chroots/<name>/      (default ~/.cache/orthanc-python-gen/chroots/<name>/)
        root/            the chroot itself
        runtime.json     completion marker: package versions read back from dpkg, timings, size
        progress.json    present only while a creation runs (or after it was interrupted)
        *.log            debootstrap / apt output, kept for failures

Creation is idempotent and resumable: a finished debootstrap is kept and only the package stage is
redone; a half-made debootstrap is unmounted and removed first.  ``state()`` tells present / absent /
incomplete without root.  Everything that touches the chroot goes through ``mounted()``, which mounts
/proc, /sys, /dev (+ a private /dev/shm) and always unmounts, even on KeyboardInterrupt; processes
sharing a runtime count themselves with a lock, and the last one out unmounts.  Nothing is ever
deleted while something is mounted below it (``remove_tree`` checks /proc/self/mountinfo); the
mount handling itself lives in chroot_mounts.py.

Command line: ``python -m generator.build.chroot list|create|remove|run`` (``nox -s runtimes`` runs
``create``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from .availability import Unavailable
from .cache_paths import cache_root
from .chroot_mounts import RefusedError, mounted, mounts_below, remove_tree, unmount_all

__all__ = [
    "ORTHANC_BINARY", "SDK_HEADER", "CreationError", "RefusedError", "Runtime", "RuntimeInfo",
    "RuntimeSpec", "SpecError", "State", "Unavailable", "create_all", "ensure_runtime", "get_runtime",
    "load_specs", "mounted", "mounts_below", "remove_runtime", "remove_tree", "runtime_names",
    "unmount_all",
]

SPEC_FILE = Path(__file__).with_name("runtimes.yaml")

ORTHANC_BINARY = "/usr/sbin/Orthanc"
SDK_HEADER = "/usr/include/orthanc/OrthancCPlugin.h"
# Debian installs plugins here; the reference Python plugin is libOrthancPython.so.
PLUGINS_DIR = "/usr/share/orthanc/plugins"

# A clean environment inside the chroot: the host's PYTHONPATH, pyenv shims or LD_LIBRARY_PATH would
# make the chroot's programs pick up host files that do not exist (or worse, do) inside.
BASE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
}

Log = Callable[[str], None]


def _stderr_log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class SpecError(ValueError):
    """runtimes.yaml is malformed; the message names the offending path in the file."""


class CreationError(RuntimeError):
    """debootstrap or apt failed; the message carries the tail of the log."""


# --------------------------------------------------------------------------------------------------
# The description (runtimes.yaml)


@dataclass(frozen=True)
class RuntimeSpec:
    name: str
    suite: str
    arch: str
    mirror: str
    sources: tuple[str, ...]
    python: str
    include: tuple[str, ...]
    packages: tuple[str, ...]
    apt_config: tuple[str, ...] = ()
    expect: Mapping[str, str] = field(default_factory=dict)

    def base_fingerprint(self) -> str:
        """What debootstrap's result depends on: a change here means starting from scratch."""
        return _digest({"suite": self.suite, "arch": self.arch, "mirror": self.mirror,
                        "include": list(self.include)})

    def fingerprint(self) -> str:
        """What the finished runtime depends on: a change here means redoing the package stage."""
        return _digest({"base": self.base_fingerprint(), "sources": list(self.sources),
                        "python": self.python, "packages": list(self.packages),
                        "apt_config": list(self.apt_config)})


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


_RUNTIME_KEYS = {"suite", "arch", "sources", "python", "expect", "apt_config", "packages", "include",
                 "mirror"}
_DEFAULT_KEYS = {"mirror", "include", "packages"}
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_PYTHON_RE = re.compile(r"^3\.\d+$")


def _expect_str(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise SpecError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _expect_str_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise SpecError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(_expect_str(item, f"{where}[{i}]") for i, item in enumerate(value))


def _check_keys(data: object, allowed: set[str], where: str) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise SpecError(f"{where}: expected a mapping, got {type(data).__name__}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise SpecError(f"{where}.{unknown[0]}: unknown key (allowed: {', '.join(sorted(allowed))})")
    return data


def parse_specs(data: object, source: str = "runtimes.yaml") -> dict[str, RuntimeSpec]:
    """Validate the parsed YAML and build one RuntimeSpec per runtime."""
    top = _check_keys(data, {"defaults", "runtimes"}, source)
    defaults = _check_keys(top.get("defaults", {}), _DEFAULT_KEYS, f"{source}: defaults")
    runtimes = _check_keys(top.get("runtimes"), set(top.get("runtimes") or {}), f"{source}: runtimes")
    specs: dict[str, RuntimeSpec] = {}
    for name, entry in runtimes.items():
        where = f"{source}: runtimes.{name}"
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise SpecError(f"{where}: runtime names are lower-case words joined by '-'")
        entry = _check_keys(entry, _RUNTIME_KEYS, where)
        for required in ("suite", "arch", "sources", "python"):
            if required not in entry:
                raise SpecError(f"{where}.{required}: missing")
        python = entry["python"]
        if not isinstance(python, str) or not _PYTHON_RE.match(python):
            # An unquoted 3.10 would be the float 3.1: insist on a string.
            raise SpecError(f"{where}.python: expected a quoted version like \"3.13\", got {python!r}")
        merged = {**defaults, **entry}
        expect = _check_keys(entry.get("expect", {}), {"orthanc", "python", "orthanc_python"},
                             f"{where}.expect")
        specs[name] = RuntimeSpec(
            name=name,
            suite=_expect_str(entry["suite"], f"{where}.suite"),
            arch=_expect_str(entry["arch"], f"{where}.arch"),
            mirror=_expect_str(merged.get("mirror"), f"{where}.mirror"),
            sources=_expect_str_list(entry["sources"], f"{where}.sources"),
            python=python,
            include=_expect_str_list(merged.get("include", []), f"{where}.include"),
            packages=tuple(p.replace("{python}", python)
                           for p in _expect_str_list(merged.get("packages", []), f"{where}.packages")),
            apt_config=_expect_str_list(entry.get("apt_config", []), f"{where}.apt_config"),
            expect={k: _expect_str(v, f"{where}.expect.{k}") for k, v in expect.items()},
        )
    return specs


def load_specs(path: Path = SPEC_FILE) -> dict[str, RuntimeSpec]:
    with open(path, encoding="utf-8") as stream:
        return parse_specs(yaml.safe_load(stream), source=path.name)


def runtime_names() -> list[str]:
    return list(load_specs())


def cache_dir() -> Path:
    """Where chroots live: $ORTHANC_PYTHON_CACHE/chroots, default ~/.cache/orthanc-python-gen/chroots."""
    return cache_root() / "chroots"


# --------------------------------------------------------------------------------------------------
# A runtime


@dataclass(frozen=True)
class State:
    status: Literal["present", "absent", "incomplete"]
    reason: str

    def __str__(self) -> str:
        return f"{self.status}: {self.reason}"


@dataclass(frozen=True)
class RuntimeInfo:
    """What a finished runtime contains, as read back from inside it (runtime.json)."""

    name: str
    fingerprint: str
    base_fingerprint: str
    suite: str
    arch: str
    created: str
    orthanc_version: str
    python_version: str
    python_bits: int
    sdk_version: str
    reference_plugin: str
    packages: dict[str, str]
    seconds: dict[str, float]
    size: str
    mismatches: list[str]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuntimeInfo:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


class Runtime:
    """One chroot: paths inside it, and running commands inside it with its mounts."""

    orthanc = ORTHANC_BINARY
    sdk_header = SDK_HEADER

    def __init__(self, spec: RuntimeSpec, home: Path | None = None) -> None:
        self.spec = spec
        self.home = home if home is not None else cache_dir() / spec.name
        self.root = self.home / "root"
        self.marker = self.home / "runtime.json"
        self.progress = self.home / "progress.json"

    def __repr__(self) -> str:
        return f"Runtime({self.spec.name!r}, root={str(self.root)!r})"

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def python(self) -> str:
        return f"/usr/bin/python{self.spec.python}"

    @property
    def python_config(self) -> str:
        return f"/usr/bin/python{self.spec.python}-config"

    @property
    def reference_plugin(self) -> str:
        return f"{PLUGINS_DIR}/libOrthancPython.so"

    def host_path(self, inside: str | os.PathLike[str]) -> Path:
        """The host path of an absolute path inside the chroot."""
        inside = os.fspath(inside)
        if not inside.startswith("/"):
            raise ValueError(f"expected an absolute path inside the chroot, got {inside!r}")
        return self.root / inside.lstrip("/")

    def inside_path(self, host: str | os.PathLike[str]) -> str:
        """The path inside the chroot of a host path below its root (the inverse of host_path)."""
        relative = Path(os.path.abspath(host)).relative_to(self.root)  # ValueError if outside
        return "/" + relative.as_posix() if relative.parts else "/"

    # -- state ------------------------------------------------------------------------------------

    def info(self) -> RuntimeInfo:
        """The completion marker; raises Unavailable if the runtime is not present."""
        state = self.state()
        if state.status != "present":
            raise Unavailable(f"runtime {self.name} is {state}")
        return RuntimeInfo.from_json(json.loads(self.marker.read_text(encoding="utf-8")))

    def state(self) -> State:
        """present / absent / incomplete, with the reason; cheap and needs no root."""
        if self.marker.is_file():
            try:
                info = RuntimeInfo.from_json(json.loads(self.marker.read_text(encoding="utf-8")))
            except (ValueError, KeyError, TypeError) as error:
                return State("incomplete", f"completion marker unreadable ({error})")
            if info.fingerprint != self.spec.fingerprint():
                return State("incomplete", "runtimes.yaml changed since it was made; "
                                           "its packages will be brought up to date")
            if not self.host_path(ORTHANC_BINARY).is_file():
                return State("incomplete", f"marker present but {ORTHANC_BINARY} is missing")
            return State("present", f"Orthanc {info.orthanc_version}, Python {info.python_version}, "
                                    f"{info.arch}, {info.size}")
        if self.progress.is_file():
            try:
                stage = json.loads(self.progress.read_text(encoding="utf-8")).get("stage", "?")
            except ValueError:
                stage = "?"
            return State("incomplete", f"creation running or interrupted during the {stage} stage")
        if self.root.exists():
            return State("incomplete", "root file system without completion marker")
        return State("absent", "not created yet (nox -s runtimes, needs root)")

    # -- use --------------------------------------------------------------------------------------

    def mounted(self) -> contextlib.AbstractContextManager[Path]:
        return mounted(self.root)

    def command(self, cmd: Sequence[str], *, cwd: str = "/",
                env: Mapping[str, str] | None = None) -> list[str]:
        """The host argv that runs ``cmd`` inside the chroot (mounts must be in place).

        chroot and env exec in turn, so the PID of the started process is the command's own PID:
        a SIGTERM to it reaches the command itself (Orthanc stops cleanly on SIGTERM).
        """
        variables = {**BASE_ENV, **(env or {})}
        return ["chroot", str(self.root), "/usr/bin/env", "-i", f"--chdir={cwd}",
                *(f"{k}={v}" for k, v in variables.items()), *cmd]

    def run(self, cmd: Sequence[str], *, cwd: str = "/", env: Mapping[str, str] | None = None,
            check: bool = True, timeout: float | None = None,
            **kwargs: Any) -> subprocess.CompletedProcess[Any]:
        """Run ``cmd`` inside the chroot with its mounts (mounted for the call if not already)."""
        with self.mounted():
            return subprocess.run(self.command(cmd, cwd=cwd, env=env), check=check, timeout=timeout,
                                  **kwargs)

    def popen(self, cmd: Sequence[str], *, cwd: str = "/", env: Mapping[str, str] | None = None,
              **kwargs: Any) -> subprocess.Popen[Any]:
        """Start ``cmd`` inside the chroot; call it within ``with runtime.mounted():`` and stop the
        process before the block ends."""
        if not mounts_below(self.root):
            raise RuntimeError(f"{self.name}: popen() outside 'with runtime.mounted()'")
        return subprocess.Popen(self.command(cmd, cwd=cwd, env=env), **kwargs)

    def copy_in(self, src: str | os.PathLike[str], dst: str) -> Path:
        """Copy a host file or directory to the absolute path ``dst`` inside; returns its host path."""
        target = self.host_path(dst)
        target.parent.mkdir(parents=True, exist_ok=True)
        if os.path.isdir(src):
            shutil.copytree(src, target, dirs_exist_ok=True, symlinks=True)
        else:
            shutil.copy2(src, target)
        return target

    @contextlib.contextmanager
    def scratch(self, prefix: str = "orthanc-python-") -> Iterator[tuple[str, Path]]:
        """A temporary directory inside the chroot's /tmp: yields (path inside, path on the host)."""
        host = Path(tempfile.mkdtemp(prefix=prefix, dir=self.host_path("/tmp")))
        try:
            yield "/tmp/" + host.name, host
        finally:
            shutil.rmtree(host, ignore_errors=True)


def get_runtime(name: str) -> Runtime:
    specs = load_specs()
    if name not in specs:
        raise KeyError(f"unknown runtime {name!r} (known: {', '.join(specs)})")
    return Runtime(specs[name])


def remove_runtime(name: str) -> None:
    """Delete a runtime's cache directory; unmounts first and refuses if anything stays mounted."""
    remove_tree(get_runtime(name).home)


# --------------------------------------------------------------------------------------------------
# Creation


def _missing_tools() -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("debootstrap", "chroot", "mount", "umount"):
        if shutil.which(tool) is None:
            hint = " (apt-get install debootstrap)" if tool == "debootstrap" else ""
            return f"{tool} not installed{hint}"
    return None


def ensure_runtime(name: str, *, log: Log = _stderr_log) -> Runtime:
    """The runtime ``name``, created (or finished) first if needed.

    Raises Unavailable("needs root") when it must be created and this process is not root.
    Concurrent callers wait for each other; only one creates.
    """
    runtime = get_runtime(name)
    if runtime.state().status == "present":
        return runtime
    reason = _missing_tools()
    if reason:
        raise Unavailable(reason)
    runtime.home.mkdir(parents=True, exist_ok=True)
    with open(runtime.home / ".create-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if runtime.state().status != "present":  # another process may have finished it meanwhile
            _create(runtime, log)
    return runtime


def _write_json(path: Path, data: object) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _recorded_base(runtime: Runtime) -> str | None:
    for path in (runtime.progress, runtime.marker):
        with contextlib.suppress(OSError, ValueError):
            value = json.loads(path.read_text(encoding="utf-8")).get("base_fingerprint")
            if value:
                return str(value)
    return None


def _debootstrap_done(runtime: Runtime) -> bool:
    root = runtime.root
    # debootstrap removes its own working directory /debootstrap only when it succeeded.
    return ((root / "usr/bin/apt-get").is_file() and (root / "var/lib/dpkg/status").is_file()
            and not (root / "debootstrap").exists()
            and _recorded_base(runtime) == runtime.spec.base_fingerprint())


def _logged(argv: Sequence[str], log_file: Path, *, env: Mapping[str, str] | None = None) -> None:
    """Run a creation step with its output in ``log_file``.

    The step gets its own process group: on an interruption the whole group (debootstrap's
    subshells, apt's dpkg) is asked to stop with SIGTERM, so debootstrap can unmount what it mounted,
    and killed if it has not stopped after a few seconds.  Nothing keeps writing into a root that the
    next run will delete.
    """
    with open(log_file, "a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(argv)}\n")
        out.flush()
        process = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
        try:
            returncode = process.wait()
        except BaseException:
            _stop_group(process)
            raise
    if returncode != 0:
        tail = "".join(log_file.read_text(encoding="utf-8", errors="replace").splitlines(True)[-25:])
        raise CreationError(f"{argv[0]} failed with {returncode}; end of {log_file}:\n{tail}")


def _stop_group(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
    process.wait()


def _create(runtime: Runtime, log: Log) -> None:
    spec = runtime.spec
    seconds: dict[str, float] = {}
    started = time.monotonic()
    resume = _debootstrap_done(runtime)
    _write_json(runtime.progress, {"stage": "debootstrap" if not resume else "packages",
                                   "base_fingerprint": spec.base_fingerprint(),
                                   "started": _now()})
    with contextlib.suppress(FileNotFoundError):
        runtime.marker.unlink()

    if resume:
        log(f"[{spec.name}] keeping the finished debootstrap in {runtime.root}")
    else:
        if runtime.root.exists():
            log(f"[{spec.name}] removing a half-made root file system")
            remove_tree(runtime.root)
        log(f"[{spec.name}] debootstrap {spec.suite} {spec.arch} -> {runtime.root}")
        log_file = runtime.home / "debootstrap.log"
        log_file.unlink(missing_ok=True)
        _logged(["debootstrap", "--variant=minbase", f"--arch={spec.arch}", "--components=main",
                 *([f"--include={','.join(spec.include)}"] if spec.include else []),
                 spec.suite, str(runtime.root), spec.mirror], log_file)
        seconds["debootstrap"] = round(time.monotonic() - started, 1)

    stage_start = time.monotonic()
    _write_json(runtime.progress, {"stage": "packages", "base_fingerprint": spec.base_fingerprint(),
                                   "started": _now()})
    _configure(runtime)
    log(f"[{spec.name}] apt-get install {' '.join(spec.packages)}")
    apt_log = runtime.home / "apt.log"
    apt_log.unlink(missing_ok=True)
    apt_env = {"DEBIAN_FRONTEND": "noninteractive"}
    with runtime.mounted():
        for cmd in (["apt-get", "update"],
                    ["apt-get", "install", "-y", *spec.packages],
                    ["apt-get", "clean"]):
            _logged(runtime.command(cmd, env=apt_env), apt_log)
        info = _inspect(runtime)
    seconds["packages"] = round(time.monotonic() - stage_start, 1)
    seconds["total"] = round(time.monotonic() - started, 1)

    mismatches = _mismatches(spec, info)
    size = subprocess.run(["du", "-sh", "--one-file-system", str(runtime.root)], capture_output=True,
                          text=True, check=True).stdout.split()[0]
    _write_json(runtime.marker, {**info, "name": spec.name, "fingerprint": spec.fingerprint(),
                                 "base_fingerprint": spec.base_fingerprint(), "suite": spec.suite,
                                 "arch": spec.arch, "created": _now(), "seconds": seconds,
                                 "size": size, "mismatches": mismatches})
    runtime.progress.unlink()
    for mismatch in mismatches:
        log(f"[{spec.name}] note: {mismatch}")
    log(f"[{spec.name}] ready in {seconds['total']:.0f} s, {size}: {runtime.state().reason}")


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


_APT_CONF = """\
// Written by generator/build/chroot.py
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
Acquire::Retries "3";
"""

# Documentation and translations are of no use to a test runtime and make a good share of its size.
_DPKG_EXCLUDES = """\
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
"""


def _configure(runtime: Runtime) -> None:
    spec = runtime.spec
    sources = "".join(f"deb {spec.mirror} {suite} main\n" for suite in spec.sources)
    runtime.host_path("/etc/apt/sources.list").write_text(sources, encoding="utf-8")
    runtime.host_path("/etc/apt/apt.conf.d/90orthanc-python-gen").write_text(
        _APT_CONF + "".join(line + "\n" for line in spec.apt_config), encoding="utf-8")
    runtime.host_path("/etc/dpkg/dpkg.cfg.d/90orthanc-python-gen").write_text(_DPKG_EXCLUDES,
                                                                              encoding="utf-8")
    # Package scripts must not start services: the orthanc package would otherwise start an Orthanc
    # on the host's network (the chroot shares it) on port 8042.
    policy = runtime.host_path("/usr/sbin/policy-rc.d")
    policy.write_text("#!/bin/sh\nexit 101\n", encoding="utf-8")
    policy.chmod(0o755)
    resolv = runtime.host_path("/etc/resolv.conf")
    if resolv.is_symlink():
        resolv.unlink()
    with contextlib.suppress(FileNotFoundError):
        shutil.copyfile("/etc/resolv.conf", resolv)


def _inside(runtime: Runtime, cmd: Sequence[str]) -> str:
    return subprocess.run(runtime.command(cmd), capture_output=True, text=True, check=True).stdout


def _inspect(runtime: Runtime) -> dict[str, Any]:
    """Read back what the runtime really contains (mounts in place)."""
    spec = runtime.spec
    listing = _inside(runtime, ["dpkg-query", "-W", "-f=${Package}\t${Version}\t${db:Status-Abbrev}\n",
                                *spec.packages])
    packages = {}
    for line in listing.splitlines():
        package, version, status = line.split("\t")
        if status.startswith("ii"):
            packages[package] = version
    missing = [p for p in spec.packages if p not in packages]
    if missing:
        raise CreationError(f"{spec.name}: not installed after apt-get: {', '.join(missing)}")
    architecture = _inside(runtime, ["dpkg", "--print-architecture"]).strip()
    if architecture != spec.arch:
        raise CreationError(f"{spec.name}: dpkg reports architecture {architecture}, expected {spec.arch}")
    orthanc = _inside(runtime, [ORTHANC_BINARY, "--version"])
    match = re.search(r"\b(\d+\.\d+\.\d+)\b", orthanc)
    python = _inside(runtime, [runtime.python, "-c",
                               "import platform, struct; print(platform.python_version(), "
                               "8 * struct.calcsize('P'))"]).split()
    if not runtime.host_path(runtime.reference_plugin).is_file():
        raise CreationError(f"{spec.name}: reference plugin {runtime.reference_plugin} not found")
    return {"packages": packages,
            "orthanc_version": match.group(1) if match else orthanc.strip(),
            "python_version": python[0], "python_bits": int(python[1]),
            "sdk_version": sdk_version(runtime.host_path(SDK_HEADER)),
            "reference_plugin": runtime.reference_plugin}


def sdk_version(header: Path) -> str:
    """The SDK version an OrthancCPlugin.h declares (ORTHANC_PLUGINS_MINIMAL_*_NUMBER)."""
    text = header.read_text(encoding="utf-8", errors="replace")
    parts = [re.search(rf"#define\s+ORTHANC_PLUGINS_MINIMAL_{part}_NUMBER\s+(\d+)", text)
             for part in ("MAJOR", "MINOR", "REVISION")]
    if not all(parts):
        raise CreationError(f"{header}: no ORTHANC_PLUGINS_MINIMAL_*_NUMBER defines")
    return ".".join(m.group(1) for m in parts if m)


def _upstream(version: str) -> str:
    """Debian version -> upstream ("1.12.7+dfsg-1" -> "1.12.7", "5.0-2+b1" -> "5.0")."""
    return re.split(r"[+~-]", version.split(":", 1)[-1], maxsplit=1)[0]


def _mismatches(spec: RuntimeSpec, info: Mapping[str, Any]) -> list[str]:
    observed = {"orthanc": info["orthanc_version"],
                "python": ".".join(info["python_version"].split(".")[:2]),
                "orthanc_python": _upstream(info["packages"].get("orthanc-python", "?"))}
    return [f"{key}: expected {expected}, found {observed[key]}"
            for key, expected in spec.expect.items() if observed.get(key) != expected]


# --------------------------------------------------------------------------------------------------
# Batch creation and the command line


@dataclass
class Outcome:
    name: str
    state: State
    seconds: float
    error: str | None = None


def create_all(names: Sequence[str] | None = None, *, log: Log = _stderr_log) -> list[Outcome]:
    """Ensure every named runtime (all of runtimes.yaml by default); one failure does not stop the
    others.  Used by ``nox -s runtimes``."""
    outcomes = []
    for name in names or runtime_names():
        started = time.monotonic()
        try:
            runtime = ensure_runtime(name, log=log)
            outcomes.append(Outcome(name, runtime.state(), time.monotonic() - started))
        except (Unavailable, CreationError, RefusedError, OSError, subprocess.CalledProcessError) as error:
            outcomes.append(Outcome(name, get_runtime(name).state(), time.monotonic() - started,
                                    error=str(error)))
    return outcomes


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in rows)


def _list() -> int:
    rows = [("runtime", "state", "details")]
    for name in runtime_names():
        state = get_runtime(name).state()
        rows.append((name, state.status, state.reason))
    print(_table(rows))
    return 0


def _create_command(names: Sequence[str]) -> int:
    outcomes = create_all(names)
    rows = [("runtime", "result", "this run", "details")]
    for outcome in outcomes:
        rows.append((outcome.name, "failed" if outcome.error else outcome.state.status,
                     f"{outcome.seconds:.0f} s", outcome.error.splitlines()[0] if outcome.error
                     else outcome.state.reason))
    print(_table(rows))
    for outcome in outcomes:
        if outcome.error:
            print(f"\n{outcome.name}: {outcome.error}", file=sys.stderr)
    return 1 if any(o.error for o in outcomes) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.build.chroot",
                                     description=(__doc__ or "").split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="state of every runtime (no root needed)")
    create = commands.add_parser("create", help="create or finish runtimes (root)")
    create.add_argument("names", nargs="*", help="runtimes (default: all)")
    remove = commands.add_parser("remove", help="unmount and delete runtimes (root)")
    remove.add_argument("names", nargs="+")
    run = commands.add_parser("run", help="run a command inside a runtime with its mounts (root)")
    run.add_argument("name")
    run.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "list":
        return _list()
    if args.command == "create":
        return _create_command(args.names)
    if args.command == "remove":
        for name in args.names:
            try:
                remove_runtime(name)
            except RefusedError as error:
                print(f"{name}: {error}", file=sys.stderr)
                return 1
        return 0
    runtime = get_runtime(args.name)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    return runtime.run(cmd or ["/bin/bash"], check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
