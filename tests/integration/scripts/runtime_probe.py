"""Loaded by Orthanc through the plugin under test: exercises the runtime and reports over REST.

Every route answers JSON (or the raw data it is about) so that the tests outside can assert on
what happened inside the interpreter.  Routes start with /probe/.
"""

# C extension modules that live in their own shared library (lib-dynload), not in libpython:
# they only import if libpython's symbols are visible globally.
import _ctypes
import _decimal
import gc
import json
import os
import sys
import threading
import time
import uuid

import orthanc

LOAD_TOKEN = uuid.uuid4().hex
LOCK = threading.Lock()
CHANGES = []          # (callback number, change_type, resource_type, resource_id, native thread id)
STORED = []           # one dict per call of a stored-instance callback
FILTER_CALLS = []     # (filter number, uri, method, ip, headers, get)
REST_THREADS = set()  # native ids of the threads that ran REST callbacks
KEPT = {}             # objects kept beyond their callback, to use them later


def answer_json(output, value):
    output.AnswerBuffer(json.dumps(value), "application/json")


def rest(regex):
    def register(function):
        def wrapper(output, uri, **kwargs):
            with LOCK:
                REST_THREADS.add(threading.get_native_id())
            return function(output, uri, **kwargs)
        orthanc.RegisterRestCallback(regex, wrapper)
        return function
    return register


# ---- REST callbacks ---------------------------------------------------------

@rest("/probe/echo(.*)")
def echo(output, uri, **kwargs):
    described = {"uri": uri, "kwargs": sorted(kwargs)}
    for key in ("method", "groups", "get", "headers"):
        if key in kwargs:
            described[key] = kwargs[key]
    if "body" in kwargs:
        described["body"] = kwargs["body"].hex()
        described["body_type"] = type(kwargs["body"]).__name__
    described["groups_type"] = type(kwargs["groups"]).__name__
    answer_json(output, described)


@rest("/probe/pair/([a-z]+)/([0-9]+)")
def pair(output, uri, groups, **kwargs):
    answer_json(output, {"route": "pair", "groups": list(groups)})


@rest("/probe/load-token")
def load_token(output, uri, **kwargs):
    answer_json(output, {"token": LOAD_TOKEN, "pid": os.getpid()})


@rest("/probe/sleep")
def sleep(output, uri, **kwargs):
    time.sleep(0.1)
    answer_json(output, {"slept": 0.1})


@rest("/probe/raise")
def raise_error(output, uri, **kwargs):
    raise RuntimeError("boom-from-rest-callback")


@rest("/probe/keep-output")
def keep_output(output, uri, **kwargs):
    KEPT["output"] = output
    answer_json(output, {"kept": True})


def outcome(function):
    """The exception a call raises, as (type name, args as strings), or None."""
    try:
        function()
    except Exception as error:  # noqa: BLE001 - the type is what we report
        return [type(error).__name__, [str(a) for a in error.args]]
    return None


@rest("/probe/use-kept")
def use_kept(output, uri, **kwargs):
    results = {}
    if "output" in KEPT:
        results["output"] = outcome(lambda: KEPT["output"].AnswerBuffer("late", "text/plain"))
    if "instance" in KEPT:
        results["instance"] = outcome(lambda: KEPT["instance"].GetInstanceRemoteAet())
        results["instance_data"] = outcome(lambda: KEPT["instance"].GetInstanceData())
    answer_json(output, results)


