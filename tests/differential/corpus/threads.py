# Threads started by the script: at import (computing), in callbacks (calling Orthanc), timers.
import json
import threading

import orthanc

RESULTS = []
LOCK = threading.Lock()


def Compute(n):
    with LOCK:
        RESULTS.append(('import', n, sum(range(n * 1000))))


def CallOrthanc(n):
    system = json.loads(orthanc.RestApiGet('/system'))
    with LOCK:
        RESULTS.append(('callback', n, 'Name' in system))


STARTED = [threading.Thread(target=Compute, args=(n,)) for n in range(3)]
for thread in STARTED:
    thread.start()


def OnThreads(output, uri, **request):
    for thread in STARTED:
        thread.join(10)
    more = [threading.Thread(target=CallOrthanc, args=(n,)) for n in range(3)]
    for thread in more:
        thread.start()
    for thread in more:
        thread.join(10)
    print('stdout: %d threads done' % len(RESULTS))
    output.AnswerBuffer(json.dumps(sorted(RESULTS)), 'application/json')


def OnTimer(output, uri, **request):
    done = threading.Event()
    timer = threading.Timer(0.05, done.set)
    timer.start()
    output.AnswerBuffer(json.dumps(done.wait(10)), 'application/json')


def OnRaiseInThread(output, uri, **request):
    def Fail():
        raise LookupError('raised in a thread of the script')
    thread = threading.Thread(target=Fail)
    thread.start()
    thread.join(10)
    output.AnswerBuffer('joined', 'text/plain')


orthanc.RegisterRestCallback('/diff/threads', OnThreads)
orthanc.RegisterRestCallback('/diff/timer', OnTimer)
orthanc.RegisterRestCallback('/diff/thread-raises', OnRaiseInThread)
