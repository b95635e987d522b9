"""Loaded by Orthanc for tests/reliability/test_reset_twenty.py: a callback of every kind, each
recording that it ran; GET /reset20/state reports the records of this interpreter's life.

Where the SDK has several versions of a registration, one is registered (C-MOVE and the storage
area each have a single slot in Orthanc): RegisterMoveCallback and RegisterStorageArea.  The
storage area keeps its files in $RESET20_STORAGE, so they outlive each interpreter.
"""

import json
import os
import threading
import uuid

import orthanc

TOKEN = uuid.uuid4().hex  # new in every interpreter: shows that the script ran again
LOCK = threading.Lock()
STATE = {"token": TOKEN, "changes": [], "stored": [], "filtered": 0, "received": 0, "cstore": 0, "find": 0,
         "worklist": 0, "move": 0, "commitment": 0, "lookup": 0, "dicom_filter": 0, "metrics": 0,
         "storage": {"create": 0, "read": 0, "remove": 0}}
FOLDER = os.environ["RESET20_STORAGE"]


def count(key, sub=None):
    with LOCK:
        if sub is None:
            STATE[key] += 1
        else:
            STATE[key][sub] += 1


def state(output, uri, **request):
    with LOCK:
        output.AnswerBuffer(json.dumps(STATE), "application/json")


def dicom(output, uri, **request):
    tags = {"PatientID": request["get"].get("patient", "RESET20"), "Modality": "OT",
            "SOPClassUID": "1.2.840.10008.5.1.4.1.1.7"}
    output.AnswerBuffer(orthanc.CreateDicom(json.dumps(tags), None, orthanc.CreateDicomFlags.GENERATE_IDENTIFIERS),
                        "application/dicom")


def on_change(change_type, resource_type, resource_id):
    with LOCK:
        STATE["changes"].append([change_type, resource_id])


def on_stored(instance, instance_id):
    size = instance.GetInstanceSize()
    with LOCK:
        STATE["stored"].append([instance_id, size])


def http_filter(uri, method, ip, headers, get):
    if uri.startswith("/reset20/refused"):
        count("filtered")
        return False
    return True


def on_received(data, origin):
    count("received")
    return orthanc.ReceivedInstanceAction.KEEP_AS_IS, None


def cstore_filter(instance):
    count("cstore")
    return 0


def dicom_filter(instance):
    count("dicom_filter")
    return True


def refresh_metrics():
    count("metrics")


def on_find(answers, query, issuer_aet, called_aet):
    count("find")


def on_worklist(answers, query, issuer_aet, called_aet):
    count("worklist")


def on_move(**request):
    count("move")


def commitment_factory(job_id, transaction_uid, sop_class_uids, sop_instance_uids, remote_aet, called_aet):
    count("commitment")
    return "handler"


def commitment_lookup(sop_class_uid, sop_instance_uid):
    count("lookup")
    return orthanc.StorageCommitmentFailureReason.SUCCESS


def path_of(file_uuid, content_type):
    return os.path.join(FOLDER, f"{file_uuid}.{content_type}")


def storage_create(file_uuid, content_type, data):
    count("storage", "create")
    with open(path_of(file_uuid, content_type), "wb") as file:
        file.write(data)


def storage_read(file_uuid, content_type):
    count("storage", "read")
    with open(path_of(file_uuid, content_type), "rb") as file:
        return file.read()


def storage_remove(file_uuid, content_type):
    count("storage", "remove")
    os.remove(path_of(file_uuid, content_type))


orthanc.RegisterRestCallback("/reset20/state", state)
orthanc.RegisterRestCallback("/reset20/dicom", dicom)
orthanc.RegisterRestCallback("/reset20/refused", state)
orthanc.RegisterOnChangeCallback(on_change)
orthanc.RegisterOnStoredInstanceCallback(on_stored)
orthanc.RegisterIncomingHttpRequestFilter(http_filter)
orthanc.RegisterReceivedInstanceCallback(on_received)
orthanc.RegisterIncomingCStoreInstanceFilter(cstore_filter)
orthanc.RegisterIncomingDicomInstanceFilter(dicom_filter)
orthanc.RegisterRefreshMetricsCallback(refresh_metrics)
orthanc.RegisterFindCallback(on_find)
orthanc.RegisterWorklistCallback(on_worklist)
orthanc.RegisterMoveCallback(on_move)
orthanc.RegisterStorageCommitmentScpCallback(commitment_factory, commitment_lookup)
orthanc.RegisterStorageArea(storage_create, storage_read, storage_remove)
print("all_callbacks loaded", TOKEN)
