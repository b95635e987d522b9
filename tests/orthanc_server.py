"""Start a real Orthanc with a plugin and a Python script, for tests.

Each server gets a folder of its own (configuration, storage, index, log), free HTTP and DICOM
ports and a unique Name.  Orthanc listens on every interface and other servers may run on this
machine, so the harness talks to 127.0.0.1 only and trusts the port once GET /system answers with
its Name.  It stops the server with SIGTERM by PID and keeps the log, whose tail goes into every
error it raises.

The Orthanc binary is /usr/sbin/Orthanc unless $ORTHANC_BINARY or `binary` says otherwise;
`command_prefix` runs it through another program (e.g. ["chroot", ROOT]), in which case the paths
in the configuration must make sense to the server (see `path_in_server`).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_BINARY = "/usr/sbin/Orthanc"
LOOPBACK = "127.0.0.1"


def default_binary() -> str:
    return os.environ.get("ORTHANC_BINARY", DEFAULT_BINARY)


# Ports handed out by free_port in this process, so that two calls never give the same one.
_HANDED_OUT: set[int] = set()


def _ephemeral_range() -> range:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return range(int(low), int(high) + 1)
    except (OSError, ValueError):
        return range(32768, 61000)


def free_port() -> int:
    """A TCP port free on every interface (Orthanc binds all of them), for a listener started later.

    The port is taken outside the kernel's ephemeral range: a port from that range (what binding
    port 0 returns) can be handed to any outgoing connection in the meantime, the harness's own
    HTTP requests included, and a listener started later then fails with "Address already in use".
    """
    ephemeral = _ephemeral_range()
    candidates = [port for port in range(20000, 32768) if port not in ephemeral and port not in _HANDED_OUT]
    rng = random.Random(os.getpid() ^ time.monotonic_ns())
    for port in rng.sample(candidates, min(len(candidates), 200)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("0.0.0.0", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise OrthancError("no free TCP port between 20000 and 32767 outside the ephemeral range")


# Orthanc logs this once it serves, at every start and after every /tools/reset.
STARTED_MARK = "Orthanc has started"


class OrthancError(AssertionError):
    """The server did not start, stop or answer as expected; the message ends with its log."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Connection:
    """A keep-alive HTTP connection to one server (for many requests in a row)."""

    def __init__(self, port: int, timeout: float) -> None:
        self._connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: Mapping[str, str | bytes] | None = None) -> Response:
        self._connection.putrequest(method, path, skip_accept_encoding=True)
        for key, value in (headers or {}).items():
            self._connection.putheader(key, value)
        if body is not None:
            self._connection.putheader("Content-Length", str(len(body)))
        self._connection.endheaders(body)
        answer = self._connection.getresponse()
        data = answer.read()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)

    def close(self) -> None:
        self._connection.close()


