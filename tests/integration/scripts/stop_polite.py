"""The recommended shape: threads that stop when ORTHANC_STOPPED arrives (tests of the stop)."""

import threading

import orthanc

STOP = threading.Event()


def work():
    while not STOP.is_set():
        orthanc.RestApiGet("/system")
        STOP.wait(0.01)
    orthanc.LogWarning("polite: worker ended")


def on_change(change_type, level, resource_id):
    if change_type == orthanc.ChangeType.ORTHANC_STOPPED:
        # Orthanc is still whole while Python hears of the stop: saving state works.
        orthanc.RestApiGet("/system")
        orthanc.LogWarning("polite: call at ORTHANC_STOPPED answered")
        STOP.set()


orthanc.RegisterOnChangeCallback(on_change)
for _ in range(4):
    threading.Thread(target=work).start()
