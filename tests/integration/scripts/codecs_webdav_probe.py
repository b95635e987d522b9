"""Image decoders, transcoders and WebDAV collections written in Python (tests/integration/test_codecs_webdav.py)."""

import io
import json
import os

import orthanc

SEEN = {"decoded": 0, "raised": 0, "none": 0, "transcoded": [], "second_decoder": 0, "webdav_errors": 0}
PIXELS = bytes([10, 20, 30, 40, 50, 60])  # 3 x 2, 8-bit grayscale

# numpy (which pydicom imports) cannot be initialised twice in one process, a CPython limit: imported
# again after /tools/reset it may raise or crash the process. The process environment outlives the
# interpreter, so it tells the script that it runs again after a reset.
RELOADED = os.environ.get("CODECS_WEBDAV_PROBE_LOADED") == "1"
os.environ["CODECS_WEBDAV_PROBE_LOADED"] = "1"


def failing_decoder(dicom, frame_index):
    if b"PYRAISE" in dicom:
        SEEN["raised"] += 1
        raise RuntimeError("boom-from-image-decoder")
    return None


def decoder(dicom, frame_index):
    if b"PYDECODE" in dicom:
        SEEN["decoded"] += 1
        return orthanc.CreateImageFromBuffer(orthanc.PixelFormat.GRAYSCALE8, 3, 2, 3, PIXELS)
    if b"PYNONE" in dicom:
        SEEN["none"] += 1
    if b"PYWRONG" in dicom:
        return "not an image"
    return None


def second_decoder(dicom, frame_index):
    # Only asked when the decoders before it gave no image.
    if b"PYSECOND" in dicom:
        SEEN["second_decoder"] += 1
        return orthanc.CreateImageFromBuffer(orthanc.PixelFormat.GRAYSCALE8, 1, 1, 1, bytes([frame_index + 7]))
    return None


orthanc.RegisterDecodeImageCallback(failing_decoder)
orthanc.RegisterDecodeImageCallback(decoder)
orthanc.RegisterDecodeImageCallback(second_decoder)


def transcoder(dicom, allowed_syntaxes, allow_new_sop_instance_uid):
    if b"PYTRANSCODE" not in dicom:
        return None
    if b"PYTRANSRAISE" in dicom:
        raise ValueError("boom-from-transcoder")
    SEEN["transcoded"].append([list(allowed_syntaxes), bool(allow_new_sop_instance_uid)])
    if RELOADED:
        return None  # no pydicom after a reset (see RELOADED): Orthanc's own transcoder takes over
    import pydicom
    from pydicom.uid import ImplicitVRLittleEndian

    if ImplicitVRLittleEndian not in allowed_syntaxes:
        return None
    dataset = pydicom.dcmread(io.BytesIO(dicom))
    dataset.ImageComments = "transcoded-by-python"
    dataset.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    output = io.BytesIO()
    dataset.save_as(output, enforce_file_format=True)
    return output.getvalue()


orthanc.RegisterTranscoderCallback(transcoder)


# ---- WebDAV: an in-memory file system, and a read-only one ---------------------------
FOLDERS = {(), ("sub",)}
FILES = {("hello.txt",): b"hello webdav", ("sub", "inner.bin"): bytes(range(7))}


def is_existing_folder(path):
    return path in FOLDERS


def list_folder(path):
    if path not in FOLDERS:
        return None
    depth = len(path)
    folders = [f[-1] for f in FOLDERS if len(f) == depth + 1 and f[:depth] == path]
    files = [(p[-1], len(data), "application/octet-stream" if p[-1].endswith(".bin") else None,
              "20240102T030405")
             for p, data in FILES.items() if p[:-1] == path]
    return folders, files


def retrieve_file(path):
    if path == ("boom.txt",):
        SEEN["webdav_errors"] += 1
        raise RuntimeError("boom-from-webdav")
    data = FILES.get(path)
    if data is None:
        return None
    return (data, "text/plain") if path[-1].endswith(".txt") else data


def store_file(path, data):
    if path[:1] == ("locked",):
        return False
    FILES[path] = data
    return True


def create_folder(path):
    FOLDERS.add(path)


def delete_item(path):
    if path in FILES:
        del FILES[path]
    else:
        FOLDERS.discard(path)
        for key in [p for p in FILES if p[:len(path)] == path]:
            del FILES[key]


orthanc.RegisterWebDavCollection("/pydav", is_existing_folder, list_folder, retrieve_file, store_file,
                                 create_folder, delete_item)


def readonly_list(path):
    return ([], [("readme.txt", 2)]) if path == () else None


orthanc.RegisterWebDavCollection(
    "/pydav-ro", lambda path: path == (), readonly_list,
    lambda path: b"ro" if path == ("readme.txt",) else None,
    lambda path, data: False, lambda path: False, lambda path: False)


def bad_registrations():
    errors = {}
    for name, call in {
        "decoder_not_callable": lambda: orthanc.RegisterDecodeImageCallback(42),
        "webdav_relative_uri": lambda: orthanc.RegisterWebDavCollection("x", *[lambda *a: None] * 6),
        "webdav_not_callable": lambda: orthanc.RegisterWebDavCollection("/y", *([lambda *a: None] * 5 + [1])),
    }.items():
        try:
            call()
            errors[name] = None
        except Exception as error:  # noqa: BLE001 - the type is what the test checks
            errors[name] = type(error).__name__
    return errors


SEEN["bad_registrations"] = bad_registrations()


def on_seen(output, uri, **request):
    output.AnswerBuffer(json.dumps({**SEEN, "files": {"/".join(k): v.hex() for k, v in FILES.items()},
                                    "folders": sorted("/".join(f) for f in FOLDERS)}), "application/json")


orthanc.RegisterRestCallback("/codecs/seen", on_seen)
