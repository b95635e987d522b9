# REST callbacks: arguments, groups, methods, and every way of answering.
import json

import orthanc


def OnEcho(output, uri, **request):
    seen = {
        'uri': uri,
        'method': request['method'],
        'groups': list(request['groups']),
        'get': request.get('get'),
        'body': request['body'].decode('utf-8', 'replace') if 'body' in request else None,
        'headers': {k: v for k, v in request['headers'].items() if k.startswith('x-')},
        'keys': sorted(request.keys()),
        'body_type': type(request.get('body')).__name__,
    }
    output.AnswerBuffer(json.dumps(seen, sort_keys=True), 'application/json')


def OnAnswer(output, uri, **request):
    how = request['groups'][0]
    if how == 'buffer':
        output.AnswerBuffer(b'bytes body', 'application/octet-stream')
    elif how == 'str':
        output.AnswerBuffer('str body é', 'text/plain')
    elif how == 'header':
        output.SetHttpHeader('X-Diff', 'value')
        output.SetCookie('diffcookie', 'cookie-value')
        output.AnswerBuffer('with header', 'text/plain')
    elif how == 'redirect':
        output.Redirect('/app/explorer.html')
    elif how == 'status':
        output.SendHttpStatusCode(204)
    elif how == 'status-body':
        output.SendHttpStatus(400, 'error body', 5)   # the reference's signature: an explicit size
    elif how == 'status-body-no-size':
        output.SendHttpStatus(400, 'error body')
    elif how == 'error-details':
        output.SetHttpErrorDetails('details of the error', 1)
        output.SendHttpStatusCode(400)
    elif how == 'unauthorized':
        output.SendUnauthorized('realm')
    elif how == 'not-allowed':
        output.SendMethodNotAllowed('GET,PUT')
    elif how == 'multipart':
        output.StartMultipartAnswer('mixed', 'text/plain')
        output.SendMultipartItem(b'first')
        output.SendMultipartItem('second')
    elif how == 'png':
        output.CompressAndAnswerPngImage(orthanc.PixelFormat.GRAYSCALE8, 2, 2, 2, bytes([0, 64, 128, 255]))
    elif how == 'jpeg':
        output.CompressAndAnswerJpegImage(orthanc.PixelFormat.GRAYSCALE8, 8, 8, 8, bytes(64), 90)
    elif how == 'nothing':
        pass
    elif how == 'twice':
        output.AnswerBuffer('first', 'text/plain')
        output.AnswerBuffer('second', 'text/plain')
    elif how == 'return-value':
        output.AnswerBuffer('x', 'text/plain')
        return 'ignored'
    elif how == 'wrong-args':
        output.AnswerBuffer('x')


orthanc.RegisterRestCallback('/diff/echo(/.*)?', OnEcho)
orthanc.RegisterRestCallback('/diff/answer/(.*)', OnAnswer)
orthanc.RegisterRestCallback('/diff/(first)/(second)', OnEcho)
