"""Routes the plugin benchmark drives; loaded unchanged by our plugin and by the reference plugin.

Only the API both plugins share is used (orthanc-python 4.0 is the oldest compared).
"""

import json
import time

import orthanc


def constant(output, uri, **request):
    output.AnswerBuffer("ok", "text/plain")


def echo(output, uri, **request):
    headers = request["headers"]
    get = request["get"]
    answer = {"agent": headers.get("user-agent", ""), "probe": headers.get("x-bench", ""),
              "count": len(headers), "get": get}
    output.AnswerBuffer(json.dumps(answer), "application/json")


def rest_api(output, uri, **request):
    output.AnswerBuffer(orthanc.RestApiGet("/system"), "application/json")


def sleep_then_rest_api(output, uri, **request):
    time.sleep(0.1)
    output.AnswerBuffer(orthanc.RestApiGet("/system"), "application/json")


orthanc.RegisterRestCallback("/bench/constant", constant)
orthanc.RegisterRestCallback("/bench/echo", echo)
orthanc.RegisterRestCallback("/bench/rest-api", rest_api)
orthanc.RegisterRestCallback("/bench/sleep", sleep_then_rest_api)
