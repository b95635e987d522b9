"""Loaded by Orthanc through the plugin under test: the DICOM-side callbacks, driven by dcmtk peers.

- C-FIND: answers two studies built with orthanc.CreateDicom; PatientID "RAISE" raises.
- Worklists: two worklists (MR, CT); the query's own matcher picks the answers.
- C-MOVE ($MOVE_STYLE "driven": RegisterMoveCallback2, "simple": RegisterMoveCallback): sends the
  instances of the requested study to the move destination, one per sub-operation.
- C-STORE filter: PatientID "REJECT-ME" is refused with DIMSE status 0xA700; "RAISE-FILTER" raises.
- Received instances: "ORIGINAL^NAME" becomes "MODIFIED^NAME", PatientID "DISCARD-ME" is dropped,
  "RAISE-RECEIVED" raises.
- Storage commitment: instances whose SOP instance UID ends with ".1" are committed, the others
  answer NO_SUCH_OBJECT_INSTANCE (lookup takes the handler, or not with $MOVE_STYLE "simple").

Routes under /scp/ report what the callbacks saw.
"""

import json
import os
import threading

import orthanc

LOCK = threading.Lock()
SEEN = {"find": [], "worklist": [], "move_requests": [], "move_calls": [], "filter": [], "received": [],
        "commitment_factory": [], "commitment_lookup": []}
KEPT = {}  # objects kept beyond their callback
MOVE_STYLE = os.environ.get("MOVE_STYLE", "driven")


def record(kind, value):
    with LOCK:
        SEEN[kind].append(value)


# ---- C-FIND -------------------------------------------------------------------

def find_query_tags(query):
    tags = {}
    for i in range(query.GetFindQuerySize()):
        key = f"{query.GetFindQueryTagGroup(i):04x},{query.GetFindQueryTagElement(i):04x}"
        tags[key] = [query.GetFindQueryTagName(i), query.GetFindQueryValue(i)]
    return tags


def on_find(answers, query, issuer_aet, called_aet):
    tags = find_query_tags(query)
    record("find", {"issuer": issuer_aet, "called": called_aet, "tags": tags})
    KEPT["find_answers"] = answers
    if tags.get("0010,0020", ["", ""])[1] == "RAISE":
        raise ValueError("find-callback-failure")
    for number in (1, 2):
        answer = {
            "QueryRetrieveLevel": "STUDY",
            "PatientID": "PY-FIND",
            "PatientName": f"PYTHON^ANSWER{number}",
            "StudyInstanceUID": f"1.2.826.0.1.3680043.10.1473.99.{number}",
            "StudyDescription": f"answer {number}",
        }
        answers.FindAddAnswer(orthanc.CreateDicom(json.dumps(answer), None, 0))


orthanc.RegisterFindCallback(on_find)


# ---- Worklists ------------------------------------------------------------------

def make_worklist(accession, modality, name):
    tags = {
        "AccessionNumber": accession,
        "PatientName": name,
        "PatientID": "PY-WL-" + accession,
        "ScheduledProcedureStepSequence": [{"Modality": modality, "ScheduledStationAETitle": "SCANNER"}],
    }
    return orthanc.CreateDicom(json.dumps(tags), None, 0)


WORKLISTS = [make_worklist("WL-MR-1", "MR", "WORKLIST^MR"), make_worklist("WL-CT-1", "CT", "WORKLIST^CT")]


def on_worklist(answers, query, issuer_aet, called_aet):
    matched = 0
    for worklist in WORKLISTS:
        if query.WorklistIsMatch(worklist):
            answers.WorklistAddAnswer(query, worklist)
            matched += 1
    record("worklist", {"issuer": issuer_aet, "called": called_aet, "matched": matched,
                        "query_size": len(query.WorklistGetDicomQuery())})


orthanc.RegisterWorklistCallback(on_worklist)


# ---- C-MOVE -----------------------------------------------------------------------

def instances_of_study(study_uid):
    query = {"Level": "Instance", "Query": {"StudyInstanceUID": study_uid}}
    return sorted(json.loads(orthanc.RestApiPost("/tools/find", json.dumps(query))))


def send(instance_id, target_aet):
    modality = {"MOVESCU": "movescu"}[target_aet]
    body = {"Resources": [instance_id], "Synchronous": True}
    orthanc.RestApiPost(f"/modalities/{modality}/store", json.dumps(body))


class MoveDriver:
    def __init__(self, request):
        self.request = request
        self.pending = instances_of_study(request["StudyInstanceUID"])
        self.size = len(self.pending)


class BrokenSizeDriver:
    @property
    def size(self):
        raise RuntimeError("move-size-failure")


def create_move(**request):
    record("move_requests", request)
    if request["StudyInstanceUID"] == "1.2.3.RAISE":
        raise RuntimeError("move-create-failure")
    if request["StudyInstanceUID"] == "1.2.3.SIZE-RAISE":
        return BrokenSizeDriver()
    return MoveDriver(request)


