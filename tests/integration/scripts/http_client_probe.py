"""Loaded by Orthanc through the plugin under test: Orthanc as an HTTP client (HttpClient,
CallPeerApi, ChunkedHttpClient), multipart items with headers, and chunked uploads to Python routes.

The test drives the client functions through POST /probe/call, whose JSON body names the function
and its keyword arguments; the answer is what the call returned or the exception it raised.
"""

import base64
import contextlib
import json
import threading
import time
import zlib

import orthanc

LOCK = threading.Lock()
UPLOADS = []          # summaries of the uploads that reached Execute
FINALIZED = [0]       # readers finalized


def answer_json(output, value):
    output.AnswerBuffer(json.dumps(value), "application/json")


def describe(result):
    status, headers, body = result
    return {"status": status, "headers": headers, "body": base64.b64encode(body).decode()}


def generated_chunks(count, size):
    """count chunks of size bytes, made on demand (the body of ChunkedHttpClient)."""
    for i in range(count):
        yield bytes([i % 251]) * size


def failing_chunks():
    yield b"first chunk"
    raise RuntimeError("boom-in-body-generator")


def failing_answer(chunk):
    raise RuntimeError("boom-in-answer-callback")


def call(output, uri, **request):
    spec = json.loads(request["body"])
    kwargs = spec.get("kwargs", {})
    function = spec["function"]
    try:
        if function == "HttpClient":
            result = describe(orthanc.HttpClient(**kwargs))
        elif function == "CallPeerApi":
            result = describe(orthanc.CallPeerApi(**kwargs))
        elif function == "Peers.CallPeerApi":
            result = describe(orthanc.GetPeers().CallPeerApi(**kwargs))
        elif function == "ChunkedHttpClient":
            chunks = []
            if spec.get("generated"):
                count, size = spec["generated"]
                kwargs["body"] = generated_chunks(count, size)
            if spec.get("callback"):
                kwargs["answer"] = chunks.append
            if "whole" in spec:
                kwargs["body"] = spec["whole"].encode()
            if spec.get("failing") == "body":
                kwargs["body"] = failing_chunks()
            if spec.get("failing") == "answer":
                kwargs["answer"] = failing_answer
            result = describe(orthanc.ChunkedHttpClient(**kwargs))
            result["chunks"] = len(chunks)
            result["chunks_crc"] = zlib.crc32(b"".join(chunks))
            result["chunks_size"] = sum(len(c) for c in chunks)
        else:
            raise AssertionError(function)
    except Exception as error:  # the test looks at the type and the arguments
        result = {"exception": type(error).__name__, "args": [str(a) for a in error.args]}
    answer_json(output, result)


def echo_headers(output, uri, **request):
    output.SetHttpHeader("X-Probe-Answer", "yes")
    answer_json(output, {"headers": request["headers"], "method": request["method"]})


def slow(output, uri, **request):
    time.sleep(float(request["get"].get("seconds", "3")))
    output.AnswerBuffer("late", "text/plain")


