"""Orthanc as an HTTP client from Python (HttpClient, CallPeerApi, ChunkedHttpClient), multipart
items with headers (SendMultipartItem2) and chunked uploads to Python routes
(RegisterChunkedRestCallback), in a real Orthanc with HTTP authentication on
(tests/integration/scripts/http_client_probe.py).

The server is its own peer ("self" in OrthancPeers, with the credentials), so every client
function is seen from outside: Orthanc's own REST API answers it.
"""

from __future__ import annotations

import base64
import email
import http.client
import json
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import QUICK_STOP_CONFIG, SCRIPTS_DIR
from tests.orthanc_server import LOOPBACK, OrthancServer, Response

pytestmark = pytest.mark.integration

USER, PASSWORD = "alice", "secret"
AUTHORIZATION = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
MIB = 1024 * 1024


@dataclass
class AuthenticatedServer(OrthancServer):
    """An Orthanc with HTTP authentication on, whose test requests carry the credentials."""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: Mapping[str, str | bytes] | None = None, timeout: float = 30.0) -> Response:
        return super().request(method, path, body, {"Authorization": AUTHORIZATION, **(headers or {})}, timeout)


@pytest.fixture(scope="module")
def server(plugin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    orthanc = AuthenticatedServer(workdir=tmp_path_factory.mktemp("http-client"), plugin=plugin,
                                  script=SCRIPTS_DIR / "http_client_probe.py", extra_config=QUICK_STOP_CONFIG)
    orthanc.extra_config = {
        **QUICK_STOP_CONFIG,
        "AuthenticationEnabled": True,
        "RegisteredUsers": {USER: PASSWORD},
        "OrthancPeers": {"self": {"Url": orthanc.url, "Username": USER, "Password": PASSWORD}},
    }
    orthanc.start()
    yield orthanc
    code = orthanc.stop()
    assert code == 0, f"Orthanc did not stop cleanly (exit {code})\n{orthanc.log_tail()}"


def run(server: OrthancServer, function: str, **spec: Any) -> dict[str, Any]:
    """Calls `function` inside Orthanc through POST /probe/call; its result or exception."""
    answer = server.post("/probe/call", json.dumps({"function": function, **spec}).encode())
    assert answer.status == 200, answer.text
    result: dict[str, Any] = answer.json()
    if "body" in result:
        result["body"] = base64.b64decode(result["body"])
    return result


def lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}


# ---- HttpClient -------------------------------------------------------------------------------

def test_http_client_with_and_without_credentials(server: OrthancServer) -> None:
    refused = run(server, "HttpClient", kwargs={"method": "GET", "url": f"{server.url}/system"})
    assert refused["status"] == 401 and "exception" not in refused
    allowed = run(server, "HttpClient", kwargs={"method": orthanc_method("GET"), "url": f"{server.url}/system",
                                                 "username": USER, "password": PASSWORD})
    assert allowed["status"] == 200
    assert json.loads(allowed["body"])["Name"] == server.name
    assert lower_keys(allowed["headers"])["content-type"].startswith("application/json")


def test_http_client_returns_an_http_error_as_its_status(server: OrthancServer) -> None:
    missing = run(server, "HttpClient", kwargs={"method": "get", "url": f"{server.url}/no/such/route",
                                                 "username": USER, "password": PASSWORD})
    assert (missing["status"], missing["headers"], missing["body"]) == (404, {}, b"")


def test_http_client_sends_and_returns_headers_and_bodies(server: OrthancServer) -> None:
    echoed = run(server, "HttpClient", kwargs={"method": "GET", "url": f"{server.url}/probe/echo-headers",
                                                "headers": {"X-Probe-In": "hello"},
                                                "username": USER, "password": PASSWORD})
    assert echoed["status"] == 200
    assert json.loads(echoed["body"])["headers"]["x-probe-in"] == "hello"
    assert lower_keys(echoed["headers"])["x-probe-answer"] == "yes"
    # A POST body reaches Orthanc: a chunked route sums it up.
    posted = run(server, "HttpClient", kwargs={"method": "POST", "url": f"{server.url}/probe/upload",
                                                "body": "0123456789" * 1000, "username": USER,
                                                "password": PASSWORD})
    summary = json.loads(posted["body"])
    assert (posted["status"], summary["size"]) == (200, 10000)
    assert summary["crc"] == zlib.crc32(b"0123456789" * 1000)


