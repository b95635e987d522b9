"""DICOM files made by the tests (pydicom): small secondary-capture images with chosen identifiers."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import pytest

pydicom = pytest.importorskip("pydicom", reason="pydicom makes the DICOM test files")

from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid  # noqa: E402

UID_ROOT = "1.2.826.0.1.3680043.10.1473."  # a root for test UIDs; generate_uid() appends a random suffix
_serial = count(1)


@dataclass(frozen=True)
class DicomFile:
    data: bytes
    patient_id: str
    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class_uid: str = str(SecondaryCaptureImageStorage)
    tags: dict[str, str] = field(default_factory=dict)

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.sop_uid}.dcm"
        path.write_bytes(self.data)
        return path


def make_dicom(patient_id: str, patient_name: str = "TEST^PATIENT", study_uid: str | None = None,
               series_uid: str | None = None, sop_uid: str | None = None, width: int = 8,
               **extra: str) -> DicomFile:
    """A valid Part 10 file with 8-bit pixels (so that Orthanc finds a pixel data offset)."""
    study_uid = study_uid or generate_uid(UID_ROOT)
    series_uid = series_uid or generate_uid(UID_ROOT)
    sop_uid = sop_uid or generate_uid(UID_ROOT)

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian

    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = sop_uid
    ds.PatientID = patient_id
    ds.PatientName = patient_name
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.Modality = "OT"
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = next(_serial)
    for keyword, value in extra.items():
        setattr(ds, keyword, value)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = width
    ds.Columns = width
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = bytes(i % 256 for i in range(width * width))

    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return DicomFile(buffer.getvalue(), patient_id, study_uid, series_uid, sop_uid, tags=dict(extra))