def big(output, uri, **request):
    size = int(request["get"]["size"])
    output.AnswerBuffer(bytes(range(256)) * (size // 256), "application/octet-stream")


def multipart(output, uri, **request):
    output.StartMultipartAnswer("mixed", "text/plain")
    output.SendMultipartItem2(b"first item", {"X-Part": "1", "Content-Location": "/items/1"})
    output.SendMultipartItem2("second item", {"X-Part": "2"})
    output.SendMultipartItem2(b"third item")


def bad_arguments(output, uri, **request):
    attempts = {
        "method-name": lambda: orthanc.HttpClient("FETCH", "http://127.0.0.1:1/"),
        "method-range": lambda: orthanc.HttpClient(99, "http://127.0.0.1:1/"),
        "method-type": lambda: orthanc.HttpClient(1.5, "http://127.0.0.1:1/"),
        "url-type": lambda: orthanc.HttpClient("GET", 42),
        "headers-type": lambda: orthanc.HttpClient("GET", "http://127.0.0.1:1/", ["X-A", "b"]),
        "header-value": lambda: orthanc.HttpClient("GET", "http://127.0.0.1:1/", {"X-A": 1}),
        "timeout-negative": lambda: orthanc.HttpClient("GET", "http://127.0.0.1:1/", timeout=-1),
        "user-alone": lambda: orthanc.HttpClient("GET", "http://127.0.0.1:1/", username="alice"),
        "key-alone": lambda: orthanc.HttpClient("GET", "http://127.0.0.1:1/", certificateKeyFile="/k.pem"),
        "unknown-keyword": lambda: orthanc.HttpClient("GET", "http://127.0.0.1:1/", proxy="x"),
        "peer-unknown": lambda: orthanc.CallPeerApi("nope", "GET", "/system"),
        "peer-index": lambda: orthanc.CallPeerApi(7, "GET", "/system"),
        "peer-type": lambda: orthanc.CallPeerApi(1.0, "GET", "/system"),
        "chunked-body-str": lambda: orthanc.ChunkedHttpClient("POST", "http://127.0.0.1:1/", body="text"),
        "chunked-body-int": lambda: orthanc.ChunkedHttpClient("POST", "http://127.0.0.1:1/", body=3),
        "chunked-answer": lambda: orthanc.ChunkedHttpClient("GET", "http://127.0.0.1:1/", answer=3),
        "chunked-route-none": lambda: orthanc.RegisterChunkedRestCallback("/probe/never"),
        "chunked-route-type": lambda: orthanc.RegisterChunkedRestCallback("/probe/never", post=3),
        "chunked-route-regex": lambda: orthanc.RegisterChunkedRestCallback(None, post=Reader),
    }
    outcome = {}
    for name, attempt in attempts.items():
        try:
            attempt()
            outcome[name] = "no error"
        except Exception as error:
            outcome[name] = type(error).__name__
    answer_json(output, outcome)


def multipart_bad_arguments(output, uri, **request):
    output.StartMultipartAnswer("mixed", "text/plain")
    outcome = {}
    for name, attempt in {"headers-list": lambda: output.SendMultipartItem2(b"x", [("a", "b")]),
                          "body-int": lambda: output.SendMultipartItem2(5, {}),
                          "header-bytes": lambda: output.SendMultipartItem2(b"x", {"X-A": b"b"})}.items():
        try:
            attempt()
            outcome[name] = "no error"
        except Exception as error:
            outcome[name] = type(error).__name__
    output.SendMultipartItem2(json.dumps(outcome), {"Content-Type": "application/json"})


class Reader:
    """Counts and checksums the chunks of one upload; fails where the route says."""

    def __init__(self, uri, method, groups, headers, fail=None):
        self.method = method
        self.fail = fail
        self.size = 0
        self.chunks = 0
        self.crc = 0
        self.largest = 0
        self.content_type = headers.get("content-type", "")

    def AddChunk(self, chunk):
        if self.fail == "chunk" and self.chunks == 1:
            raise RuntimeError("boom-in-addchunk")
        self.chunks += 1
        self.size += len(chunk)
        self.largest = max(self.largest, len(chunk))
        self.crc = zlib.crc32(chunk, self.crc)

    def Execute(self, output):
        if self.fail == "execute":
            raise RuntimeError("boom-in-execute")
        summary = {"method": self.method, "size": self.size, "chunks": self.chunks, "crc": self.crc,
                   "largest": self.largest, "content_type": self.content_type}
        with LOCK:
            UPLOADS.append(summary)
        answer_json(output, summary)

    def Finalize(self):
        with LOCK:
            FINALIZED[0] += 1


def failing_factory(uri, method, groups, headers):
    if groups[0] == "factory":
        raise RuntimeError("boom-in-factory")
    if groups[0] == "no-methods":
        return 42
    return Reader(uri, method, groups, headers, fail=groups[0])


def upload_state(output, uri, **request):
    with LOCK:
        answer_json(output, {"uploads": UPLOADS, "finalized": FINALIZED[0], "method": request["method"]})


def forget_uploads(output, uri, **request):
    with LOCK:
        UPLOADS.clear()
    output.AnswerBuffer("forgotten", "text/plain")


def leak_check(output, uri, **request):
    """sys.getallocatedblocks() around many calls of each client function (after a warm-up)."""
    import gc
    import sys

    base = request["get"]["base"]
    auth = {"username": request["get"]["user"], "password": request["get"]["password"]}
    calls = {
        "HttpClient": lambda: orthanc.HttpClient("GET", base + "/probe/echo-headers", {"X-A": "b"}, **auth),
        "HttpClient-401": lambda: orthanc.HttpClient("GET", base + "/system"),
        "HttpClient-404": lambda: orthanc.HttpClient("GET", base + "/no/such/route", **auth),
        "CallPeerApi": lambda: orthanc.CallPeerApi("self", "POST", "/probe/upload", body=b"abc"),
        "Peers.CallPeerApi": lambda: orthanc.GetPeers().CallPeerApi(0, "GET", "/probe/echo-headers"),
        "ChunkedHttpClient": lambda: orthanc.ChunkedHttpClient("PUT", base + "/probe/upload",
                                                               body=generated_chunks(3, 1000), **auth),
        "ChunkedHttpClient-answer": lambda: orthanc.ChunkedHttpClient("GET", base + "/probe/big?size=65536",
                                                                      answer=len, **auth),
        "ChunkedHttpClient-raises": lambda: orthanc.ChunkedHttpClient("PUT", base + "/probe/upload",
                                                                      body=failing_chunks(), **auth),
        "bad-arguments": lambda: orthanc.HttpClient("GET", base, {"X-A": 1}),
    }
    growth = {}
    for name, attempt in calls.items():
        rounds = []
        for _round in range(int(request["get"]["rounds"])):
            gc.collect()
            before = sys.getallocatedblocks()
            for _ in range(int(request["get"]["n"])):
                with contextlib.suppress(TypeError, RuntimeError):
                    attempt()
                with LOCK:
                    UPLOADS.clear()   # the uploads' summaries are not leaks
            gc.collect()
            rounds.append(sys.getallocatedblocks() - before)
        # A leak grows in every round; the requests that the server side answers on other threads
        # meanwhile allocate and free at their own pace, which one round alone can catch mid-way.
        growth[name] = min(rounds[1:] or rounds, key=abs)
    answer_json(output, growth)


orthanc.RegisterRestCallback("/probe/leak-check", leak_check)
orthanc.RegisterRestCallback("/probe/call", call)
orthanc.RegisterRestCallback("/probe/echo-headers", echo_headers)
orthanc.RegisterRestCallback("/probe/slow", slow)
orthanc.RegisterRestCallback("/probe/big", big)
orthanc.RegisterRestCallback("/probe/multipart", multipart)
orthanc.RegisterRestCallback("/probe/bad-arguments", bad_arguments)
orthanc.RegisterRestCallback("/probe/multipart-bad-arguments", multipart_bad_arguments)
orthanc.RegisterChunkedRestCallback("/probe/upload", get=upload_state, post=Reader, delete=forget_uploads, put=Reader)
orthanc.RegisterChunkedRestCallback("/probe/upload-fail/(chunk|factory|execute|no-methods)", post=failing_factory)
