"""Loaded by Orthanc through the plugin under test: calls whatever the fuzz test asks, with the
arguments it sends, and reports what happened.  Routes start with /fuzz/.

The test (tests/reliability/test_fuzz.py) generates the argument lists with hypothesis and sends
them as JSON; markers in that JSON stand for what JSON cannot carry:
  {"$bytes": HEX}             bytes
  {"$repeat": [TEXT, N]}      TEXT * N (huge strings without huge requests)
  {"$repeat_bytes": [HEX, N]} bytes * N
  {"$object": KIND}           a live object of the module (see Objects), or a stale one
  {"$dicom": KIND}            the bytes of a valid DICOM file ("plain" or "image")
  {"$dicom_cut": N}           the first N bytes of the "image" one (a truncated file)
Only the call itself is inside the try: an exception of any type is a correct answer (reported);
a crash, a hang or a SystemError (a C-API misuse in the wrapper) is what the test looks for.
"""

import contextlib
import json
import threading

import orthanc

LOCK = threading.Lock()
STALE = {}  # objects kept beyond the callback that received them
DICOM = {}


def dicom_bytes(kind):
    """A small valid DICOM file, made once (CreateDicom is an SDK call: not at import time)."""
    if kind not in DICOM:
        tags = {"PatientID": "FUZZ", "PatientName": "Fuzz^Target", "StudyDescription": "fuzz",
                "Modality": "OT", "SOPClassUID": "1.2.840.10008.5.1.4.1.1.7"}
        pixels = None
        if kind == "image":
            pixels = orthanc.CreateImageFromBuffer(orthanc.PixelFormat.GRAYSCALE8, 8, 4, 8, bytes(range(32)))
        DICOM[kind] = orthanc.CreateDicom(json.dumps(tags), pixels, orthanc.CreateDicomFlags.GENERATE_IDENTIFIERS)
    return DICOM[kind]


class Objects:
    """Objects of the module made on demand, fresh for each request."""

    def __init__(self):
        self.made = {}

    def __call__(self, kind):
        if kind not in self.made:
            self.made[kind] = self.make(kind)
        return self.made[kind]

    @staticmethod
    def make(kind):
        if kind == "image":
            return orthanc.CreateImage(orthanc.PixelFormat.RGB24, 16, 8)
        if kind == "gray_image":
            return orthanc.CreateImageFromBuffer(orthanc.PixelFormat.GRAYSCALE8, 8, 4, 8, bytes(range(32)))
        if kind == "instance":
            return orthanc.CreateDicomInstance(dicom_bytes("image"))
        if kind == "matcher":
            return orthanc.CreateFindMatcher(dicom_bytes("plain"))
        if kind == "peers":
            return orthanc.GetPeers()
        if kind in ("stale_output", "stale_instance"):
            return STALE.get(kind)
        if kind == "module":
            return orthanc
        if kind == "exception":
            return orthanc.OrthancException(1, "fuzz")
        return None


def decode(value, objects):
    if isinstance(value, list):
        return [decode(item, objects) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, content), = value.items()
        if key == "$bytes":
            return bytes.fromhex(content)
        if key == "$repeat":
            return content[0] * content[1]
        if key == "$repeat_bytes":
            return bytes.fromhex(content[0]) * content[1]
        if key == "$object":
            return objects(content)
        if key == "$dicom":
            return dicom_bytes(content)
        if key == "$dicom_cut":
            return dicom_bytes("image")[:content]
    return {key: decode(item, objects) for key, item in value.items()}


def public_methods(cls):
    return sorted(name for name, value in vars(cls).items() if not name.startswith("_") and callable(value))


