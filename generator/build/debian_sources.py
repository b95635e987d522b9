"""Downloading Debian source packages with a private apt configuration.

The host's apt setup is left alone: the ``deb-src`` entries, the downloaded indexes and apt's
caches live in one directory of the cache, and apt is pointed at them with ``-o Dir::...``
options.  The host's ``apt.conf.d`` still applies, so a proxy configured there keeps working.
apt verifies every downloaded file against the suite's signed index; nothing here trusts a file
that apt did not check.  Needs ``apt-get`` (any Debian-based host) but not root.
"""

from __future__ import annotations

import getpass
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.build.availability import Unavailable
from generator.build.cache_paths import locked


@dataclass(frozen=True)
class AptSourcesConfig:
    mirror: str
    keyring: str
    suites: tuple[str, ...]
    no_valid_until: frozenset[str]
    lists_max_age_hours: float


@dataclass(frozen=True)
class SourcePackage:
    package: str
    version: str
    suite: str
    files: tuple[Path, ...]  # .dsc, upstream tarball(s), Debian tarball, as apt checked them

    @property
    def orig_tarball(self) -> Path:
        for path in self.files:
            if ".orig.tar." in path.name and not path.name.endswith(".asc"):
                return path
        raise ValueError(f"{self.package} {self.version} has no upstream tarball: {self.files}")


# `apt-get source --print-uris` lines: 'URI' file-name size hash
_URI_LINE = re.compile(r"^'(?P<uri>[^']+)' (?P<name>\S+) (?P<size>\d+) \S+$", re.MULTILINE)


class PrivateApt:
    """apt-get with its sources, lists and caches under `root`."""

    def __init__(self, root: Path, config: AptSourcesConfig) -> None:
        self.root = root
        self.config = config

    @property
    def _sources_file(self) -> Path:
        return self.root / "sources.list.d" / "cpython-src.sources"

    @property
    def _stamp(self) -> Path:
        return self.root / "lists" / "updated.stamp"

    def _apt_options(self) -> list[str]:
        return [
            "-o",
            f"Dir::Etc::SourceList={self.root / 'sources.list'}",
            "-o",
            f"Dir::Etc::SourceParts={self.root / 'sources.list.d'}",
            "-o",
            f"Dir::State::Lists={self.root / 'lists'}",
            "-o",
            f"Dir::Cache={self.root / 'cache'}",
            "-o",
            f"APT::Sandbox::User={getpass.getuser()}",
            "-o",
            "Acquire::Languages=none",
            "-q",
        ]

    def _sources_text(self) -> str:
        entries = []
        for suite in self.config.suites:
            lines = [
                "Types: deb-src",
                f"URIs: {self.config.mirror}",
                f"Suites: {suite}",
                "Components: main",
                f"Signed-By: {self.config.keyring}",
            ]
            if suite in self.config.no_valid_until:
                lines.append("Check-Valid-Until: no")
            entries.append("\n".join(lines) + "\n")
        return "# Written by generator/build/debian_sources.py; rewritten at each use.\n\n" + "\n".join(
            entries
        )

    def _run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        apt_get = shutil.which("apt-get")
        if apt_get is None:
            raise Unavailable(
                "apt-get not found: CPython sources for Windows come from Debian source packages"
            )
        return subprocess.run(
            [apt_get, *self._apt_options(), *args], cwd=cwd, capture_output=True, text=True, check=False
        )

    def ensure_lists(self) -> None:
        """Write the sources file and run `apt-get update` when the indexes are missing or old."""
        with locked(self.root / "apt.lock"):
            for sub in ("sources.list.d", "lists/partial", "cache/archives/partial"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
            (self.root / "sources.list").touch()
            text = self._sources_text()
            changed = not self._sources_file.exists() or self._sources_file.read_text() != text
            if changed:
                self._sources_file.write_text(text)
            max_age = self.config.lists_max_age_hours * 3600
            if not changed and self._stamp.exists() and time.time() - self._stamp.stat().st_mtime < max_age:
                return
            done = self._run("update")
            (self.root / "update.log").write_text(done.stdout + done.stderr)
            # A suite that failed to update is not fatal here: its packages are reported as
            # unavailable when asked for, with this log's errors as the reason.
            if any(self.root.joinpath("lists").glob("*_Sources*")):
                self._stamp.write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ\n", time.gmtime()))

    def download_source(self, package: str, suites: Sequence[str], dest: Path) -> SourcePackage:
        """The first of `suites` whose `package` downloads into `dest`; Unavailable with every
        suite's failure otherwise."""
        if not suites:
            raise Unavailable(f"no Debian suite is configured for {package}")
        self.ensure_lists()
        dest.mkdir(parents=True, exist_ok=True)
        failures = []
        for suite in suites:
            try:
                return self._download_from(package, suite, dest)
            except Unavailable as error:
                failures.append(f"{suite}: {error.reason}")
        raise Unavailable(f"{package} sources not downloadable ({'; '.join(failures)})")

    def _download_from(self, package: str, suite: str, dest: Path) -> SourcePackage:
        spec = f"{package}/{suite}"
        listed = self._run("source", "--print-uris", spec, cwd=dest)
        names = [m["name"] for m in _URI_LINE.finditer(listed.stdout)]
        if listed.returncode != 0 or not names:
            raise Unavailable(_apt_error(listed, "not in the suite's index"))
        with locked(dest / "download.lock"):
            fetched = self._run("source", "--download-only", spec, cwd=dest)
        if fetched.returncode != 0:
            raise Unavailable(_apt_error(fetched, "download failed"))
        dsc = next(name for name in names if name.endswith(".dsc"))
        version = dsc[len(package) + 1 : -len(".dsc")]
        return SourcePackage(package, version, suite, tuple(dest / name for name in names))


def _apt_error(done: subprocess.CompletedProcess[str], fallback: str) -> str:
    """apt's first error line, shortened to what a matrix cell can show."""
    for line in (done.stderr + done.stdout).splitlines():
        if line.startswith("E: "):
            message = line[3:]
            # "Failed to fetch http://.../python3.14_3.14.10-1.dsc  404  Not Found [IP: ...]"
            fetch = re.match(r"Failed to fetch \S*/(\S+)\s+(\d{3})\s+([^\[]+)", message)
            if fetch:
                return f"{fetch[2]} {fetch[3].strip()} for {fetch[1]}"
            return message
    return fallback
