# RegisterIncomingHttpRequestFilter: what the filter receives and how its answer is used.
import json

import orthanc

SEEN = []


def Filter(uri, **request):
    if uri.startswith('/diff/'):
        SEEN.append({'uri': uri, 'method': request['method'], 'ip': request['ip'],
                     'keys': sorted(request.keys()),
                     'x-headers': {k: v for k, v in request['headers'].items() if k.startswith('x-')},
                     'get': request.get('get')})
    if uri == '/diff/forbidden':
        return False
    if uri == '/diff/raises':
        raise RuntimeError('raised in the HTTP filter')
    if uri == '/diff/returns-none':
        return None
    if uri == '/diff/returns-int':
        return 0
    return True


def OnSeen(output, uri, **request):
    output.AnswerBuffer(json.dumps(SEEN, sort_keys=True), 'application/json')


def OnAny(output, uri, **request):
    output.AnswerBuffer('allowed', 'text/plain')


orthanc.RegisterIncomingHttpRequestFilter(Filter)
orthanc.RegisterRestCallback('/diff/seen', OnSeen)
orthanc.RegisterRestCallback('/diff/(forbidden|raises|returns-none|returns-int|allowed)', OnAny)
