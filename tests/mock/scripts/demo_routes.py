"""A script with REST routes, run by the mock tests and by a real Orthanc (same expected answers)."""

import json

import orthanc


def on_hello(output, uri, **request):
    instances = json.loads(orthanc.RestApiGet("/instances"))
    answer = {
        "uri": uri,
        "method": request["method"],
        "groups": list(request["groups"]),
        "get": request.get("get"),
        "body": request["body"].decode() if "body" in request else None,
        "instances": len(instances),
    }
    output.AnswerBuffer(json.dumps(answer, sort_keys=True), "application/json")


def on_teapot(output, uri, **request):
    output.SendHttpStatus(409, "short and stout")


def attempt(call):
    """The name of the exception a call raises (the mock must raise what the plugin raises)."""
    try:
        call()
    except orthanc.OrthancException as error:
        return f"OrthancException {error.args[0]}"
    except Exception as error:
        return type(error).__name__
    return "no error"


def on_wrong_calls(output, uri, **request):
    answer = {
        "LogInfo()": attempt(lambda: orthanc.LogInfo()),
        "LogInfo(1)": attempt(lambda: orthanc.LogInfo(1)),
        "LogInfo(a, b)": attempt(lambda: orthanc.LogInfo("a", "b")),
        "RestApiGet(bytes)": attempt(lambda: orthanc.RestApiGet(b"/system")),
        "RestApiGet(unknown)": attempt(lambda: orthanc.RestApiGet("/no/such/route")),
        "GetFontName(2**40)": attempt(lambda: orthanc.GetFontName(2 ** 40)),
        "SetMetricsValue(str)": attempt(lambda: orthanc.SetMetricsValue("m", "x", orthanc.MetricsType.DEFAULT)),
        "SendHttpStatusCode(str)": attempt(lambda: output.SendHttpStatusCode("200")),
        "RegisterRestCallback(no callable)": attempt(lambda: orthanc.RegisterRestCallback("/x", 3)),
        "RestOutput()": attempt(lambda: orthanc.RestOutput()),
        "RestOutput().AnswerBuffer": attempt(lambda: orthanc.RestOutput().AnswerBuffer("x", "text/plain")),
    }
    output.AnswerBuffer(json.dumps(answer, sort_keys=True), "application/json")


orthanc.RegisterRestCallback("/demo/hello/(.*)", on_hello)
orthanc.RegisterRestCallback("/demo/teapot", on_teapot)
orthanc.RegisterRestCallback("/demo/wrong-calls", on_wrong_calls)
