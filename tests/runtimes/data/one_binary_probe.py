"""Probe of a plugin generated from a newer SDK than the Orthanc running it (tests/runtimes/test_one_binary.py).

POST /probe with {"module": [names], "RestOutput": [method names]}: what the module has, and the
error each name that it lacks raises when looked up (on the module, on a RestOutput instance).
"""

import json

import orthanc


def public(value):
    return sorted(name for name in dir(value) if not name.startswith("_"))


def lookup_error(owner, name):
    try:
        getattr(owner, name)
    except AttributeError as error:
        return str(error)
    return None


def probe(output, uri, **request):
    asked = json.loads(request["body"])
    answer = {
        "sdk": orthanc.SDK_VERSION,
        "orthanc": orthanc.GetOrthancVersion(),
        "module": public(orthanc),
        "members": {name: public(getattr(orthanc, name)) for name in public(orthanc)
                    if isinstance(getattr(orthanc, name), type)},
        "module_errors": {name: lookup_error(orthanc, name) for name in asked["module"]},
        "RestOutput_errors": {name: lookup_error(output, name) for name in asked["RestOutput"]},
        # An SDK call that every Orthanc has, through the 1.12.10 binary.
        "system_name": json.loads(orthanc.RestApiGet("/system"))["Name"],
    }
    output.AnswerBuffer(json.dumps(answer), "application/json")


orthanc.RegisterRestCallback("/probe", probe)
