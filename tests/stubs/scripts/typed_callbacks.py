"""Every callback kind of SDK 1.10.1, annotated as an author would: mypy --strict reports nothing."""

from __future__ import annotations

import json
from typing import Any

import orthanc


def on_rest(output: orthanc.RestOutput, uri: str, **request: Any) -> None:
    instances: list[str] = json.loads(orthanc.RestApiGet("/instances"))
    output.AnswerBuffer(json.dumps({"uri": uri, "count": len(instances)}), "application/json")


def on_rest_explicit(output: orthanc.RestOutput, uri: str, *, method: str, groups: tuple[str, ...],
                     headers: dict[str, str], get: dict[str, str] | None = None, body: bytes = b"") -> None:
    output.SendHttpStatus(400, f"{method} {groups} {len(headers)} {get} {len(body)}")


def on_change(change_type: orthanc.ChangeType, resource_type: orthanc.ResourceType, resource_id: str) -> None:
    if change_type == orthanc.ChangeType.NEW_STUDY and resource_type == orthanc.ResourceType.STUDY:
        orthanc.LogWarning(f"new study {resource_id}")


def on_change_with_ints(change_type: int, resource_type: int, resource_id: str) -> None:
    orthanc.LogInfo(f"{change_type} {resource_type} {resource_id}")


def on_stored(instance: orthanc.DicomInstance, instance_id: str) -> None:
    tags: dict[str, Any] = json.loads(instance.GetInstanceSimplifiedJson())
    if instance.GetInstanceOrigin() == orthanc.InstanceOrigin.DICOM_PROTOCOL:
        orthanc.LogInfo(f"{instance_id} from {instance.GetInstanceRemoteAet()}: {tags.get('PatientID')}")


def http_filter(uri: str, *, method: str, ip: str, headers: dict[str, str], get: dict[str, str]) -> bool:
    return method != "DELETE" or ip == "127.0.0.1"


def http_filter_kwargs(uri: str, **request: Any) -> bool:
    return not uri.startswith("/forbidden")


files: dict[str, bytes] = {}


def storage_create(uuid: str, content_type: orthanc.ContentType, data: bytes) -> None:
    files[uuid] = data


def storage_read(uuid: str, content_type: int) -> bytes:
    return files[uuid]


def storage_remove(uuid: str, content_type: orthanc.ContentType) -> None:
    del files[uuid]


def on_find(answers: orthanc.FindAnswers, query: orthanc.FindQuery, issuer_aet: str, called_aet: str) -> None:
    for index in range(query.GetFindQuerySize()):
        orthanc.LogInfo(f"{query.GetFindQueryTagName(index)} = {query.GetFindQueryValue(index)}")
    answers.FindAddAnswer(orthanc.CreateDicom(json.dumps({"PatientID": "X"}), None, 0))


def on_worklist(answers: orthanc.WorklistAnswers, query: orthanc.WorklistQuery, issuer_aet: str,
                called_aet: str) -> None:
    dicom = orthanc.CreateDicom(json.dumps({"PatientID": "X"}), None, orthanc.CreateDicomFlags.NONE)
    if query.WorklistIsMatch(dicom):
        answers.WorklistAddAnswer(query, dicom)


def on_move(**request: Any) -> None:
    orthanc.LogInfo(f"move {request['Level']} to {request['TargetAET']}")


class MoveDriver:
    def __init__(self, target: str) -> None:
        self.target = target
        self.done = 0


def move_create(*, Level: str, TargetAET: str, **request: Any) -> MoveDriver:
    return MoveDriver(TargetAET)


def move_size(driver: MoveDriver) -> int:
    return 1


def move_apply(driver: MoveDriver) -> None:
    driver.done += 1


def move_free(driver: MoveDriver) -> None:
    orthanc.LogInfo(f"moved {driver.done} to {driver.target}")


def on_received(data: bytes, origin: orthanc.InstanceOrigin) -> tuple[int, bytes | None]:
    if origin == orthanc.InstanceOrigin.REST_API:
        return orthanc.ReceivedInstanceAction.KEEP_AS_IS, None
    return orthanc.ReceivedInstanceAction.MODIFY, data


def cstore_filter(instance: orthanc.DicomInstance) -> int:
    return 0 if instance.GetInstanceSize() < 10_000_000 else 0xA700


def dicom_filter(instance: orthanc.DicomInstance) -> bool:
    return bool(instance.HasInstancePixelData())


def refresh_metrics() -> None:
    orthanc.SetMetricsValue("typed_files", float(len(files)), orthanc.MetricsType.DEFAULT)


class Commitment:
    def __init__(self, job_id: str, sop_instance_uids: list[str]) -> None:
        self.job_id = job_id
        self.known = set(sop_instance_uids)


def commitment_factory(job_id: str, transaction_uid: str, sop_class_uids: list[str],
                       sop_instance_uids: list[str], remote_aet: str, called_aet: str) -> Commitment:
    return Commitment(job_id, sop_instance_uids)


def commitment_lookup(sop_class_uid: str, sop_instance_uid: str, handler: Commitment) -> int:
    if sop_instance_uid in handler.known:
        return orthanc.StorageCommitmentFailureReason.SUCCESS
    return orthanc.StorageCommitmentFailureReason.NO_SUCH_OBJECT_INSTANCE


def image_route(output: orthanc.RestOutput, uri: str, **request: Any) -> None:
    image = orthanc.CreateImage(orthanc.PixelFormat.GRAYSCALE8, 2, 2)
    width: int = image.GetImageWidth()
    pixel_format: orthanc.PixelFormat = image.GetImagePixelFormat()
    output.CompressAndAnswerPngImage(pixel_format, width, image.GetImageHeight(), image.GetImagePitch(),
                                     image.GetImageBuffer())


body, answer_headers, status = orthanc.CallRestApi(orthanc.HttpMethod.GET, "/system", {}, b"", False)
orthanc.LogInfo(f"{len(body)} {len(answer_headers)} {status + 1}")

orthanc.RegisterRestCallback("/typed/(.*)", on_rest)
orthanc.RegisterRestCallback("/typed-explicit/(.*)", on_rest_explicit)
orthanc.RegisterRestCallback("/typed-image", image_route)
orthanc.RegisterOnChangeCallback(on_change)
orthanc.RegisterOnChangeCallback(on_change_with_ints)
orthanc.RegisterOnStoredInstanceCallback(on_stored)
orthanc.RegisterIncomingHttpRequestFilter(http_filter)
orthanc.RegisterIncomingHttpRequestFilter(http_filter_kwargs)
orthanc.RegisterStorageArea(storage_create, storage_read, storage_remove)
orthanc.RegisterStorageArea2(storage_create, storage_read, storage_remove, read_range=None)
orthanc.RegisterFindCallback(on_find)
orthanc.RegisterWorklistCallback(on_worklist)
orthanc.RegisterMoveCallback(on_move)
orthanc.RegisterMoveCallback2(move_create, move_size, move_apply, move_free)
orthanc.RegisterReceivedInstanceCallback(on_received)
orthanc.RegisterIncomingCStoreInstanceFilter(cstore_filter)
orthanc.RegisterIncomingDicomInstanceFilter(dicom_filter)
orthanc.RegisterRefreshMetricsCallback(refresh_metrics)
orthanc.RegisterStorageCommitmentScpCallback(commitment_factory, commitment_lookup)