def catalog():
    """Module functions, classes with their methods, and enumerations (classes of int constants)."""
    functions, classes, enums = [], {}, []
    for name in sorted(dir(orthanc)):
        if name.startswith("_"):
            continue
        value = getattr(orthanc, name)
        if isinstance(value, type):
            if issubclass(value, BaseException):
                continue
            methods = public_methods(value)
            constants = [v for k, v in vars(value).items() if not k.startswith("_")]
            if not methods and constants and all(isinstance(v, int) for v in constants):
                enums.append(name)
            else:
                classes[name] = methods
        elif callable(value):
            functions.append(name)
    # Plugins generated from a newer SDK than the running Orthanc leave out what it lacks.
    version = orthanc.GetOrthancVersion() if hasattr(orthanc, "GetOrthancVersion") else None
    return {"functions": functions, "classes": classes, "enums": enums, "orthanc_version": version}


def describe(error):
    return {"outcome": "raised", "type": type(error).__name__, "message": str(error)[:300]}


def probe(result):
    """Call every method of a returned module object without arguments: objects made from odd
    arguments (empty images, decoded garbage) must still be safe to use."""
    outcomes = {}
    if type(result).__module__ != "orthanc" or isinstance(result, BaseException):
        return outcomes
    for name in public_methods(type(result)):
        try:
            getattr(result, name)()
            outcomes[name] = "returned"
        except Exception as error:  # noqa: BLE001 - any Python exception is a correct answer
            outcomes[name] = type(error).__name__
    return outcomes


def target_of(request, objects):
    mode, name = request["mode"], request["target"]
    if mode == "function":
        return getattr(orthanc, name)
    if mode == "construct":
        return getattr(orthanc, name)
    cls_name, method = name.split(".")
    if mode == "unbound":
        return getattr(getattr(orthanc, cls_name), method)
    receiver = objects(request["receiver"])
    if receiver is None:
        raise LookupError(f"no object of kind {request['receiver']} here")
    return getattr(receiver, method)


def call(output, uri, **request):
    wanted = json.loads(request["body"])
    objects = Objects()
    target = target_of(wanted, objects)
    args = decode(wanted["args"], objects)
    kwargs = decode(wanted.get("kwargs", {}), objects)
    try:
        result = target(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - any Python exception is a correct answer
        answer = describe(error)
    else:
        answer = {"outcome": "returned", "type": type(result).__name__, "probed": probe(result)}
    output.AnswerBuffer(json.dumps(answer), "application/json")


def output_calls(output, uri, **request):
    """Random calls on this request's own RestOutput; whatever it answers, Orthanc must survive."""
    wanted = json.loads(request["body"])
    objects = Objects()
    outcomes = []
    for method, args, kwargs in wanted["calls"]:
        try:
            getattr(output, method)(*decode(args, objects), **decode(kwargs, objects))
            outcomes.append("returned")
        except Exception as error:  # noqa: BLE001 - any Python exception is a correct answer
            outcomes.append(type(error).__name__)
    with LOCK:
        STALE["stale_output"] = output
    # One of the calls may have answered already: a second answer raises, which is expected.
    with contextlib.suppress(Exception):
        output.AnswerBuffer(json.dumps(outcomes), "application/json")


def answer_catalog(output, uri, **request):
    output.AnswerBuffer(json.dumps(catalog()), "application/json")


def argument_count(output, uri, **request):
    output.AnswerBuffer(json.dumps(orthanc.GetCommandLineArgumentsCount()), "application/json")


def dicom_route(output, uri, **request):
    output.AnswerBuffer(dicom_bytes("image"), "application/dicom")


def keep_stored(instance, instance_id):
    with LOCK:
        STALE["stale_instance"] = instance


orthanc.RegisterRestCallback("/fuzz/catalog", answer_catalog)
orthanc.RegisterRestCallback("/fuzz/call", call)
orthanc.RegisterRestCallback("/fuzz/output", output_calls)
orthanc.RegisterRestCallback("/fuzz/dicom", dicom_route)
orthanc.RegisterRestCallback("/fuzz/argc", argument_count)
orthanc.RegisterOnStoredInstanceCallback(keep_stored)
