"""The HTTP client functions, multipart items and chunked routes in the newest runtime (sid: Orthanc
1.13.0, Python 3.14), where Orthanc's HTTP client and the callbacks' threads differ from the host's
1.10.1. Same probe script as tests/integration/test_http_client.py, without HTTP authentication
(the shared harness checks the server with an anonymous GET /system).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator

import pytest

from tests.integration.helpers import SCRIPTS_DIR
from tests.integration.test_http_client import MIB, expected_crc, parse_multipart, run, stream
from tests.orthanc_server import OrthancServer
from tests.runtimes.orthanc_harness import orthanc_in
from tests.runtimes.runtime_plugins import RuntimePlugins

pytestmark = [pytest.mark.chroot, pytest.mark.integration, pytest.mark.slow]

RUNTIME = "sid-amd64"


@pytest.fixture(scope="module")
def server(runtime_plugin: RuntimePlugins) -> Iterator[OrthancServer]:
    plugin = runtime_plugin(RUNTIME)
    config = {"WebDavEnabled": False, "DicomServerEnabled": False}
    script = (SCRIPTS_DIR / "http_client_probe.py").read_text(encoding="utf-8")
    with orthanc_in(plugin.runtime, plugin=plugin.inside, script=script, extra_config=config) as orthanc:
        # The server is its own peer; its port is known once the harness has picked it.
        peer = orthanc.request("PUT", "/peers/self", json.dumps({"Url": orthanc.url}).encode())
        assert peer.status == 200, peer.text
        yield orthanc
    assert orthanc.process is not None and orthanc.process.returncode == 0, orthanc.log_tail()


def test_http_client_and_peers(server: OrthancServer) -> None:
    missing = run(server, "HttpClient", kwargs={"method": "GET", "url": f"{server.url}/no/such/route"})
    assert (missing["status"], missing["body"]) == (404, b""), missing
    echoed = run(server, "HttpClient", kwargs={"method": "GET", "url": f"{server.url}/probe/echo-headers",
                                                "headers": {"X-Probe-In": "hello"}})
    assert json.loads(echoed["body"])["headers"]["x-probe-in"] == "hello"
    assert {k.lower(): v for k, v in echoed["headers"].items()}["x-probe-answer"] == "yes"
    system = run(server, "CallPeerApi", kwargs={"peer": "self", "method": "GET", "uri": "/system"})
    assert json.loads(system["body"])["Name"] == server.name


def test_chunked_client_and_multipart(server: OrthancServer) -> None:
    count, size = 16, 64 * 1024
    expected = b"".join(bytes([i % 251]) * size for i in range(count))
    uploaded = run(server, "ChunkedHttpClient", generated=[count, size],
                   kwargs={"method": "POST", "url": f"{server.url}/probe/upload"})
    summary = json.loads(uploaded["body"])
    assert (summary["size"], summary["crc"]) == (len(expected), zlib.crc32(expected))
    answered = run(server, "ChunkedHttpClient", callback=True,
                   kwargs={"method": "GET", "url": f"{server.url}/probe/big?size={MIB}"})
    assert answered["chunks_size"] == MIB and answered["chunks"] > 1
    parts = parse_multipart(server.get("/probe/multipart"))
    assert [part["X-Part"] for part in parts] == ["1", "2", None]


def test_chunked_route(server: OrthancServer) -> None:
    block = bytes(range(256)) * (MIB // 256)
    answer = stream(server, "/probe/upload", (block for _ in range(64)))
    assert answer.status == 200, answer.text
    assert (answer.json()["size"], answer.json()["crc"]) == (64 * MIB, expected_crc(block, 64))
    assert answer.json()["largest"] <= MIB
    failed = stream(server, "/probe/upload-fail/chunk", iter([block] * 4))
    assert failed.status == 500
    assert "boom-in-addchunk" in server.wait_for_log("boom-in-addchunk")
    assert stream(server, "/probe/upload", iter([b"after"])).json()["size"] == 5
