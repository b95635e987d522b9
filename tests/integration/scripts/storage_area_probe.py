"""Loaded by Orthanc through the plugin under test: a storage area written in Python.

Files live in a folder of their own ($STORAGE_AREA_DIR), one file per attachment named
<uuid>.<content type>.  $STORAGE_AREA_API chooses the registration: "1" RegisterStorageArea,
"2" RegisterStorageArea2 with read_range.  Routes under /sa/ report what the callbacks saw.
"""

import hashlib
import json
import os
import threading

import orthanc

FOLDER = os.environ["STORAGE_AREA_DIR"]
API = os.environ.get("STORAGE_AREA_API", "1")
LOCK = threading.Lock()
CALLS = {"create": 0, "read": 0, "read_range": 0, "remove": 0}
RANGES = []           # (uuid, content_type, range_start, size) of each range read
FAIL_READS = [False]  # toggled over REST to check that a failing read is survived


def path_of(uuid, content_type):
    return os.path.join(FOLDER, f"{uuid}.{content_type}")


def count(name):
    with LOCK:
        CALLS[name] += 1


def create(uuid, content_type, data):
    count("create")
    assert isinstance(data, bytes), type(data)
    with open(path_of(uuid, content_type), "wb") as file:
        file.write(data)


def read(uuid, content_type):
    count("read")
    if FAIL_READS[0]:
        raise OSError("storage-area-read-failure for " + uuid)
    with open(path_of(uuid, content_type), "rb") as file:
        return file.read()


def read_range(uuid, content_type, range_start, size):
    count("read_range")
    with LOCK:
        RANGES.append([uuid, content_type, range_start, size])
    with open(path_of(uuid, content_type), "rb") as file:
        file.seek(range_start)
        return file.read(size)


def remove(uuid, content_type):
    count("remove")
    os.remove(path_of(uuid, content_type))


if API == "2":
    orthanc.RegisterStorageArea2(create, read, remove, read_range=read_range)
else:
    orthanc.RegisterStorageArea(create, read, remove)

try:
    orthanc.RegisterStorageArea(create, read, remove)
    SECOND_REGISTRATION = None
except Exception as error:  # noqa: BLE001 - reported to the test as is
    SECOND_REGISTRATION = [type(error).__name__, str(error)]


def answer_json(output, value):
    output.AnswerBuffer(json.dumps(value), "application/json")


def files(output, uri, **kwargs):
    listed = []
    for name in sorted(os.listdir(FOLDER)):
        uuid, _, content_type = name.rpartition(".")
        with open(os.path.join(FOLDER, name), "rb") as file:
            data = file.read()
        listed.append({"uuid": uuid, "type": int(content_type), "size": len(data),
                       "sha256": hashlib.sha256(data).hexdigest()})
    answer_json(output, listed)


def calls(output, uri, **kwargs):
    with LOCK:
        answer_json(output, {"calls": dict(CALLS), "ranges": list(RANGES), "api": API,
                             "second_registration": SECOND_REGISTRATION})


def fail_reads(output, uri, body, **kwargs):
    FAIL_READS[0] = body == b"1"
    answer_json(output, {"fail_reads": FAIL_READS[0]})


orthanc.RegisterRestCallback("/sa/files", files)
orthanc.RegisterRestCallback("/sa/calls", calls)
orthanc.RegisterRestCallback("/sa/fail-reads", fail_reads)
