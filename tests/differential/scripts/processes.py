# Child processes that fail: ours must answer (an exception in the parent) instead of hanging.
import json
import multiprocessing
import os
import sys
import time

import orthanc


def Double(x):
    return 2 * x


def FailingInitializer():
    raise ValueError('the initializer fails')


def Die(x):
    os._exit(7)


def measure(function):
    start = time.monotonic()
    try:
        value = function()
        outcome = {'value': value}
    except Exception as error:
        outcome = {'raised': type(error).__name__, 'message': str(error)}
    outcome['seconds'] = time.monotonic() - start
    return outcome


def OnSpawn(output, uri, **request):
    # The worker re-imports this script in a plain Python, where orthanc does not exist.
    with multiprocessing.get_context(request['groups'][0]).Pool(1) as pool:
        outcome = measure(lambda: pool.apply(Double, (21,)))
    output.AnswerBuffer(json.dumps(outcome), 'application/json')


def OnInitializer(output, uri, **request):
    with multiprocessing.Pool(1, initializer=FailingInitializer) as pool:
        # chunksize given: map() computes it from the number of live workers, which is 0 for a moment
        # when they all died (a ZeroDivisionError of CPython's pool, not a hang).
        outcome = measure(lambda: pool.map(Double, range(4), chunksize=1))
    output.AnswerBuffer(json.dumps(outcome), 'application/json')


def OnWorkerDies(output, uri, **request):
    with multiprocessing.Pool(2) as pool:
        outcome = measure(lambda: pool.apply(Die, (1,)))
        after = measure(lambda: pool.apply(Double, (4,)))
    output.AnswerBuffer(json.dumps({'died': outcome, 'after': after}), 'application/json')


def OnFork(output, uri, **request):
    process = multiprocessing.Process(target=print, args=('stdout: printed by a forked child',))
    process.start()
    process.join(30)
    sys.stdout.write('stdout: printed by the parent\n')
    output.AnswerBuffer(json.dumps({'exitcode': process.exitcode,
                                    'method': multiprocessing.get_start_method()}), 'application/json')


orthanc.RegisterRestCallback('/processes/(spawn|forkserver)', OnSpawn)
orthanc.RegisterRestCallback('/processes/initializer', OnInitializer)
orthanc.RegisterRestCallback('/processes/worker-dies', OnWorkerDies)
orthanc.RegisterRestCallback('/processes/fork', OnFork)


def CallOrthancInChild(queue):
    try:
        orthanc.LogWarning('log: from a forked child')
        queue.put('no exception')
    except Exception as error:
        queue.put('%s: %s' % (type(error).__name__, error))


def OnForkGate(output, uri, **request):
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=CallOrthancInChild, args=(queue,))
    process.start()
    process.join(10)
    if process.is_alive():
        process.terminate()
        process.join(10)
        outcome = 'still running after 10 s'
    else:
        try:
            outcome = queue.get(timeout=1)
        except Exception:
            outcome = 'exited with code %s without answering' % process.exitcode
    output.AnswerBuffer(json.dumps(outcome), 'application/json')


orthanc.RegisterRestCallback('/processes/fork-gate', OnForkGate)
