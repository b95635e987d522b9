# Exceptions: raised by callbacks, raised by the SDK, caught by scripts.
import json

import orthanc


def OnRaise(output, uri, **request):
    kind = request['groups'][0]
    if kind == 'value':
        raise ValueError('stderr-less failure in a REST callback')
    if kind == 'orthanc':
        orthanc.RestApiGet('/no/such/route')
    if kind == 'custom':
        class CustomError(Exception):
            pass
        raise CustomError('a custom exception')
    if kind == 'after-answer':
        output.AnswerBuffer('answered', 'text/plain')
        raise RuntimeError('raised after answering')
    if kind == 'exit':
        raise SystemExit(3)
    output.AnswerBuffer('no exception', 'text/plain')


def OnCatch(output, uri, **request):
    try:
        orthanc.RestApiGet('/no/such/route')
    except orthanc.OrthancException as error:
        answer = {'type': type(error).__name__, 'args_len': len(error.args), 'code': error.args[0],
                  'str': str(error), 'is_exception': isinstance(error, Exception)}
    output.AnswerBuffer(json.dumps(answer, sort_keys=True), 'application/json')


def OnChange(change_type, level, resource):
    if change_type == orthanc.ChangeType.ORTHANC_STARTED:
        raise KeyError('raised in the change callback')


orthanc.RegisterRestCallback('/diff/raise/(.*)', OnRaise)
orthanc.RegisterRestCallback('/diff/catch', OnCatch)
orthanc.RegisterOnChangeCallback(OnChange)
