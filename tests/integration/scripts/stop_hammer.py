"""Keeps Orthanc busy from many Python threads that never check for a stop (tests of stop and reset).

Eight threads started at load time, each calling one kind of SDK function in a loop: most ignore
errors and go on (the worst case: only the plugin can end them), two end at the first error. A REST
route starts more such threads from inside a callback, and a chain of threading.Timers calls Orthanc
too. With "HammerAtImport": true in Orthanc's configuration the threads start calling while the
script is loaded, before Orthanc serves.
"""

import json
import os
import threading
import time
import uuid

import orthanc

TOKEN = uuid.uuid4().hex
CONFIGURATION = json.loads(orthanc.GetConfiguration())
PORT = CONFIGURATION["HttpPort"]
COUNTS = {}
COUNTS_LOCK = threading.Lock()
DICOM_TAGS = json.dumps({"PatientID": "HAMMER", "PatientName": "HAMMER^STOP", "Modality": "OT"})


def count(kind):
    with COUNTS_LOCK:
        COUNTS[kind] = COUNTS.get(kind, 0) + 1


def rest_get():
    orthanc.RestApiGet("/system")


def rest_post():
    orthanc.RestApiPost("/tools/find", json.dumps({"Level": "Patient", "Query": {}}))


def generated():
    if orthanc.GetGlobalProperty(5042, "") != TOKEN:
        orthanc.SetGlobalProperty(5042, TOKEN)
    orthanc.GenerateUuid()


def http_self():
    orthanc.HttpGet(f"http://127.0.0.1:{PORT}/hammer/echo", "", "")


def create_dicom():
    dicom = orthanc.CreateDicom(DICOM_TAGS, None, orthanc.CreateDicomFlags.GENERATE_IDENTIFIERS)
    orthanc.RestApiPost("/instances", dicom)
    # Orthanc's Lua engine (1.10) stops, before ORTHANC_STOPPED and so before the plugin can refuse
    # calls, only once no change has come for 100 ms: a thread storing instances without pause
    # holds Orthanc's stop for as long as it stores (as an HTTP client uploading would).
    time.sleep(0.15)


def key_value():
    if hasattr(orthanc, "StoreKeyValue"):
        orthanc.StoreKeyValue("hammer", TOKEN, TOKEN.encode())
        orthanc.GetKeyValue("hammer", TOKEN)
    else:
        orthanc.RestApiGet("/statistics")


def log():
    orthanc.LogInfo("hammer " + TOKEN)
    time.sleep(0.01)


def hammer(kind, call, stop_on_error):
    while True:
        try:
            call()
            count(kind)
            # A short pause: without it the threads starve Orthanc's own threads of its log and
            # database locks (glibc's mutexes are not fair), and Orthanc's Lua engine, which stops
            # before ORTHANC_STOPPED, can take tens of seconds to get them.
            time.sleep(0.003)
        except orthanc.OrthancException:
            if stop_on_error:
                return
            time.sleep(0.005)


KINDS = [("rest_get", rest_get, False), ("rest_post", rest_post, False), ("generated", generated, False),
         ("http_self", http_self, False), ("create_dicom", create_dicom, False), ("key_value", key_value, False),
         ("log", log, True), ("rest_get_once", rest_get, True)]


def start_threads():
    for kind, call, stop_on_error in KINDS:
        threading.Thread(target=hammer, args=(kind, call, stop_on_error), name="hammer-" + kind).start()


def timer_tick():
    try:
        orthanc.RestApiGet("/statistics")
        count("timer")
    except orthanc.OrthancException:
        pass
    threading.Timer(0.02, timer_tick).start()


def on_echo(output, uri, **request):
    output.AnswerBuffer(b"echo", "text/plain")


def on_spawn(output, uri, **request):
    for kind, call, stop_on_error in KINDS[:4]:
        threading.Thread(target=hammer, args=("spawned_" + kind, call, stop_on_error)).start()
    output.AnswerBuffer(b"spawned", "text/plain")


def on_state(output, uri, **request):
    with COUNTS_LOCK:
        state = {"token": TOKEN, "pid": os.getpid(), "counts": dict(COUNTS)}
    output.AnswerBuffer(json.dumps(state).encode(), "application/json")


orthanc.RegisterRestCallback("/hammer/echo", on_echo)
orthanc.RegisterRestCallback("/hammer/spawn", on_spawn)
orthanc.RegisterRestCallback("/hammer/state", on_state)

start_threads()
threading.Timer(0.02, timer_tick).start()
threading.Timer(3600, timer_tick).start()  # pending at every stop: the plugin cancels it
if CONFIGURATION.get("HammerAtImport"):
    time.sleep(0.5)  # the threads are calling while the script is still loading
orthanc.LogWarning("stop_hammer loaded " + TOKEN)