@dataclass
class OrthancServer:
    """One Orthanc process. Use as a context manager, or call start() and stop()."""

    workdir: Path
    plugin: Path | None = None
    script: Path | None = None
    extra_config: Mapping[str, Any] = field(default_factory=dict)
    binary: str = field(default_factory=default_binary)
    arguments: Sequence[str] = ("--verbose",)
    command_prefix: Sequence[str] = ()
    path_in_server: Callable[[Path], str] = str
    env: Mapping[str, str] | None = None

    name: str = field(default_factory=lambda: f"pytest-{uuid.uuid4().hex[:12]}")
    http_port: int = field(default_factory=free_port)
    dicom_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    # ---- configuration ---------------------------------------------------

    @property
    def config_path(self) -> Path:
        return self.workdir / "orthanc.json"

    @property
    def log_path(self) -> Path:
        return self.workdir / "orthanc.log"

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    def configuration(self) -> dict[str, Any]:
        storage = self.workdir.absolute() / "storage"
        config: dict[str, Any] = {
            "Name": self.name,
            "HttpPort": self.http_port,
            "DicomPort": self.dicom_port,
            "DicomAet": "PYTEST",
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "StorageDirectory": self.path_in_server(storage),
            "IndexDirectory": self.path_in_server(storage),
            "Plugins": [self.path_in_server(self.plugin.absolute())] if self.plugin is not None else [],
        }
        if self.script is not None:
            config["PythonScript"] = self.path_in_server(self.script.absolute())
        config.update(self.extra_config)
        return config

    # ---- life cycle ------------------------------------------------------

    def launch(self) -> OrthancServer:
        """Start the process without waiting for it to answer."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(json.dumps(self.configuration(), indent=2))
        command = [*self.command_prefix, self.binary, *self.arguments,
                   self.path_in_server(self.config_path.absolute())]
        environment = dict(os.environ)
        environment.update(self.env or {})
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            cwd=self.workdir, env=environment)
        return self

    def start(self, timeout: float = 30.0) -> OrthancServer:
        """Start and wait until GET /system answers with our Name."""
        self.launch()
        self.wait_ready(timeout)
        return self

    def is_ours(self) -> bool:
        try:
            answer = self.request("GET", "/system", timeout=2.0)
        except OSError:
            return False
        if answer.status != 200:
            return False
        try:
            return bool(answer.json().get("Name") == self.name)
        except (ValueError, AttributeError):
            return False

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise OrthancError(self._describe(f"Orthanc exited with code {self.process.returncode} "
                                                  "before answering"))
            if self.is_ours():
                return
            time.sleep(0.05)
        raise OrthancError(self._describe(f"Orthanc did not answer on port {self.http_port} within {timeout} s"))

    def wait_exit(self, timeout: float = 30.0) -> int:
        """For servers expected to stop by themselves (refused start-up): the exit code."""
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise OrthancError(self._describe(f"Orthanc still runs after {timeout} s")) from None

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL if needed; the exit code (None if never started)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise OrthancError(self._describe(f"Orthanc ignored SIGTERM for {timeout} s")) from None
        return self.process.returncode

    def reset(self, timeout: float = 30.0) -> None:
        """POST /tools/reset (Orthanc restarts in-process, plugins included) and wait for it."""
        started = self.log_text().count(STARTED_MARK)
        answer = self.request("POST", "/tools/reset", body=b"")
        if answer.status != 200:
            raise OrthancError(self._describe(f"/tools/reset answered {answer.status}"))
        # The old server answers for a while after the request (Orthanc stops its Lua engine and
        # its plugins' ORTHANC_STOPPED callbacks run first): wait for the restarted one's mark in
        # the log, then until it answers.
        if started:
            self.wait_for_log(STARTED_MARK, timeout=timeout, count=started + 1)
        else:
            time.sleep(0.2)
        self.wait_ready(timeout)

    def __enter__(self) -> OrthancServer:
        # `with server.start():` must not launch a second Orthanc on the same storage (it would wait
        # for the index's lock, outlive the test, and hold its ports).
        if self.process is not None and self.process.poll() is None:
            return self
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- HTTP --------------------------------------------------------------

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: Mapping[str, str | bytes] | None = None, timeout: float = 30.0) -> Response:
        connection = Connection(self.http_port, timeout)
        try:
            return connection.request(method, path, body, headers)
        finally:
            connection.close()

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: bytes, **kwargs: Any) -> Response:
        return self.request("POST", path, body=body, **kwargs)

    def get_json(self, path: str) -> Any:
        answer = self.get(path)
        if answer.status != 200:
            raise OrthancError(self._describe(f"GET {path} answered {answer.status}: {answer.text[:500]}"))
        return answer.json()

    @contextmanager
    def connection(self, timeout: float = 30.0) -> Iterator[Connection]:
        connection = Connection(self.http_port, timeout)
        try:
            yield connection
        finally:
            connection.close()

    # ---- log -------------------------------------------------------------

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def wait_for_log(self, text: str, timeout: float = 10.0, count: int = 1) -> str:
        """Wait until `text` appears `count` times in the log; returns the log."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.log_text()
            if log.count(text) >= count:
                return log
            if time.monotonic() > deadline:
                raise OrthancError(self._describe(f"{text!r} not seen {count} time(s) in the log after {timeout} s"))
            time.sleep(0.05)

    def _describe(self, message: str) -> str:
        return f"{message}\n--- {self.log_path} (tail) ---\n{self.log_tail()}"