def get_move_size(driver):
    record("move_calls", ["get_size", driver.size])
    return driver.size


def apply_move(driver):
    instance_id = driver.pending.pop(0)
    record("move_calls", ["apply", instance_id])
    send(instance_id, driver.request["TargetAET"])


def free_move(driver):
    record("move_calls", ["free", len(getattr(driver, "pending", []))])


def simple_move(**request):
    record("move_requests", request)
    for instance_id in instances_of_study(request["StudyInstanceUID"]):
        send(instance_id, request["TargetAET"])
    record("move_calls", ["simple"])


if MOVE_STYLE == "simple":
    orthanc.RegisterMoveCallback(simple_move)
else:
    orthanc.RegisterMoveCallback2(create_move, get_move_size, apply_move, free_move)

try:
    orthanc.RegisterMoveCallback(simple_move)
    SECOND_MOVE = None
except RuntimeError as error:
    SECOND_MOVE = str(error)


# ---- C-STORE filter and received instances ------------------------------------------

def cstore_filter(instance):
    tags = json.loads(instance.GetInstanceSimplifiedJson())
    record("filter", tags.get("PatientID"))
    KEPT["filter_instance"] = instance
    if tags.get("PatientID") == "RAISE-FILTER":
        raise ValueError("cstore-filter-failure")
    if tags.get("PatientID") == "REJECT-ME":
        return 0xA700
    return 0


def accept_everything(instance):
    return 0


orthanc.RegisterIncomingCStoreInstanceFilter(cstore_filter)
orthanc.RegisterIncomingCStoreInstanceFilter(accept_everything)


def received(data, origin):
    record("received", origin)
    if b"RAISE-RECEIVED" in data:
        raise ValueError("received-callback-failure")
    if b"DISCARD-ME" in data:
        return orthanc.ReceivedInstanceAction.DISCARD, None
    if b"ORIGINAL^NAME" in data:
        return orthanc.ReceivedInstanceAction.MODIFY, data.replace(b"ORIGINAL^NAME", b"MODIFIED^NAME")
    return orthanc.ReceivedInstanceAction.KEEP_AS_IS, None


orthanc.RegisterReceivedInstanceCallback(received)


# ---- Storage commitment ------------------------------------------------------------------

class CommitmentHandler:
    def __init__(self, job_id):
        self.job_id = job_id


def commitment_factory(job_id, transaction_uid, sop_class_uids, sop_instance_uids, remote_aet, called_aet):
    record("commitment_factory", {"job": job_id, "transaction": transaction_uid, "classes": sop_class_uids,
                                  "instances": sop_instance_uids, "remote": remote_aet, "called": called_aet})
    return CommitmentHandler(job_id)


def commitment_lookup(sop_class_uid, sop_instance_uid, handler):
    record("commitment_lookup", [sop_class_uid, sop_instance_uid, type(handler).__name__, handler.job_id])
    if sop_instance_uid.endswith(".1"):
        return orthanc.StorageCommitmentFailureReason.SUCCESS
    return orthanc.StorageCommitmentFailureReason.NO_SUCH_OBJECT_INSTANCE


def commitment_lookup_two(sop_class_uid, sop_instance_uid):
    """The two-argument form of the design contract (the handler is not needed)."""
    record("commitment_lookup", [sop_class_uid, sop_instance_uid, None, None])
    if sop_instance_uid.endswith(".1"):
        return orthanc.StorageCommitmentFailureReason.SUCCESS
    return orthanc.StorageCommitmentFailureReason.NO_SUCH_OBJECT_INSTANCE


orthanc.RegisterStorageCommitmentScpCallback(
    commitment_factory, commitment_lookup_two if MOVE_STYLE == "simple" else commitment_lookup)


# ---- Reports --------------------------------------------------------------------------------

def answer_json(output, value):
    output.AnswerBuffer(json.dumps(value), "application/json")


def seen(output, uri, **kwargs):
    with LOCK:
        answer_json(output, {**SEEN, "second_move": SECOND_MOVE, "move_style": MOVE_STYLE})


def use_kept(output, uri, **kwargs):
    outcomes = {}
    for name, call in (("find_answers", lambda: KEPT["find_answers"].FindMarkIncomplete()),
                       ("filter_instance", lambda: KEPT["filter_instance"].GetInstanceSize())):
        try:
            call()
            outcomes[name] = None
        except Exception as error:  # noqa: BLE001 - reported to the test as is
            outcomes[name] = [type(error).__name__, str(error)]
    answer_json(output, outcomes)


orthanc.RegisterRestCallback("/scp/seen", seen)
orthanc.RegisterRestCallback("/scp/use-kept", use_kept)
