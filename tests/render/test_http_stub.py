"""The stub types the HTTP client functions, multipart items and chunked routes (custom.yaml):
a script using them as documented passes `mypy --strict`, misuse is reported."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.plan.plan import build_plan
from generator.render.render import render_plan

GOOD = '''\
import zlib
from typing import Iterator

import orthanc


def chunks() -> Iterator[bytes]:
    yield b"a" * 10
    yield b"b" * 10


def on_rest(output: orthanc.RestOutput, uri: str, **request: object) -> None:
    status, headers, body = orthanc.HttpClient("GET", "http://127.0.0.1:8042/system", {"X-A": "b"},
                                               username="alice", password="secret", timeout=5)
    code: int = status
    named: dict[str, str] = headers
    raw: bytes = body
    orthanc.HttpClient(orthanc.HttpMethod.POST, "https://example.org/", body=b"x", certificateFile="/c.pem",
                       certificateKeyFile="/k.pem", certificateKeyPassword="p", pkcs11=False)
    orthanc.CallPeerApi("peer", "GET", "/system", timeout=3)
    orthanc.GetPeers().CallPeerApi(0, orthanc.HttpMethod.DELETE, "/patients/x")
    received: list[bytes] = []
    orthanc.ChunkedHttpClient("PUT", "http://127.0.0.1:8042/upload", body=chunks(), answer=received.append)
    orthanc.ChunkedHttpClient("POST", "http://127.0.0.1:8042/upload", body=b"whole")
    output.StartMultipartAnswer("mixed", "text/plain")
    output.SendMultipartItem2(raw, {"Content-Location": "/x"})
    output.SendMultipartItem2("text %d %d %s" % (code, len(named), zlib.crc32(raw)))


class Reader:
    def __init__(self, uri: str, **request: object) -> None:
        self.size = 0

    def AddChunk(self, chunk: bytes) -> None:
        self.size += len(chunk)

    def Execute(self, output: orthanc.RestOutput) -> None:
        output.AnswerBuffer(str(self.size), "text/plain")


orthanc.RegisterRestCallback("/hello", on_rest)
orthanc.RegisterChunkedRestCallback("/upload", get=on_rest, post=Reader, put=Reader)
'''

BAD = '''\
import orthanc

body: str = orthanc.HttpClient("GET", "http://x/")[2]
orthanc.ChunkedHttpClient("GET", "http://x/", body=[1, 2])
orthanc.CallPeerApi("peer", "GET", "/system", headers=["X-A"])
'''


def test_http_functions_are_typed(model_of, tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    render_plan(build_plan(model_of("1.10.1")), tmp_path)
    script = tmp_path / "script.py"
    script.write_text(GOOD)
    result = subprocess.run(["python3", "-m", "mypy", "--strict", str(script)], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    script.write_text(BAD)
    result = subprocess.run(["python3", "-m", "mypy", str(script)], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1
    for line in (3, 4, 5):
        assert f"script.py:{line}: error" in result.stdout, result.stdout