@rest("/probe/type-errors")
def type_errors(output, uri, **kwargs):
    results = {
        "register_no_args": outcome(lambda: orthanc.RegisterRestCallback()),
        "register_not_callable": outcome(lambda: orthanc.RegisterRestCallback("/probe/never", 42)),
        "register_change_not_callable": outcome(lambda: orthanc.RegisterOnChangeCallback(None)),
        "register_filter_too_many": outcome(lambda: orthanc.RegisterIncomingHttpRequestFilter(len, len)),
        "log_int": outcome(lambda: orthanc.LogWarning(1)),
        "lookup_no_args": outcome(lambda: orthanc.LookupDictionary()),
        "lookup_bytes": outcome(lambda: orthanc.LookupDictionary(b"PatientID")),
        "image_bad_format": outcome(lambda: orthanc.CreateImageFromBuffer("x", 1, 1, 1, b"\0")),
        "image_short_buffer": outcome(lambda: orthanc.CreateImageFromBuffer(
            orthanc.PixelFormat.GRAYSCALE8, 4, 4, 4, b"\0")),
        "dicom_bad_image": outcome(lambda: orthanc.CreateDicom("{}", "not an image", 0)),
        "answer_missing_mime": outcome(lambda: output.AnswerBuffer("x")),
        "instance_data_extra_arg": outcome(lambda: orthanc.DicomInstance.GetInstanceData(output)),
        "token_extra_arg": outcome(lambda: orthanc.GenerateRestApiAuthorizationToken(1)),
    }
    answer_json(output, results)


@rest("/probe/sdk-errors")
def sdk_errors(output, uri, **kwargs):
    results = {}
    for name, call in (("rest_api_get", lambda: orthanc.RestApiGet("/no/such/resource")),
                       ("lookup_unknown", lambda: orthanc.LookupDictionary("NoSuchTagName"))):
        try:
            call()
            results[name] = None
        except orthanc.OrthancException as error:
            results[name] = {"args": list(error.args), "is_exception": isinstance(error, Exception)}
    answer_json(output, results)


@rest("/probe/nested")
def nested(output, uri, **kwargs):
    # Orthanc runs /probe/sleep on this very thread, re-entering the plugin.
    inner = json.loads(orthanc.RestApiGetAfterPlugins("/probe/sleep"))
    answer_json(output, {"inner": inner})


# Set while /probe/gil-during-sdk waits inside orthanc.HttpGet.
INSIDE_SDK_CALL = threading.Event()


@rest("/probe/pong")
def pong(output, uri, **kwargs):
    answer_json(output, {"caller_inside_sdk_call": INSIDE_SDK_CALL.is_set(),
                         "thread": threading.get_native_id()})


@rest("/probe/gil-during-sdk")
def gil_during_sdk(output, uri, **kwargs):
    # HttpGet makes Orthanc call itself: /probe/pong then runs Python on another Orthanc thread
    # while this thread is still inside the SDK call.  That can only happen if the wrapper released
    # the GIL around the call; holding it, the two threads would wait for each other until
    # Orthanc's HTTP client gives up.
    port = json.loads(orthanc.GetConfiguration())["HttpPort"]
    INSIDE_SDK_CALL.set()
    try:
        answer = orthanc.HttpGet(f"http://127.0.0.1:{port}/probe/pong", "", "")
    except orthanc.OrthancException as error:
        answer = json.dumps({"error": str(error)}).encode()
    finally:
        INSIDE_SDK_CALL.clear()
    answer_json(output, {"pong": json.loads(answer), "caller_thread": threading.get_native_id()})


# Parties of /probe/rendezvous: each request waits until all of them are in Python at once.
RENDEZVOUS_PARTIES = 8
RENDEZVOUS = threading.Barrier(RENDEZVOUS_PARTIES)


@rest("/probe/rendezvous")
def rendezvous(output, uri, **kwargs):
    # Met only if RENDEZVOUS_PARTIES callbacks run at the same time; serialised callbacks would
    # wait here one by one until the timeout breaks the barrier.
    try:
        RENDEZVOUS.wait(timeout=30)
        met = True
    except threading.BrokenBarrierError:
        met = False
    answer_json(output, {"met": met})


@rest("/probe/print")
def print_route(output, uri, get, **kwargs):
    print("printed-to-stdout", get.get("tag", ""))
    sys.stderr.write(f"written-to-stderr {get.get('tag', '')}\n")
    sys.stdout.write("partial-")
    sys.stdout.write("line-joined\n")
    print("non-utf8-safe", "\udcff")
    answer_json(output, {"printed": True})


