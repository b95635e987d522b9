"""Loaded by Orthanc for tests/reliability/test_hostile_inputs.py: routes and a filter that touch
everything a request carries (URI, groups, headers, GET arguments, body)."""

import json

import orthanc

SEEN_BY_FILTER = {"count": 0}


def length(output, uri, **request):
    output.AnswerBuffer(str(len(request["body"])), "text/plain")


def echo(output, uri, **request):
    seen = {"uri": uri, "groups": list(request["groups"]), "headers": request["headers"],
            "get": request.get("get", {}), "method": request["method"]}
    output.AnswerBuffer(json.dumps(seen), "application/json")


def http_filter(uri, method, ip, headers, get):
    # Touch every string the filter receives, the way a real filter would.
    total = len(uri) + len(method) + len(ip)
    total += sum(len(k) + len(v) for k, v in headers.items()) + sum(len(k) + len(v) for k, v in get.items())
    SEEN_BY_FILTER["count"] += 1 if total >= 0 else 0
    return True


orthanc.RegisterRestCallback("/hostile/length", length)
orthanc.RegisterRestCallback("/hostile/echo(.*)", echo)
orthanc.RegisterIncomingHttpRequestFilter(http_filter)
