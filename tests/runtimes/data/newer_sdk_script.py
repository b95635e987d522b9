"""Loaded by a runtime's Orthanc through our plugin: the features of SDK releases newer than the host's.

Each feature is used only if the module has it (the plugin exposes exactly what its SDK backs);
GET /new/features lists which ones this build has, the other routes exercise them:
- RegisterStorageArea3 (1.12.8): files in a dict, with custom data "custom:<uuid>";
- key-value stores and queues (1.12.8; ReserveQueueValue 1.12.10);
- streaming answers (1.12.6);
- RegisterFindCallback2 / RegisterWorklistCallback2 / RegisterMoveCallback3 /
  RegisterStorageCommitmentScpCallback2 (1.12.10), which receive the DICOM connection.
"""

import json
import threading

import orthanc

FEATURES = ["RegisterStorageArea3", "GetKeyValue", "ReserveQueueValue", "RegisterFindCallback2",
            "RegisterWorklistCallback2", "RegisterMoveCallback3", "RegisterStorageCommitmentScpCallback2",
            "SetStableStatus"]
LOCK = threading.Lock()
FILES = {}      # (uuid, content_type) -> (data, custom_data)
SEEN = {"create": [], "read": [], "remove": [], "connections": []}


def answer_json(output, value):
    output.AnswerBuffer(json.dumps(value), "application/json")


def record(kind, value):
    with LOCK:
        SEEN[kind].append(value)


def features(output, uri, **kwargs):
    present = [name for name in FEATURES if hasattr(orthanc, name)]
    streaming = hasattr(orthanc.RestOutput, "StartStreamAnswer")
    answer_json(output, {"present": present, "streaming": streaming})


orthanc.RegisterRestCallback("/new/features", features)


# ---- Storage area with custom data -------------------------------------------------------

def sa_create(uuid, content_type, compression_type, data, dicom_instance):
    sop = None
    if dicom_instance is not None:
        sop = json.loads(dicom_instance.GetInstanceSimplifiedJson()).get("SOPInstanceUID")
    record("create", [uuid, content_type, compression_type, len(data), sop])
    custom = ("custom:" + uuid).encode()
    with LOCK:
        FILES[(uuid, content_type)] = (bytes(data), custom)
    return custom


def sa_read(uuid, content_type, range_start, size, custom_data):
    with LOCK:
        data, custom = FILES[(uuid, content_type)]
    record("read", [uuid, content_type, range_start, size, custom_data.decode()])
    if custom_data != custom:
        return orthanc.ErrorCode.CORRUPTED_FILE, b""  # the reference plugin's tuple form
    return data[range_start:range_start + size]


def sa_remove(uuid, content_type, custom_data):
    record("remove", [uuid, content_type, custom_data.decode()])
    with LOCK:
        del FILES[(uuid, content_type)]


if hasattr(orthanc, "RegisterStorageArea3"):
    orthanc.RegisterStorageArea3(sa_create, sa_read, sa_remove)


def storage(output, uri, **kwargs):
    with LOCK:
        answer_json(output, {**{key: list(value) for key, value in SEEN.items()},
                             "files": sorted([uuid, content_type] for uuid, content_type in FILES)})


orthanc.RegisterRestCallback("/new/storage", storage)


# ---- Key-value stores and queues ---------------------------------------------------------

def key_values(output, uri, **kwargs):
    store = "newer-sdk-store"
    orthanc.StoreKeyValue(store, "b", b"\x00two")
    orthanc.StoreKeyValue(store, "a", b"one")
    orthanc.StoreKeyValue(store, "c", "three")
    got = orthanc.GetKeyValue(store, "b")
    missing = orthanc.GetKeyValue(store, "nothing-here")
    iterated = []
    iterator = orthanc.CreateKeysValuesIterator(store)
    next_results = []
    for _ in range(10):  # bounded: the meaning of Next()'s result is what the test checks
        result = iterator.Next()
        next_results.append(result)
        if not result:
            break
        iterated.append([iterator.GetKey(), iterator.GetValue().decode("latin-1")])
    orthanc.DeleteKeyValue(store, "a")
    after_delete = orthanc.GetKeyValue(store, "a")
    answer_json(output, {"got": got.hex(), "got_type": type(got).__name__, "missing": missing,
                         "iterated": iterated, "next_results": [int(r) for r in next_results],
                         "after_delete": after_delete})


