"""Image decoders, transcoders and WebDAV collections written in Python, in a real Orthanc 1.10.1
(tests/integration/scripts/codecs_webdav_probe.py), observed over HTTP and WebDAV."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from tests.integration.dicom_files import make_dicom, pydicom
from tests.integration.helpers import QUICK_STOP_CONFIG, SCRIPTS_DIR
from tests.orthanc_server import OrthancServer, Response

pytestmark = pytest.mark.integration

WIDTH = 4  # make_dicom's pixels: value i % 256 at index i
IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
DAV = "{DAV:}"


@pytest.fixture(scope="module")
def server(plugin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    orthanc = OrthancServer(
        workdir=tmp_path_factory.mktemp("codecs-webdav"),
        plugin=plugin,
        script=SCRIPTS_DIR / "codecs_webdav_probe.py",
        # WebDAV on (QUICK_STOP_CONFIG turns Orthanc's own off); plugins decode before DCMTK.
        extra_config={**QUICK_STOP_CONFIG, "WebDavEnabled": True, "BuiltinDecoderTranscoderOrder": "After"},
    )
    orthanc.start()
    yield orthanc
    code = orthanc.stop()
    assert code == 0, f"Orthanc did not stop cleanly (exit {code})\n{orthanc.log_tail()}"


def seen(server: OrthancServer) -> dict[str, Any]:
    return dict(server.get_json("/codecs/seen"))


def upload(server: OrthancServer, patient_id: str) -> str:
    answer = server.post("/instances", make_dicom(patient_id, width=WIDTH).data)
    assert answer.status == 200, answer.text
    return str(answer.json()["ID"])


def matlab(server: OrthancServer, instance: str) -> str:
    """The decoded frame 0, as Orthanc's Matlab text of the pixel values."""
    answer = server.get(f"/instances/{instance}/frames/0/matlab")
    assert answer.status == 200, answer.text
    return answer.text.strip()


def matrix(rows: list[list[int]]) -> str:
    return "double([ " + " ; ".join(" ".join(str(value) for value in row) for row in rows) + " ])"


# What DCMTK decodes from make_dicom's pixels (the fallback).
BUILTIN = matrix([[row * WIDTH + column for column in range(WIDTH)] for row in range(WIDTH)])


