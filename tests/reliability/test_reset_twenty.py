"""POST /tools/reset twenty times with a callback of every kind registered (scripts/all_callbacks.py):
each restart runs the script in a new interpreter, and after each one every kind fires again.

Triggers, per round: the ORTHANC_STARTED change (on-change), a refused request (HTTP filter), an
upload over REST (received-instance, storage-area create, stored-instance, NEW_INSTANCE change), a
download (storage-area read), storescu (C-STORE filter), findscu (C-FIND), findscu -W (worklist),
movescu (C-MOVE), a storage commitment request Orthanc sends to itself (factory and lookup), and a
deletion (storage-area remove).  The script's records start empty in each interpreter, so each
round's counts are exact.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration import dcmtk
from tests.orthanc_server import OrthancServer, free_port
from tests.reliability.conftest import dicom_peers_config

pytestmark = pytest.mark.integration

RESETS = 20
CHANGE_NEW_INSTANCE = 3
CHANGE_ORTHANC_STARTED = 10


def wait_state(server: OrthancServer, condition: Callable[[dict[str, Any]], bool], what: str,
               timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = server.get_json("/reset20/state")
        if condition(state):
            return dict(state)
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {state}\n{server.log_tail()}")
        time.sleep(0.05)


def dicom_of(server: OrthancServer, patient: str) -> bytes:
    answer = server.get(f"/reset20/dicom?patient={patient}")
    assert answer.status == 200, answer.text[:300]
    return answer.body


def check_every_callback_fires(server: OrthancServer, round_number: int, scratch: Path) -> str:
    wait_state(server, lambda s: any(c[0] == CHANGE_ORTHANC_STARTED for c in s["changes"]),
               "the ORTHANC_STARTED change")
    assert server.get("/reset20/refused").status == 403
    assert server.get("/tools/metrics-prometheus").status == 200

    dicom = dicom_of(server, f"RESET20-{round_number}")
    upload = server.post("/instances", dicom)
    assert upload.status == 200, upload.text[:300]
    instance = upload.json()["ID"]
    assert server.get(f"/instances/{instance}/file").body == dicom

    file = scratch / f"cstore-{round_number}.dcm"
    file.write_bytes(dicom_of(server, f"RESET20-CSTORE-{round_number}"))
    for done in (dcmtk.storescu(server.dicom_port, [file]),
                 dcmtk.findscu(server.dicom_port, ["QueryRetrieveLevel=STUDY", "PatientID=RESET20*"],
                               scratch / f"find-{round_number}"),
                 dcmtk.findscu(server.dicom_port, ["ScheduledProcedureStepSequence[0].Modality=MR"],
                               scratch / f"worklist-{round_number}", worklist=True),
                 dcmtk.movescu(server.dicom_port, ["QueryRetrieveLevel=STUDY", "StudyInstanceUID=1.2.3"],
                               free_port(), "DCMTK", scratch / f"move-{round_number}")):
        assert done.returncode == 0, f"{done.args[0]}: {done.stdout[-1500:]}"

    tags = server.get_json(f"/instances/{instance}/simplified-tags")
    request = {"DicomInstances": [[tags["SOPClassUID"], tags["SOPInstanceUID"]]]}
    commitment = server.post("/modalities/self/storage-commitment", json.dumps(request).encode())
    assert commitment.status == 200, commitment.text[:300]

    state = wait_state(server, lambda s: [CHANGE_NEW_INSTANCE, instance] in s["changes"] and s["lookup"] >= 1,
                       "the NEW_INSTANCE change and the storage commitment lookup")
    assert [instance, len(dicom)] in state["stored"]
    assert server.request("DELETE", f"/instances/{instance}").status == 200
    state = wait_state(server, lambda s: s["storage"]["remove"] >= 1, "the storage-area remove")

    # One upload over REST and one over C-STORE in this interpreter's life.
    assert state["received"] == 2 and state["storage"]["create"] == 2 and state["dicom_filter"] == 2
    assert state["metrics"] == 1
    assert (state["filtered"], state["cstore"], state["find"], state["worklist"], state["move"]) == (1, 1, 1, 1, 1)
    assert state["commitment"] == 1 and state["lookup"] == 1
    assert state["storage"]["read"] >= 1
    return str(state["token"])


def test_twenty_resets_with_every_callback_kind(make_server: Callable[..., OrthancServer], tmp_path: Path) -> None:
    storage = tmp_path / "storage-area"
    storage.mkdir()
    server = make_server("all_callbacks.py", dicom_peers_config, env={"RESET20_STORAGE": str(storage)})
    assert server.process is not None
    pid = server.process.pid
    tokens = [check_every_callback_fires(server, 0, tmp_path)]
    for round_number in range(1, RESETS + 1):
        server.reset()
        token = check_every_callback_fires(server, round_number, tmp_path)
        assert token not in tokens, f"reset {round_number}: the script did not run again"
        tokens.append(token)
        assert server.process.pid == pid and server.process.poll() is None

    assert server.log_text().count("all_callbacks loaded") == RESETS + 1
    assert server.stop() == 0, server.log_tail()
