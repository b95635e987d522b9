"""Loaded by Orthanc through the plugin under test: the DICOM instance filter, the metrics
callback, and the REST API calls that take HTTP headers.

Instances whose PatientID starts with DISCARD- are discarded, RAISE- makes the filter raise,
NONE- makes it return None.  Routes under /more/ report what the callbacks saw.
"""

import json
import threading

import orthanc

LOCK = threading.Lock()
SEEN = {"filter_calls": 0, "second_filter_calls": 0, "origins": [], "refreshes": 0}


def patient_id(instance):
    return json.loads(instance.GetInstanceSimplifiedJson()).get("PatientID", "")


def first_filter(instance):
    with LOCK:
        SEEN["filter_calls"] += 1
        SEEN["origins"].append(instance.GetInstanceOrigin())
    pid = patient_id(instance)
    if pid.startswith("RAISE-"):
        raise RuntimeError("boom-from-dicom-instance-filter")
    if pid.startswith("NONE-"):
        return None
    return not pid.startswith("DISCARD-")


def second_filter(instance):
    with LOCK:
        SEEN["second_filter_calls"] += 1
    return True


def refresh_metrics():
    with LOCK:
        SEEN["refreshes"] += 1
        refreshes = SEEN["refreshes"]
    orthanc.SetMetricsValue("python_probe_refreshes", float(refreshes), orthanc.MetricsType.DEFAULT)


def failing_refresh():
    raise RuntimeError("boom-from-metrics-callback")


def after_failing_refresh():
    orthanc.SetMetricsValue("python_probe_after_failure", 7.0, orthanc.MetricsType.DEFAULT)


def answer_json(output, value):
    output.AnswerBuffer(json.dumps(value), "application/json")


def seen(output, uri, **kwargs):
    with LOCK:
        answer_json(output, SEEN)


def echo_headers(output, uri, headers, **kwargs):
    answer_json(output, {"headers": headers, "method": kwargs["method"], "body": kwargs.get("body", b"").hex()})


def rest_api_get2(output, uri, **kwargs):
    # The built-in API, then a Python route reached only after the plugins.
    system = json.loads(orthanc.RestApiGet2("/system", {"X-Probe": "1"}, False))
    echoed = json.loads(orthanc.RestApiGet2("/more/echo", {"X-Probe": "get2", "X-Other": "é"}, True))
    answer_json(output, {"system_name": system["Name"], "echoed": echoed})


def call_rest_api(output, uri, **kwargs):
    body, headers, status = orthanc.CallRestApi(orthanc.HttpMethod.POST, "/more/echo", {"X-Probe": "call"},
                                                b"\x00\x01payload", True)
    missing = orthanc.CallRestApi(orthanc.HttpMethod.GET, "/no-such-route", None, b"", False)
    answer_json(output, {"status": status, "headers": headers, "echoed": json.loads(body),
                         "missing": [missing[2], type(missing[0]).__name__, type(missing[1]).__name__]})


def bad_arguments(output, uri, **kwargs):
    results = {}
    calls = {
        "headers_not_mapping": lambda: orthanc.RestApiGet2("/system", ["X-Probe"], False),
        "header_value_not_str": lambda: orthanc.RestApiGet2("/system", {"X-Probe": 1}, False),
        "method_out_of_range": lambda: orthanc.CallRestApi(99, "/system", None, b"", False),
        "body_not_bytes": lambda: orthanc.CallRestApi(orthanc.HttpMethod.POST, "/system", None, 3, False),
        "missing_argument": lambda: orthanc.RestApiGet2("/system"),
    }
    for name, call in calls.items():
        try:
            call()
            results[name] = None
        except Exception as error:  # noqa: BLE001 - reported to the test as is
            results[name] = type(error).__name__
    answer_json(output, results)


orthanc.RegisterIncomingDicomInstanceFilter(first_filter)
orthanc.RegisterIncomingDicomInstanceFilter(second_filter)
orthanc.RegisterRefreshMetricsCallback(refresh_metrics)
orthanc.RegisterRefreshMetricsCallback(failing_refresh)
orthanc.RegisterRefreshMetricsCallback(after_failing_refresh)
orthanc.RegisterRestCallback("/more/seen", seen)
orthanc.RegisterRestCallback("/more/echo", echo_headers)
orthanc.RegisterRestCallback("/more/rest-api-get2", rest_api_get2)
orthanc.RegisterRestCallback("/more/call-rest-api", call_rest_api)
orthanc.RegisterRestCallback("/more/bad-arguments", bad_arguments)


def dicomweb(output, uri, body, **kwargs):
    # POST a DICOM file: its DICOMweb JSON and XML, from the bytes and from a DicomInstance.
    encoded_json = orthanc.EncodeDicomWebJson(body)  # first: raises for bytes that are not DICOM
    instance = orthanc.CreateDicomInstance(body)
    answer_json(output, {
        "encoded_json": json.loads(encoded_json),
        "encoded_xml": orthanc.EncodeDicomWebXml(body),
        "instance_json": json.loads(instance.GetInstanceDicomWebJson()),
        "instance_xml": instance.GetInstanceDicomWebXml(),
    })


orthanc.RegisterRestCallback("/more/dicomweb", dicomweb)
