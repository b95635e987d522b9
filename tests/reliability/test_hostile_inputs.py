"""Hostile requests: a 100 MB body to a Python route, and bytes that are not UTF-8 in the URI,
header names and values and GET arguments (scripts/hostile.py, whose HTTP filter also reads them).

Whatever Orthanc's HTTP server does with such a request (answer, refuse with 400, close the
connection), the server must keep serving; what reaches Python must be text that encodes back
to the bytes sent (surrogate escapes), never a crash.
"""

from __future__ import annotations

import json
import socket
import urllib.parse
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.orthanc_server import OrthancServer
from tests.reliability.conftest import BuiltPlugin, new_server

pytestmark = pytest.mark.integration

BIG_BODY = 100 * 1024 * 1024
EXAMPLES = 60
ECHOES_CHECKED = [0]  # how many percent-encoded examples were checked byte for byte


@pytest.fixture(scope="module")
def hostile_server(built_plugin: BuiltPlugin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    server = new_server(built_plugin.path, "hostile.py", tmp_path_factory.mktemp("hostile"))
    try:
        yield server.start()
    finally:
        server.stop()


def raw_request(server: OrthancServer, request: bytes, timeout: float = 20.0) -> bytes:
    with socket.create_connection(("127.0.0.1", server.http_port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def status_of(answer: bytes) -> int | None:
    if not answer.startswith(b"HTTP/1."):
        return None
    return int(answer.split(b" ", 2)[1])


def alive(server: OrthancServer) -> None:
    assert server.process is not None and server.process.poll() is None, server.log_tail()
    assert server.is_ours(), server.log_tail()


def test_100_mb_body_reaches_python(hostile_server: OrthancServer) -> None:
    body = b"\xab" * BIG_BODY
    answer = hostile_server.post("/hostile/length", body, timeout=180.0)
    assert answer.status == 200, answer.text[:300]
    assert answer.text == str(BIG_BODY)
    del body
    alive(hostile_server)
    # And again with PUT, on a route that does not read the body (it is handed over all the same).
    answer = hostile_server.request("PUT", "/hostile/echo/big", body=b"\0" * BIG_BODY, timeout=180.0)
    assert answer.status == 200 and answer.json()["method"] == "PUT"
    alive(hostile_server)


# Bytes for the places of a request line and headers: anything but the separators of HTTP itself.
header_bytes = st.binary(min_size=1, max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")).filter(bool)
any_bytes = st.binary(min_size=1, max_size=40)
# What HTTP allows in a header value (visible ASCII, space, tab, and any byte >= 0x80 as "obs-text"):
# such values must reach Python, whatever their encoding.
FIELD_BYTES = [0x09, *range(0x20, 0x7F), *range(0x80, 0x100)]
# Path segments of high bytes (the non-UTF-8 part) and plain ASCII: Orthanc's HTTP server rewrites
# paths with "/", "\\", dot segments, trailing dots or NUL, which test_raw_bytes_anywhere covers.
PATH_BYTES = [*range(0x80, 0x100), *b"azAZ09-_~"]
path_segment = st.lists(st.sampled_from(PATH_BYTES), min_size=1, max_size=40).map(bytes)
field_value = st.lists(st.sampled_from(FIELD_BYTES), min_size=1, max_size=40).map(bytes).filter(
    lambda b: bool(b.strip(b" \t")))


def percent(data: bytes) -> str:
    return urllib.parse.quote_from_bytes(data, safe="")


def as_bytes(text: str) -> bytes:
    """Text from Python back to the bytes it came from (undecodable bytes arrive as surrogate escapes)."""
    return text.encode("utf-8", "surrogateescape")


def check_echo(answer: bytes, path: bytes, header: bytes, name: bytes, value: bytes) -> None:
    head, _, body = answer.partition(b"\r\n\r\n")
    seen = json.loads(body)
    assert as_bytes(seen["groups"][0]) == path
    # (Surrounding blanks are the HTTP server's business: it drops the leading ones only.)
    assert as_bytes(seen["headers"]["x-hostile"]).strip(b" \t") == header.strip(b" \t")
    if b"\0" not in name + value:
        # Orthanc 1.10 hands GET arguments over decoded or as sent, depending on the characters.
        [(key, text)] = seen["get"].items()
        assert as_bytes(key) in (name, percent(name).encode()), (key, name)
        assert as_bytes(text) in (value, percent(value).encode()), (text, value)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(path=path_segment, header=field_value, name=any_bytes, value=any_bytes)
def test_non_utf8_percent_encoded(hostile_server: OrthancServer, path: bytes, header: bytes, name: bytes,
                                  value: bytes) -> None:
    """Percent-encoded bytes (what HTTP allows): the route answers and sees exactly these bytes."""
    request = (f"GET /hostile/echo/{percent(path)}?{percent(name)}={percent(value)} HTTP/1.1\r\n".encode()
               + b"Host: 127.0.0.1\r\nX-Hostile: " + header + b"\r\nConnection: close\r\n\r\n")
    answer = raw_request(hostile_server, request)
    status = status_of(answer)
    assert status is not None, f"no HTTP answer to {request!r}: {answer[:200]!r}"
    if status == 200:
        check_echo(answer, b"/" + path, header, name, value)
        ECHOES_CHECKED[0] += 1
    else:
        # Orthanc refuses some GET arguments (400): an answer is all that is asked then.
        assert status in (400, 404), (status, request, answer[:300])
    alive(hostile_server)


def test_most_percent_encoded_examples_were_checked() -> None:
    """The byte-for-byte check above ran for most examples, not just the ones Orthanc refused."""
    assert ECHOES_CHECKED[0] >= EXAMPLES // 2, ECHOES_CHECKED


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(path=any_bytes, header_name=header_bytes, header_value=header_bytes, query=any_bytes)
def test_raw_bytes_anywhere(hostile_server: OrthancServer, path: bytes, header_name: bytes, header_value: bytes,
                            query: bytes) -> None:
    """Raw bytes (not percent-encoded) in the path, the query, a header name and value."""
    clean_path = path.replace(b" ", b"").replace(b"\r", b"").replace(b"\n", b"") or b"x"
    clean_query = query.replace(b" ", b"").replace(b"\r", b"").replace(b"\n", b"")
    clean_name = header_name.replace(b":", b"").strip(b" \t") or b"X"
    request = (b"GET /hostile/echo/" + clean_path + b"?q=" + clean_query + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               + clean_name + b": " + header_value + b"\r\nConnection: close\r\n\r\n")
    answer = raw_request(hostile_server, request)
    # Refused, answered, or the connection closed: the server decides; it must only survive.
    status = status_of(answer)
    assert status is None or 200 <= status < 600
    alive(hostile_server)


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_non_utf8_body_and_headers_in_one_request(hostile_server: OrthancServer, method: str) -> None:
    body = bytes(range(256)) * 4
    request = (f"{method} /hostile/length HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
               + b"X-Latin1: caf\xe9\r\nX-Broken: \xc3\x28\xa0\xa1\r\n"
               + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    answer = raw_request(hostile_server, request)
    assert status_of(answer) == 200, answer[:300]
    assert answer.endswith(str(len(body)).encode())
    alive(hostile_server)