def test_http_client_timeout_raises(server: OrthancServer) -> None:
    late = run(server, "HttpClient", kwargs={"method": "GET", "url": f"{server.url}/probe/slow?seconds=2",
                                              "username": USER, "password": PASSWORD, "timeout": 1})
    assert late["exception"] == "OrthancException", late
    unreachable = run(server, "HttpClient", kwargs={"method": "GET", "url": f"http://{LOOPBACK}:1/"})
    assert unreachable["exception"] == "OrthancException", unreachable


# ---- CallPeerApi ------------------------------------------------------------------------------

@pytest.mark.parametrize(("function", "peer"), [("CallPeerApi", "self"), ("CallPeerApi", 0),
                                                ("Peers.CallPeerApi", 0), ("Peers.CallPeerApi", "self")])
def test_call_peer_api_uses_the_peer_configuration(server: OrthancServer, function: str, peer: Any) -> None:
    key = "peer" if function == "CallPeerApi" else "peerIndex"
    system = run(server, function, kwargs={key: peer, "method": "GET", "uri": "/system"})
    assert system["status"] == 200, system
    assert json.loads(system["body"])["Name"] == server.name
    echoed = run(server, function, kwargs={key: peer, "method": "GET", "uri": "/probe/echo-headers",
                                           "headers": {"X-Probe-In": "from-peer"}})
    assert json.loads(echoed["body"])["headers"]["x-probe-in"] == "from-peer"
    missing = run(server, function, kwargs={key: peer, "method": "DELETE", "uri": "/no/such/route"})
    assert missing["status"] == 404 and "exception" not in missing


def test_call_peer_api_posts_a_body(server: OrthancServer) -> None:
    posted = run(server, "CallPeerApi", kwargs={"peer": "self", "method": "POST", "uri": "/probe/upload",
                                                 "body": "abc" * 100})
    assert posted["status"] == 200 and json.loads(posted["body"])["size"] == 300


# ---- SendMultipartItem2 -------------------------------------------------------------------------

def parse_multipart(answer: Response) -> list[email.message.Message]:
    message = email.message_from_bytes(b"Content-Type: " + answer.headers["content-type"].encode() + b"\r\n\r\n"
                                       + answer.body)
    assert message.is_multipart(), answer.headers
    return list(message.get_payload())  # type: ignore[arg-type]


def test_multipart_items_carry_their_headers(server: OrthancServer) -> None:
    answer = server.get("/probe/multipart")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("multipart/mixed")
    parts = parse_multipart(answer)
    assert [part.get_payload(decode=True) for part in parts] == [b"first item", b"second item", b"third item"]
    assert [part["X-Part"] for part in parts] == ["1", "2", None]
    assert parts[0]["Content-Location"] == "/items/1"


def test_multipart_item_arguments_are_checked(server: OrthancServer) -> None:
    answer = server.get("/probe/multipart-bad-arguments")
    outcome = json.loads(parse_multipart(answer)[0].get_payload(decode=True))
    assert outcome == {"headers-list": "TypeError", "body-int": "TypeError", "header-bytes": "TypeError"}


# ---- ChunkedHttpClient -------------------------------------------------------------------------

def test_chunked_client_uploads_a_generated_body(server: OrthancServer) -> None:
    count, size = 40, 64 * 1024
    expected = b"".join(bytes([i % 251]) * size for i in range(count))
    result = run(server, "ChunkedHttpClient", generated=[count, size],
                 kwargs={"method": "PUT", "url": f"{server.url}/probe/upload", "username": USER,
                         "password": PASSWORD})
    assert result["status"] == 200, result
    summary = json.loads(result["body"])
    assert (summary["method"], summary["size"], summary["crc"]) == ("PUT", len(expected), zlib.crc32(expected))
    # The route got the body as Orthanc read it from a chunked transfer, not as one piece.
    assert summary["chunks"] > 1