@rest("/probe/extensions")
def extensions(output, uri, **kwargs):
    answer_json(output, {"_ctypes": _ctypes.__file__, "_decimal": _decimal.__file__,
                         "executable": sys.executable})


@rest("/probe/multiprocessing")
def multiprocessing_route(output, uri, **kwargs):
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        child_pid = pool.apply(os.getpid)
    # The default context: fork inside Orthanc, whatever the Python version.
    with multiprocessing.Pool(2) as pool:
        values = pool.map(abs, [-1, -2])
    answer_json(output, {"parent": os.getpid(), "child": child_pid, "executable": sys.executable,
                         "default_method": multiprocessing.get_start_method(), "values": values})


@rest("/probe/image")
def image(output, uri, **kwargs):
    width, height, pitch = 4, 3, 6
    rows = [bytes((y * 16 + x) for x in range(width)) + b"\xee\xee" for y in range(height)]
    made = orthanc.CreateImageFromBuffer(orthanc.PixelFormat.GRAYSCALE8, width, height, pitch, b"".join(rows))
    buffer = made.GetImageBuffer()
    out_pitch = made.GetImagePitch()
    pixels = [list(buffer[y * out_pitch:y * out_pitch + width]) for y in range(height)]
    answer_json(output, {
        "type": type(made).__name__,
        "width": made.GetImageWidth(),
        "height": made.GetImageHeight(),
        "format": made.GetImagePixelFormat(),
        "pitch": out_pitch,
        "buffer_length": len(buffer),
        "pixels": pixels,
    })


@rest("/probe/create-dicom")
def create_dicom(output, uri, get, **kwargs):
    tags = {"PatientID": get.get("patient", "PROBE"), "PatientName": "Probe^Test",
            "StudyDescription": "made by CreateDicom", "Modality": "OT"}
    pixels = None
    if get.get("image") == "1":
        pixels = orthanc.CreateImageFromBuffer(orthanc.PixelFormat.GRAYSCALE8, 8, 4, 8, bytes(range(32)))
    dicom = orthanc.CreateDicom(json.dumps(tags), pixels, orthanc.CreateDicomFlags.GENERATE_IDENTIFIERS)
    output.AnswerBuffer(dicom, "application/dicom")


@rest("/probe/lookup")
def lookup(output, uri, get, **kwargs):
    answer_json(output, orthanc.LookupDictionary(get["name"]))


@rest("/probe/token")
def token(output, uri, **kwargs):
    value = orthanc.GenerateRestApiAuthorizationToken()
    answer_json(output, {"token": value, "type": type(value).__name__})


@rest("/probe/changes")
def changes(output, uri, **kwargs):
    with LOCK:
        answer_json(output, {"changes": list(CHANGES), "rest_threads": sorted(REST_THREADS)})


@rest("/probe/stored")
def stored(output, uri, **kwargs):
    with LOCK:
        answer_json(output, list(STORED))


@rest("/probe/filter-calls")
def filter_calls(output, uri, **kwargs):
    with LOCK:
        answer_json(output, list(FILTER_CALLS))


@rest("/probe/filter-probe")
def filter_probe(output, uri, **kwargs):
    answer_json(output, {"passed": True})


@rest("/probe/forbidden-by-(first|second)")
def forbidden(output, uri, **kwargs):
    answer_json(output, {"passed": True})


@rest("/probe/blocks")
def blocks(output, uri, **kwargs):
    gc.collect()
    answer_json(output, {"blocks": sys.getallocatedblocks()})


@rest("/probe/leak(.*)")
def leak(output, uri, method, groups, headers, get, **kwargs):
    # Touch everything the runtime builds for a request.
    total = len(uri) + len(method) + sum(len(g) for g in groups)
    total += sum(len(k) + len(v) for k, v in headers.items())
    total += sum(len(k) + len(v) for k, v in get.items())
    output.AnswerBuffer(str(total), "text/plain")


