"""Start a runtime's own Orthanc inside its chroot, for tests.

The chroot shares the host's network, so the Orthanc inside listens on the host's ports: the
harness picks free ports, gives the server a unique Name and trusts the port only once
GET http://127.0.0.1:PORT/system answers with that Name.  The server is stopped with SIGTERM by PID
and its log is kept (returned, and shown in failures).
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.build.chroot import Runtime

# Loopback only, and never through a proxy configured in the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class Orthanc:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path  # host path of the server's stdout+stderr

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> tuple[int, bytes]:
        return http_get(self.url + path)

    def get_json(self, path: str) -> Any:
        status, body = self.get(path)
        if status != 200:
            raise AssertionError(f"GET {path} -> {status}: {body[:500]!r}\n{self.log_tail()}")
        return json.loads(body)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "--- Orthanc log (end) ---\n" + "".join(text.splitlines(True)[-lines:])


def _wait_ready(orthanc: Orthanc, deadline: float) -> None:
    while time.monotonic() < deadline:
        if orthanc.process.poll() is not None:
            raise AssertionError(f"Orthanc exited with {orthanc.process.returncode}\n{orthanc.log_tail()}")
        with contextlib.suppress(OSError):
            status, body = orthanc.get("/system")
            if status == 200 and json.loads(body).get("Name") == orthanc.name:
                return
        time.sleep(0.2)
    raise AssertionError(f"Orthanc did not answer /system with Name {orthanc.name}\n{orthanc.log_tail()}")


def _stop(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_orthanc(runtime: Runtime, *, plugins: Sequence[str] = (),
                    files: Mapping[str, str] | None = None, config: Mapping[str, Any] | None = None,
                    startup_timeout: float = 60.0) -> Iterator[Orthanc]:
    """Run the runtime's Orthanc with a temp config inside the chroot.

    ``plugins`` are paths inside the chroot; ``files`` maps names to contents written into the
    server's directory (``{dir}`` in ``config`` string values is replaced by that directory's path
    inside the chroot, e.g. ``{"PythonScript": "{dir}/script.py"}``).
    """
    name = f"chroot-{runtime.name}-{uuid.uuid4().hex[:8]}"
    port, dicom_port = free_port(), free_port()
    with runtime.scratch(prefix="orthanc-") as (inside, host), runtime.mounted():
        for file_name, content in (files or {}).items():
            (host / file_name).write_text(content, encoding="utf-8")
        settings: dict[str, Any] = {
            "Name": name,
            "HttpPort": port,
            "DicomPort": dicom_port,
            "RemoteAccessAllowed": False,
            "StorageDirectory": f"{inside}/storage",
            "IndexDirectory": f"{inside}/index",
            "Plugins": list(plugins),
        }
        for key, value in (config or {}).items():
            settings[key] = value.replace("{dir}", inside) if isinstance(value, str) else value
        (host / "orthanc.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
        log_path = host / "orthanc.log"
        with open(log_path, "wb") as log:
            process = runtime.popen([runtime.orthanc, f"{inside}/orthanc.json"], cwd=inside,
                                    stdout=log, stderr=subprocess.STDOUT)
        orthanc = Orthanc(name, port, process, log_path)
        try:
            _wait_ready(orthanc, time.monotonic() + startup_timeout)
            yield orthanc
        finally:
            _stop(process)