def queues(output, uri, **kwargs):
    queue = "newer-sdk-queue"
    for value in (b"first", b"second", b"third"):
        orthanc.EnqueueValue(queue, value)
    size = orthanc.GetQueueSize(queue)
    front = orthanc.DequeueValue(queue, orthanc.QueueOrigin.FRONT)
    back = orthanc.DequeueValue(queue, orthanc.QueueOrigin.BACK)
    reserved = None
    if hasattr(orthanc, "ReserveQueueValue"):
        value, value_id = orthanc.ReserveQueueValue(queue, orthanc.QueueOrigin.FRONT, 30)
        orthanc.AcknowledgeQueueValue(queue, value_id)
        reserved = [value.decode(), isinstance(value_id, int)]
    empty = orthanc.DequeueValue(queue, orthanc.QueueOrigin.FRONT)
    empty_reserve = None
    if hasattr(orthanc, "ReserveQueueValue"):
        empty_reserve = list(orthanc.ReserveQueueValue(queue, orthanc.QueueOrigin.FRONT, 30))
        empty_reserve[1] = isinstance(empty_reserve[1], int)
    answer_json(output, {"size": size, "front": front.decode(), "back": back.decode(), "reserved": reserved,
                         "empty": empty, "empty_reserve": empty_reserve, "size_after": orthanc.GetQueueSize(queue)})


def stable(output, uri, groups, **kwargs):
    changed = orthanc.SetStableStatus(groups[0], orthanc.StableStatus.STABLE)
    again = orthanc.SetStableStatus(groups[0], orthanc.StableStatus.STABLE)
    answer_json(output, {"changed": changed, "again": again})


if hasattr(orthanc, "GetKeyValue"):
    orthanc.RegisterRestCallback("/new/key-values", key_values)
    orthanc.RegisterRestCallback("/new/queues", queues)
if hasattr(orthanc, "SetStableStatus"):
    orthanc.RegisterRestCallback("/new/stable/(.*)", stable)


# ---- Streaming answers ---------------------------------------------------------------------

def stream(output, uri, **kwargs):
    output.StartStreamAnswer("text/plain")
    for number in range(3):
        output.SendStreamChunk(f"chunk-{number};")


if hasattr(orthanc.RestOutput, "StartStreamAnswer"):
    orthanc.RegisterRestCallback("/new/stream", stream)


# ---- DICOM callbacks with the connection --------------------------------------------------------

def describe(connection):
    return {"remote_aet": connection.GetConnectionRemoteAet(), "remote_ip": connection.GetConnectionRemoteIp(),
            "called_aet": connection.GetConnectionCalledAet()}


def on_find(answers, query, connection):
    record("connections", ["find", describe(connection)])
    answer = {"QueryRetrieveLevel": "STUDY", "PatientID": "PY-FIND2", "PatientName": "FIND^TWO",
              "StudyInstanceUID": "1.2.826.0.1.3680043.10.1473.98.1"}
    answers.FindAddAnswer(orthanc.CreateDicom(json.dumps(answer), None, 0))


def on_worklist(answers, query, connection):
    record("connections", ["worklist", describe(connection)])
    worklist = orthanc.CreateDicom(json.dumps({
        "AccessionNumber": "WL2", "PatientName": "WORKLIST^TWO", "PatientID": "PY-WL2",
        "ScheduledProcedureStepSequence": [{"Modality": "MR"}]}), None, 0)
    if query.WorklistIsMatch(worklist):
        answers.WorklistAddAnswer(query, worklist)


class Move:
    def __init__(self, request):
        self.request = request
        self.applied = 0


def move_create(**request):
    connection = request.pop("Connection")
    record("connections", ["move", describe(connection), sorted(request)])
    return Move(request)


def move_size(move):
    return 2


def move_apply(move):
    move.applied += 1


def move_free(move):
    record("connections", ["move-free", move.applied])


def commitment_factory(job_id, transaction_uid, sop_class_uids, sop_instance_uids, connection):
    record("connections", ["commitment", describe(connection), sop_instance_uids])
    return job_id


def commitment_lookup(sop_class_uid, sop_instance_uid):
    return orthanc.StorageCommitmentFailureReason.SUCCESS


if hasattr(orthanc, "RegisterFindCallback2"):
    orthanc.RegisterFindCallback2(on_find)
    orthanc.RegisterWorklistCallback2(on_worklist)
    orthanc.RegisterMoveCallback3(move_create, move_size, move_apply, move_free)
    orthanc.RegisterStorageCommitmentScpCallback2(commitment_factory, commitment_lookup)
