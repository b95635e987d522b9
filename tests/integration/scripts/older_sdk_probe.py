"""Loaded by Orthanc through a plugin generated from an older SDK release than Orthanc's own.

Uses only what SDK 0.9.5 already had: a storage area (the first API, files in
$STORAGE_AREA_DIR named <uuid>.<content type>), change and stored-instance callbacks and a REST
route.  GET /old/report tells what the callbacks saw; POST /old/has (body: JSON list of names)
tells which of those names the orthanc module defines.
"""

import json
import os
import threading

import orthanc

FOLDER = os.environ["STORAGE_AREA_DIR"]
LOCK = threading.Lock()
SEEN = {"create": 0, "read": 0, "remove": 0, "changes": [], "stored": []}


def path_of(uuid, content_type):
    return os.path.join(FOLDER, f"{uuid}.{int(content_type)}")


def create(uuid, content_type, data):
    with LOCK:
        SEEN["create"] += 1
    with open(path_of(uuid, content_type), "wb") as file:
        file.write(data)


def read(uuid, content_type):
    with LOCK:
        SEEN["read"] += 1
    with open(path_of(uuid, content_type), "rb") as file:
        return file.read()


def remove(uuid, content_type):
    with LOCK:
        SEEN["remove"] += 1
    os.remove(path_of(uuid, content_type))


def on_change(change_type, level, resource):
    with LOCK:
        SEEN["changes"].append([int(change_type), resource])


def on_stored(dicom, instance_id):
    with LOCK:
        SEEN["stored"].append({"id": instance_id, "size": dicom.GetInstanceSize()})


def report(output, uri, **kwargs):
    with LOCK:
        output.AnswerBuffer(json.dumps(SEEN), "application/json")


def has(output, uri, body, **kwargs):
    names = json.loads(body)
    output.AnswerBuffer(json.dumps({name: hasattr(orthanc, name) for name in names}), "application/json")


orthanc.RegisterStorageArea(create, read, remove)
orthanc.RegisterOnChangeCallback(on_change)
orthanc.RegisterOnStoredInstanceCallback(on_stored)
orthanc.RegisterRestCallback("/old/report", report)
orthanc.RegisterRestCallback("/old/has", has)
