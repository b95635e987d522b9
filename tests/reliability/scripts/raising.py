"""Loaded by Orthanc for tests/reliability/test_callback_exceptions.py: callbacks that raise, each
with a marker of its own ("reliability-boom-<kind>"), and routes under /raising/ to help trigger them.

$RAISING_GROUP picks what is registered, since Orthanc has a single slot for some kinds:
  main      REST, on-change, stored-instance, HTTP filter, received-instance, C-STORE filter,
            C-FIND, worklist, C-MOVE (RegisterMoveCallback), storage commitment
  move2     RegisterMoveCallback2 (create raises)
  storage1  RegisterStorageArea / storage2  RegisterStorageArea2 (each function raises on its trigger)
  codecs    RegisterDecodeImageCallback, RegisterTranscoderCallback, RegisterWebDavCollection
Callbacks that would stop everything else (received-instance, C-STORE filter, storage create)
raise only for DICOM files whose PatientID holds their marker.
"""

import json
import os

import orthanc

GROUP = os.environ.get("RAISING_GROUP", "main")
FILES = {}  # the storage area of the storage groups: uuid -> bytes


def boom(kind):
    raise RuntimeError(f"reliability-boom-{kind}")


def rest_raises(output, uri, **request):
    boom("rest")


def on_change_raises(change_type, resource_type, resource_id):
    boom("change")


def on_stored_raises(instance, instance_id):
    boom("stored")


def filter_raises(uri, method, ip, headers, get):
    if uri.startswith("/raising/filter"):
        boom("filter")
    return True


def received_raises(data, origin):
    if b"RAISE-RECEIVED" in data:
        boom("received")
    return orthanc.ReceivedInstanceAction.KEEP_AS_IS, None


def cstore_filter_raises(instance):
    if b"RAISE-CSTORE" in instance.GetInstanceData():
        boom("cstore")
    return 0


def dicom_filter_raises(instance):
    if b"RAISE-DICOMFILTER" in instance.GetInstanceData():
        boom("dicom-filter")
    return True


def metrics_raises():
    boom("metrics")


def find_raises(answers, query, issuer_aet, called_aet):
    boom("find")


def worklist_raises(answers, query, issuer_aet, called_aet):
    boom("worklist")


def move_raises(**request):
    boom("move")


def move2_create_raises(**request):
    boom("move2")


def move2_get_size(driver):
    return 0


def move2_apply(driver):
    pass


def move2_free(driver):
    pass


def commitment_factory_raises(job_id, transaction_uid, sop_class_uids, sop_instance_uids, remote_aet, called_aet):
    boom("commitment")


def commitment_lookup(sop_class_uid, sop_instance_uid):
    return orthanc.StorageCommitmentFailureReason.SUCCESS


def storage_create_raises(file_uuid, content_type, data):
    if b"RAISE-STORAGE" in data:
        boom("storage-create")
    FILES[file_uuid] = data


def storage_read_raises(file_uuid, content_type):
    boom("storage-read")


def storage_remove_raises(file_uuid, content_type):
    boom("storage-remove")


def decoder_raises(dicom, frame_index):
    boom("decoder")


def transcoder_raises(dicom, allowed_syntaxes, allow_new_sop_instance_uid):
    boom("transcoder")


def webdav_raises(path, *data):
    boom("webdav")


def ok(output, uri, **request):
    output.AnswerBuffer("ok", "text/plain")


def dicom(output, uri, **request):
    tags = {"PatientID": request["get"].get("patient", "RAISING"), "Modality": "OT",
            "SOPClassUID": "1.2.840.10008.5.1.4.1.1.7"}
    output.AnswerBuffer(orthanc.CreateDicom(json.dumps(tags), None, orthanc.CreateDicomFlags.GENERATE_IDENTIFIERS),
                        "application/dicom")


orthanc.RegisterRestCallback("/raising/ok", ok)
orthanc.RegisterRestCallback("/raising/dicom", dicom)
if GROUP == "main":
    orthanc.RegisterRestCallback("/raising/rest", rest_raises)
    orthanc.RegisterRestCallback("/raising/filter", ok)
    orthanc.RegisterOnChangeCallback(on_change_raises)
    orthanc.RegisterOnStoredInstanceCallback(on_stored_raises)
    orthanc.RegisterIncomingHttpRequestFilter(filter_raises)
    orthanc.RegisterReceivedInstanceCallback(received_raises)
    orthanc.RegisterIncomingCStoreInstanceFilter(cstore_filter_raises)
    orthanc.RegisterIncomingDicomInstanceFilter(dicom_filter_raises)
    orthanc.RegisterRefreshMetricsCallback(metrics_raises)
    orthanc.RegisterFindCallback(find_raises)
    orthanc.RegisterWorklistCallback(worklist_raises)
    orthanc.RegisterMoveCallback(move_raises)
    orthanc.RegisterStorageCommitmentScpCallback(commitment_factory_raises, commitment_lookup)
elif GROUP == "move2":
    orthanc.RegisterMoveCallback2(move2_create_raises, move2_get_size, move2_apply, move2_free)
elif GROUP == "storage1":
    orthanc.RegisterStorageArea(storage_create_raises, storage_read_raises, storage_remove_raises)
elif GROUP == "storage2":
    orthanc.RegisterStorageArea2(storage_create_raises, storage_read_raises, storage_remove_raises)
elif GROUP == "codecs":
    orthanc.RegisterDecodeImageCallback(decoder_raises)
    orthanc.RegisterTranscoderCallback(transcoder_raises)
    orthanc.RegisterWebDavCollection("/raising-dav", *[webdav_raises] * 6)
else:
    raise ValueError(f"unknown RAISING_GROUP {GROUP}")