def test_python_decoder_decodes_the_frame(server: OrthancServer) -> None:
    before = seen(server)["decoded"]
    instance = upload(server, "PYDECODE-1")
    assert matlab(server, instance) == matrix([[10, 20, 30], [40, 50, 60]])
    assert seen(server)["decoded"] > before
    # Every decoded view goes through it: the PNG preview of a 3 x 2 image.
    preview = server.get(f"/instances/{instance}/preview")
    assert preview.status == 200 and preview.body[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(preview.body[16:20], "big") == 3 and int.from_bytes(preview.body[20:24], "big") == 2


def test_decoders_are_asked_in_order_until_one_answers(server: OrthancServer) -> None:
    # The first two return None; the third decodes (its pixel is frame_index + 7).
    assert matlab(server, upload(server, "PYSECOND-1")) == matrix([[7]])
    assert seen(server)["second_decoder"] >= 1
    # Nobody answers: Orthanc's own decoder does.
    before = seen(server)["none"]
    assert matlab(server, upload(server, "PYNONE-1")) == BUILTIN
    assert seen(server)["none"] > before


@pytest.mark.parametrize(("patient", "logged"), [("PYRAISE-1", "boom-from-image-decoder"),
                                                 ("PYWRONG-1", "must return an orthanc.Image or None, not str")])
def test_failing_decoder_is_logged_and_orthanc_falls_back(server: OrthancServer, patient: str, logged: str) -> None:
    instance = upload(server, patient)
    assert matlab(server, instance) == BUILTIN
    log = server.wait_for_log(logged)
    assert "Error in the Python image decoder" in log
    # Orthanc keeps serving, and the Python decoders keep decoding.
    assert server.get("/system").status == 200
    assert matlab(server, upload(server, f"PYDECODE-AFTER-{patient}")) == matrix([[10, 20, 30], [40, 50, 60]])


def modify_to_implicit(server: OrthancServer, instance: str) -> Response:
    body = {"Transcode": IMPLICIT_VR_LITTLE_ENDIAN, "Replace": {"PatientName": "MODIFIED"}}
    return server.post(f"/instances/{instance}/modify", json.dumps(body).encode())


def test_python_transcoder_transcodes(server: OrthancServer) -> None:
    answer = modify_to_implicit(server, upload(server, "PYTRANSCODE-1"))
    assert answer.status == 200, answer.text
    dataset = pydicom.dcmread(io.BytesIO(answer.body))
    assert dataset.file_meta.TransferSyntaxUID == IMPLICIT_VR_LITTLE_ENDIAN
    assert dataset.ImageComments == "transcoded-by-python" and str(dataset.PatientName) == "MODIFIED"
    allowed, allow_new_uid = seen(server)["transcoded"][-1]
    assert allowed == [IMPLICIT_VR_LITTLE_ENDIAN] and isinstance(allow_new_uid, bool)


def test_failing_transcoder_falls_back_to_orthanc(server: OrthancServer) -> None:
    answer = modify_to_implicit(server, upload(server, "PYTRANSCODE-PYTRANSRAISE"))
    assert answer.status == 200, answer.text
    dataset = pydicom.dcmread(io.BytesIO(answer.body))
    # DCMTK transcoded it: the right syntax, without the Python transcoder's mark.
    assert dataset.file_meta.TransferSyntaxUID == IMPLICIT_VR_LITTLE_ENDIAN
    assert "ImageComments" not in dataset
    assert "Error in the Python transcoder" in server.wait_for_log("boom-from-transcoder")


# ---- WebDAV -----------------------------------------------------------------------------

def propfind(server: OrthancServer, path: str) -> dict[str, dict[str, str | None]]:
    """href -> {"collection": "yes"/"no", "length": ..., "type": ...} of a PROPFIND with Depth 1."""
    answer = server.request("PROPFIND", path, headers={"Depth": "1"})
    assert answer.status == 207, f"PROPFIND {path}: {answer.status} {answer.text}"
    found = {}
    for response in ElementTree.fromstring(answer.body).iter(f"{DAV}response"):
        href = response.findtext(f"{DAV}href")
        prop = response.find(f"{DAV}propstat/{DAV}prop")
        assert href is not None and prop is not None
        found[href.rstrip("/")] = {
            "collection": "yes" if prop.find(f"{DAV}resourcetype/{DAV}collection") is not None else "no",
            "length": prop.findtext(f"{DAV}getcontentlength"),
            "type": prop.findtext(f"{DAV}getcontenttype"),
            "modified": prop.findtext(f"{DAV}getlastmodified"),
        }
    return found


def test_webdav_lists_folders_and_files(server: OrthancServer) -> None:
    listing = propfind(server, "/pydav/")
    assert listing["/pydav/sub"]["collection"] == "yes"
    assert listing["/pydav/hello.txt"]["collection"] == "no"
    assert listing["/pydav/hello.txt"]["length"] == str(len(b"hello webdav"))
    assert listing["/pydav/hello.txt"]["type"] == "text/plain"  # guessed by Orthanc from the extension
    assert (listing["/pydav/hello.txt"]["modified"] or "").startswith("2024-01-02T03:04:05")
    inner = propfind(server, "/pydav/sub")
    assert inner["/pydav/sub/inner.bin"]["length"] == "7"
    assert inner["/pydav/sub/inner.bin"]["type"] == "application/octet-stream"
    # A folder the callbacks do not know.
    assert server.request("PROPFIND", "/pydav/nowhere", headers={"Depth": "1"}).status == 404


def test_webdav_reads_writes_and_deletes(server: OrthancServer) -> None:
    hello = server.get("/pydav/hello.txt")
    assert hello.status == 200 and hello.body == b"hello webdav"
    assert server.get("/pydav/sub/inner.bin").body == bytes(range(7))
    assert server.get("/pydav/missing.txt").status == 404

    assert server.request("PUT", "/pydav/new.bin", body=b"\x00new\xff").status in (200, 201)
    assert server.get("/pydav/new.bin").body == b"\x00new\xff"
    assert seen(server)["files"]["new.bin"] == b"\x00new\xff".hex()

    assert server.request("MKCOL", "/pydav/made").status in (200, 201)
    assert propfind(server, "/pydav/")["/pydav/made"]["collection"] == "yes"
    assert "made" in seen(server)["folders"]

    assert server.request("DELETE", "/pydav/new.bin").status in (200, 204)
    assert server.get("/pydav/new.bin").status == 404
    assert "new.bin" not in seen(server)["files"]


def test_webdav_refusals_and_errors(server: OrthancServer) -> None:
    # store_file returns False: refused, nothing stored.
    assert server.request("PUT", "/pydav/locked/x.txt", body=b"x").status == 403
    assert "locked/x.txt" not in seen(server)["files"]
    # A second collection, read-only.
    assert server.get("/pydav-ro/readme.txt").body == b"ro"
    assert server.request("PUT", "/pydav-ro/a.txt", body=b"x").status == 403
    assert server.request("DELETE", "/pydav-ro/readme.txt").status == 403
    # A callback that raises: logged with its traceback, 500, Orthanc keeps serving.
    assert server.get("/pydav/boom.txt").status == 500
    assert "Error in the Python WebDAV callback retrieve_file" in server.wait_for_log("boom-from-webdav")
    assert server.get("/pydav/hello.txt").body == b"hello webdav"


def test_wrong_registrations_raise(server: OrthancServer) -> None:
    assert seen(server)["bad_registrations"] == {
        "decoder_not_callable": "TypeError", "webdav_relative_uri": "ValueError", "webdav_not_callable": "TypeError"}


def test_everything_works_again_after_a_reset(server: OrthancServer) -> None:
    """/tools/reset restarts the interpreter: the script registers its decoders, transcoder and
    collections again (and Orthanc maps them again), none of the old ones is left behind."""
    server.reset()
    assert seen(server)["decoded"] == 0  # a new interpreter, with fresh records
    assert matlab(server, upload(server, "PYDECODE-RESET")) == matrix([[10, 20, 30], [40, 50, 60]])
    assert seen(server)["decoded"] == 1  # one decoder registration, not two
    # The transcoder is asked again (it cannot use pydicom any more: numpy does not survive a reset).
    assert modify_to_implicit(server, upload(server, "PYTRANSCODE-RESET")).status == 200
    assert len(seen(server)["transcoded"]) == 1
    assert server.get("/pydav/hello.txt").body == b"hello webdav"
    assert "/pydav/new.bin" not in propfind(server, "/pydav/")  # the new script's file system
