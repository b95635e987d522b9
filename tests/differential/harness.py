"""Run one corpus script in a real Orthanc with a given plugin and record what a user observes.

A run starts Orthanc the usual way (no --verbose), with stdout and stderr kept apart, drives it
through a scenario (HTTP requests, DICOM peers, waits on the output) and stops it.  The observation
is plain data, normalised only where two correct runs must differ (identifiers made of random
UUIDs, dates, times, ports, process ids), so that the observation of the reference plugin and of
ours compare with `==` and a difference prints as a readable diff.

What is observed:
- every step's result: HTTP status, body (JSON parsed when it is JSON), the headers a script can
  set (content-type, location, set-cookie, x-*), DICOM peers' answers;
- stdout: every line (Orthanc writes its log to stderr, so stdout is the script's own output);
- stderr: the raw lines the scripts write (they contain "stderr:"), the messages of the
  plugin's log lines that the scripts log (they start with "log:") with their level, and the
  exception lines (`SomeError: message`) of every traceback, wherever it is printed;
- the exit code of Orthanc once stopped with SIGTERM (a hang on stop fails the run).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.orthanc_server import OrthancError, OrthancServer, Response

CORPUS = Path(__file__).resolve().parent / "corpus"
REFERENCE_PLUGIN = Path("/usr/lib/orthanc/libOrthancPython.so.4.0")

# Orthanc's log line: level letter, date, time, thread id (1.12+), file:line] message.
LOG_LINE = re.compile(r"^([IWET])\d{4} \d\d:\d\d:\d\d\.\d+ +(?:\d+ +)?(?:[\w.-]+:\d+|\S+)\] (.*)$")
EXCEPTION_LINE = re.compile(r"^((?:[A-Za-z_<>][\w<>]*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt)): (.*)$")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DATE_TIME = re.compile(r"\b\d{8}T\d{6}\b")
PID = re.compile(r"\bpid[= ]\d+")
MULTIPART_BOUNDARY = re.compile(r"<uuid>-[0-9a-f-]+")  # Orthanc's boundaries: a UUID and more hex digits
ADDRESS = re.compile(r" at 0x[0-9a-f]+>")


class SeparateStreamsServer(OrthancServer):
    """An OrthancServer whose stdout and stderr go to two files (log_path is stderr)."""

    @property
    def stdout_path(self) -> Path:
        return self.workdir / "orthanc.stdout"

    def launch(self) -> SeparateStreamsServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(json.dumps(self.configuration(), indent=2))
        command = [*self.command_prefix, self.binary, *self.arguments,
                   self.path_in_server(self.config_path.absolute())]
        environment = dict(os.environ)
        environment.update(self.env or {})
        with open(self.log_path, "ab") as err, open(self.stdout_path, "ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                            cwd=self.workdir, env=environment)
        return self

    def stdout_text(self) -> str:
        try:
            return self.stdout_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


def normalise(value: Any) -> Any:
    """Replaces what differs between two correct runs; recursive on JSON-like data."""
    if isinstance(value, str):
        value = MULTIPART_BOUNDARY.sub("<uuid>", UUID.sub("<uuid>", value))
        value = DATE_TIME.sub("<datetime>", value)
        value = ADDRESS.sub(" at <address>>", value)
        return PID.sub("pid=<pid>", value)
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, tuple):
        return tuple(normalise(item) for item in value)
    if isinstance(value, dict):
        return {normalise(key): "<per-server>" if key in PER_SERVER_KEYS else normalise(item)
                for key, item in value.items()}
    return value


# Values of Orthanc's JSON that each server draws at random.
PER_SERVER_KEYS = {"DatabaseServerIdentifier"}

OBSERVED_HEADERS = ("content-type", "location", "set-cookie", "www-authenticate")


def describe_response(answer: Response) -> dict[str, Any]:
    body: Any
    try:
        body = answer.json()
    except ValueError:
        body = answer.body.decode("utf-8", "backslashreplace")
    headers = {key: value for key, value in answer.headers.items()
               if key in OBSERVED_HEADERS or key.startswith("x-")}
    return {"status": answer.status, "headers": headers, "body": body}


@dataclass
class Session:
    """What a scenario drives; each call records one observed step."""

    server: SeparateStreamsServer
    workdir: Path
    steps: list[Any] = field(default_factory=list)

    def http(self, method: str, path: str, body: bytes | None = None,
             headers: Mapping[str, str] | None = None, timeout: float = 30.0) -> Response:
        """One request; a connection that Orthanc closes without answering (a callback that sends no
        answer) is observed as such."""
        try:
            answer = self.server.request(method, path, body=body, headers=headers, timeout=timeout)
        except (OSError, http.client.HTTPException) as error:
            self.steps.append([method, path, {"no answer": type(error).__name__}])
            return Response(0, {}, b"")
        self.steps.append([method, path, describe_response(answer)])
        return answer

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.http("GET", path, **kwargs)

    def post(self, path: str, body: bytes = b"", **kwargs: Any) -> Response:
        return self.http("POST", path, body=body, **kwargs)

    def record(self, label: str, value: Any) -> None:
        self.steps.append([label, value])

    def wait_for_output(self, text: str, timeout: float = 15.0) -> None:
        """Waits until `text` is on stdout or stderr (outputs that arrive after the step that causes
        them: changes, stored instances, forked children)."""
        deadline = time.monotonic() + timeout
        while text not in self.server.stdout_text() + self.server.log_text():
            if time.monotonic() > deadline:
                self.steps.append(["missing output", text])
                return
            time.sleep(0.05)


@dataclass
class Observation:
    steps: list[Any]
    stdout: list[str]
    stderr: list[str]
    log: list[str]
    exceptions: list[str]
    exit_code: int | None
    server_log: str  # unnormalised stderr, shown when a comparison fails

    identity: dict[Any, str] = field(default_factory=dict)  # this server's name and ports -> placeholders

    def comparable(self) -> dict[str, Any]:
        seen = {"steps": self.steps, "stdout": self.stdout, "stderr": self.stderr, "log": self.log,
                "exceptions": self.exceptions, "exit_code": self.exit_code}
        return normalise(_replace(self.identity, seen))


def _replace(identity: Mapping[Any, str], value: Any) -> Any:
    """Values that name this very server (its Name, HTTP and DICOM ports) become placeholders."""
    if isinstance(value, (str, int)) and not isinstance(value, bool) and value in identity:
        return identity[value]
    if isinstance(value, str):
        for key, placeholder in identity.items():
            value = value.replace(str(key), placeholder)
        return value
    if isinstance(value, list):
        return [_replace(identity, item) for item in value]
    if isinstance(value, dict):
        return {key: _replace(identity, item) for key, item in value.items()}
    return value


REFERENCE_CLASS_LINE = re.compile(r"^<class '((?:[\w<>]+\.)*[\w<>]+)'>$")


def split_stderr(text: str) -> tuple[list[str], list[str], list[str]]:
    """(raw lines written by the script, "L message" of the script's log lines, exception lines).

    An exception line is "Type: message": the last line of a traceback as Python prints it, or the
    reference plugin's "<class 'Type'>" line followed by the message line."""
    raw: list[str] = []
    logged: list[str] = []
    exceptions: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        reference_class = REFERENCE_CLASS_LINE.match(line.strip())
        if reference_class and index + 1 < len(lines):
            exceptions.append(f"{reference_class.group(1).rsplit('.', 1)[-1]}: {lines[index + 1]}")
            continue
        match = LOG_LINE.match(line)
        message = match.group(2) if match else line
        if match and message.startswith("log:"):
            logged.append(f"{match.group(1)} {message}")
        elif not match and "stderr:" in line:
            raw.append(line)
        # A traceback's last line, alone or inside a log line (some log tracebacks on one line).
        exception = EXCEPTION_LINE.match(message.strip())
        if exception and "Traceback" not in message:
            exceptions.append(f"{exception.group(1).rsplit('.', 1)[-1]}: {exception.group(2)}")
    # Wrong arguments: both raise TypeError, each with its own wording.
    exceptions = ["TypeError: <message>" if line.startswith("TypeError: ") else line for line in exceptions]
    return raw, logged, sorted(set(exceptions))


Scenario = Callable[[Session], None]


def observe(make_server: Callable[..., SeparateStreamsServer], plugin: str | Path, script: Path,
            scenario: Scenario, extra_config: Mapping[str, Any] | None = None,
            sort_stdout: bool = False) -> Observation:
    """Starts Orthanc with `plugin` and `script`, runs `scenario`, stops Orthanc, returns what was seen.
    `sort_stdout` for scripts whose lines come from threads that race (change callbacks)."""
    server = make_server(plugin=plugin, script=script, extra_config=dict(extra_config or {}))
    session = Session(server, server.workdir)
    try:
        try:
            server.start(60)
        except OrthancError:
            if server.process is None or server.process.poll() is None:
                raise
            session.steps.append(["start", "Orthanc exited before answering"])
        else:
            scenario(session)
    finally:
        try:
            exit_code = server.stop(30)
        except OrthancError as error:
            session.steps.append(["stop", str(error).splitlines()[0]])
            exit_code = None
    stderr = server.log_text()
    raw, logged, exceptions = split_stderr(stderr)
    stdout = [line for line in server.stdout_text().splitlines() if line]
    if sort_stdout:
        stdout.sort()
    identity = {server.name: "<name>", server.http_port: "<http-port>", server.dicom_port: "<dicom-port>"}
    return Observation(session.steps, stdout, raw, logged, exceptions, exit_code, stderr, identity)


def differences(reference: Observation, ours: Observation) -> list[str]:
    """One line per key whose normalised values differ."""
    left, right = reference.comparable(), ours.comparable()
    found = []
    for key in left:
        if left[key] != right[key]:
            if isinstance(left[key], list) and isinstance(right[key], list):
                length = max(len(left[key]), len(right[key]))
                for index in range(length):
                    a = left[key][index] if index < len(left[key]) else "<absent>"
                    b = right[key][index] if index < len(right[key]) else "<absent>"
                    if a != b:
                        found.append(f"{key}[{index}]: reference {a!r}\n{' ' * len(key)}   ours      {b!r}")
            else:
                found.append(f"{key}: reference {left[key]!r}, ours {right[key]!r}")
    return found