def test_chunked_client_delivers_the_answer_chunk_by_chunk(server: OrthancServer) -> None:
    size = 4 * MIB
    expected = bytes(range(256)) * (size // 256)
    result = run(server, "ChunkedHttpClient", callback=True,
                 kwargs={"method": "GET", "url": f"{server.url}/probe/big?size={size}", "username": USER,
                         "password": PASSWORD})
    assert result["status"] == 200 and result["body"] == b""
    assert (result["chunks_size"], result["chunks_crc"]) == (size, zlib.crc32(expected))
    assert result["chunks"] > 1
    assert lower_keys(result["headers"])["content-length"] == str(size)
    collected = run(server, "ChunkedHttpClient", kwargs={"method": "GET", "url": f"{server.url}/probe/multipart",
                                                          "username": USER, "password": PASSWORD})
    assert collected["status"] == 200 and b"second item" in collected["body"]


def test_chunked_client_sends_one_bytes_body(server: OrthancServer) -> None:
    result = run(server, "ChunkedHttpClient", whole="x" * 3000,
                 kwargs={"method": "POST", "url": f"{server.url}/probe/upload", "username": USER,
                         "password": PASSWORD})
    assert json.loads(result["body"])["size"] == 3000


@pytest.mark.parametrize(("failing", "message"), [("body", "boom-in-body-generator"),
                                                  ("answer", "boom-in-answer-callback")])
def test_chunked_client_raises_what_its_callbacks_raise(server: OrthancServer, failing: str, message: str) -> None:
    result = run(server, "ChunkedHttpClient", failing=failing,
                 kwargs={"method": "POST", "url": f"{server.url}/probe/upload", "username": USER,
                         "password": PASSWORD})
    assert (result.get("exception"), result.get("args")) == ("RuntimeError", [message]), result
    # Orthanc serves on.
    assert server.get_json("/probe/upload")["method"] == "GET"


def test_chunked_client_returns_http_errors_as_status(server: OrthancServer) -> None:
    refused = run(server, "ChunkedHttpClient", kwargs={"method": "GET", "url": f"{server.url}/system"})
    assert refused["status"] == 401 and "exception" not in refused


# ---- RegisterChunkedRestCallback ------------------------------------------------------------------

def stream(server: OrthancServer, path: str, chunks: Iterator[bytes], method: str = "POST") -> Response:
    """Sends a body with Transfer-Encoding: chunked (Orthanc streams only those)."""
    connection = http.client.HTTPConnection(LOOPBACK, server.http_port, timeout=120)
    try:
        connection.request(method, path, body=chunks, encode_chunked=True,
                           headers={"Authorization": AUTHORIZATION, "Transfer-Encoding": "chunked",
                                    "Content-Type": "application/x-probe"})
        answer = connection.getresponse()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
    finally:
        connection.close()


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def test_chunked_route_streams_a_1_gib_upload(server: OrthancServer) -> None:
    assert server.process is not None
    pid = server.process.pid
    block = bytes(range(256)) * (MIB // 256)
    count = 1024
    # Warm up (first-time allocations of the route, the worker threads, zlib), then measure.
    assert stream(server, "/probe/upload", iter([block] * 8)).status == 200
    rss_before = memory_kib(pid, "VmRSS")
    # Resets the peak (VmHWM) to the current RSS, so that the peak of the upload itself shows.
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    answer = stream(server, "/probe/upload", (block for _ in range(count)))
    peak, rss_after = memory_kib(pid, "VmHWM"), memory_kib(pid, "VmRSS")
    assert answer.status == 200, answer.text
    summary = answer.json()
    assert summary["size"] == count * MIB
    assert summary["crc"] == expected_crc(block, count)
    assert summary["content_type"] == "application/x-probe"
    assert summary["largest"] <= MIB   # pieces, never the whole body
    print(f"RSS before {rss_before} KiB, peak {peak} KiB, after {rss_after} KiB")
    assert (peak - rss_before) < 64 * 1024, f"peak RSS grew by {(peak - rss_before) // 1024} MiB"
    assert (rss_after - rss_before) < 64 * 1024, f"RSS grew by {(rss_after - rss_before) // 1024} MiB"


def expected_crc(block: bytes, count: int) -> int:
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    return crc


def test_chunked_route_get_delete_and_finalize(server: OrthancServer) -> None:
    assert stream(server, "/probe/upload", iter([b"x" * 1000, b"y" * 24]), method="PUT").json()["size"] == 1024
    state = server.get_json("/probe/upload")
    assert state["method"] == "GET" and state["uploads"][-1]["method"] == "PUT"
    assert state["finalized"] >= len(state["uploads"])
    assert server.request("DELETE", "/probe/upload").text == "forgotten"
    assert server.get_json("/probe/upload")["uploads"] == []
    # A body sent with a Content-Length arrives as one chunk.
    assert server.post("/probe/upload", b"z" * 5000).json()["chunks"] == 1
    # Methods without a handler: 405.
    assert server.get("/probe/upload-fail/chunk").status == 405


@pytest.mark.parametrize(("step", "logged"), [("chunk", "boom-in-addchunk"), ("factory", "boom-in-factory"),
                                              ("execute", "boom-in-execute"),
                                              ("no-methods", "AddChunk(chunk) and Execute(output)")])
def test_chunked_route_errors_answer_500(server: OrthancServer, step: str, logged: str) -> None:
    answer = stream(server, f"/probe/upload-fail/{step}", (bytes([i]) * 65536 for i in range(64)))
    assert answer.status == 500, answer.text
    log = server.wait_for_log(logged)
    # The entry names the callback and carries the traceback up to the exception.
    entry = log[log.rfind("Error in", 0, log.index(logged)):log.index(logged)]
    assert "chunked REST" in entry
    if step != "no-methods":   # that TypeError comes from the plugin, not from a Python frame
        assert "Traceback" in entry and "http_client_probe.py" in entry
    # Orthanc keeps serving, chunked routes included.
    assert stream(server, "/probe/upload", iter([b"after"])).json()["size"] == 5


# ---- argument checks ---------------------------------------------------------------------------

def test_wrong_arguments_raise_type_or_value_errors(server: OrthancServer) -> None:
    outcome = server.get_json("/probe/bad-arguments")
    assert outcome == {
        "method-name": "ValueError", "method-range": "ValueError", "method-type": "TypeError",
        "url-type": "TypeError", "headers-type": "TypeError", "header-value": "TypeError",
        "timeout-negative": "ValueError", "user-alone": "ValueError", "key-alone": "ValueError",
        "unknown-keyword": "TypeError", "peer-unknown": "ValueError", "peer-index": "ValueError",
        "peer-type": "TypeError", "chunked-body-str": "TypeError", "chunked-body-int": "TypeError",
        "chunked-answer": "TypeError", "chunked-route-none": "ValueError", "chunked-route-type": "TypeError",
        "chunked-route-regex": "TypeError",
    }


def test_client_calls_leak_no_references(server: OrthancServer) -> None:
    # Each kind of call 300 times, in the third round (the first ones warm up the worker threads
    # and caches on both sides); one leaked reference per call would show as 300+ blocks.
    growth = server.get_json(f"/probe/leak-check?base={server.url}&user={USER}&password={PASSWORD}"
                             "&n=300&rounds=3")
    assert all(abs(blocks) < 100 for blocks in growth.values()), growth


def orthanc_method(name: str) -> int:
    """orthanc.HttpMethod values (the SDK's enumeration)."""
    return {"GET": 1, "POST": 2, "PUT": 3, "DELETE": 4}[name]
