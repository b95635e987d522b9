"""An on-change and a stored-instance callback whose findings a route shows (mock and real Orthanc)."""

import json

import orthanc

seen = {"new_instances": [], "stored": []}


def on_change(change_type, resource_type, resource_id):
    if change_type == orthanc.ChangeType.NEW_INSTANCE and resource_type == orthanc.ResourceType.INSTANCE:
        instance = json.loads(orthanc.RestApiGet(f"/instances/{resource_id}"))
        seen["new_instances"].append({"id": resource_id, "sop": instance["MainDicomTags"]["SOPInstanceUID"]})


def on_stored(dicom, instance_id):
    tags = json.loads(dicom.GetInstanceSimplifiedJson())
    seen["stored"].append({
        "id": instance_id,
        "patient": tags["PatientID"],
        "size": dicom.GetInstanceSize(),
        "from_rest": dicom.GetInstanceOrigin() == orthanc.InstanceOrigin.REST_API,
        "has_pixels": bool(dicom.HasInstancePixelData()),
    })


def on_seen(output, uri, **request):
    output.AnswerBuffer(json.dumps(seen, sort_keys=True), "application/json")


orthanc.RegisterOnChangeCallback(on_change)
orthanc.RegisterOnStoredInstanceCallback(on_stored)
orthanc.RegisterRestCallback("/demo/seen", on_seen)
