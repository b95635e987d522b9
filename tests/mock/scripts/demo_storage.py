"""A storage area in memory, with a route listing the DICOM files it holds (mock and real Orthanc)."""

import json

import orthanc

files = {}


def create(uuid, content_type, data):
    files[uuid] = (content_type, bytes(data))


def read(uuid, content_type):
    return files[uuid][1]


def remove(uuid, content_type):
    del files[uuid]


def on_list(output, uri, **request):
    listing = sorted(
        ({"type": content_type, "size": len(data), "dicom": data[128:132] == b"DICM"}
         for content_type, data in files.values() if content_type == orthanc.ContentType.DICOM),
        key=lambda entry: (entry["type"], entry["size"]),
    )
    output.AnswerBuffer(json.dumps(listing), "application/json")


orthanc.RegisterStorageArea(create, read, remove)
orthanc.RegisterRestCallback("/demo/storage", on_list)