@rest("/probe/enums")
def enums(output, uri, **kwargs):
    answer_json(output, {"NEW_STUDY": orthanc.ChangeType.NEW_STUDY,
                         "INSTANCE": orthanc.ResourceType.INSTANCE,
                         "exception": orthanc.OrthancException.__name__,
                         "exception_module": orthanc.OrthancException.__module__})


# ---- Other callbacks: two of each, to show they add up ----------------------

RAISE_TRIGGER = "RAISE-IN-CALLBACKS"  # a PatientID that makes callback 1 of each kind raise


def make_change_callback(number):
    def on_change(change_type, resource_type, resource_id):
        with LOCK:
            CHANGES.append([number, change_type, resource_type, resource_id, threading.get_native_id()])
        if number == 1 and change_type == orthanc.ChangeType.NEW_PATIENT:
            patient = json.loads(orthanc.RestApiGet("/patients/" + resource_id))
            if patient["MainDicomTags"].get("PatientID") == RAISE_TRIGGER:
                raise RuntimeError("boom-from-change")
    return on_change


def make_stored_callback(number):
    def on_stored(instance, instance_id):
        data = instance.GetInstanceData()
        record = {"callback": number, "id": instance_id, "aet": instance.GetInstanceRemoteAet(),
                  "size": instance.GetInstanceSize(), "data_length": len(data),
                  "dicm": data[128:132].decode("latin-1"), "type": type(instance).__name__}
        with LOCK:
            STORED.append(record)
        KEPT["instance"] = instance
        if number == 1 and RAISE_TRIGGER.encode() in data:
            raise RuntimeError("boom-from-stored")
    return on_stored


def make_filter(number, refused_prefix):
    def http_filter(uri, method, ip, headers, get):
        if uri.startswith("/probe/filter-probe") or uri.startswith("/probe/forbidden"):
            with LOCK:
                FILTER_CALLS.append([number, uri, method, ip, headers, get])
        if number == 1 and uri.startswith("/probe/filter-raises"):
            raise RuntimeError("boom-from-filter")
        return not uri.startswith(refused_prefix)
    return http_filter


orthanc.RegisterOnChangeCallback(make_change_callback(1))
orthanc.RegisterOnChangeCallback(make_change_callback(2))
orthanc.RegisterOnStoredInstanceCallback(make_stored_callback(1))
orthanc.RegisterOnStoredInstanceCallback(make_stored_callback(2))
orthanc.RegisterIncomingHttpRequestFilter(make_filter(1, "/probe/forbidden-by-first"))
orthanc.RegisterIncomingHttpRequestFilter(make_filter(2, "/probe/forbidden-by-second"))

orthanc.ExtendOrthancExplorer("window.probeFirst = 1;")
orthanc.ExtendOrthancExplorer("window.probeSecond = 2;")

print("runtime_probe loaded", LOAD_TOKEN)


# ---- More routes than the plugin's table of entry points (256) --------------
# 300 numbered routes, then two overlapping ones to check that the first registered wins, then
# one that Python's re cannot compile.  Their numbers continue those registered above.

def numbered(number):
    def answer(output, uri, **kwargs):
        answer_json(output, {"route": number, "uri": uri, "groups": list(kwargs["groups"])})
    return answer


for n in range(300):
    orthanc.RegisterRestCallback(f"/probe/many/{n}/([a-z]*)", numbered(n))
orthanc.RegisterRestCallback("/probe/many/order/(.*)", numbered("first"))
orthanc.RegisterRestCallback("/probe/many/order/x", numbered("second"))
try:
    orthanc.RegisterRestCallback("/probe/many/bad/(", numbered("bad"))
    MANY_BAD_ROUTE = None
except Exception as error:
    MANY_BAD_ROUTE = {"type": type(error).__name__, "message": str(error)}


@rest("/probe/many-bad-route")
def many_bad_route(output, uri, **kwargs):
    answer_json(output, MANY_BAD_ROUTE)
