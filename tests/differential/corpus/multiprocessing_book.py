# The Orthanc Book's multiprocessing pattern: a Pool created at import time, worker functions of
# this script, workers that call Orthanc's REST API with requests and an authorization token.
import json
import multiprocessing
import os

import orthanc

try:
    import requests
except ImportError:   # the Debian runtimes have no python3-requests: urllib does the same
    requests = None
    import urllib.request

TOKEN = orthanc.GenerateRestApiAuthorizationToken()
PORT = json.loads(orthanc.GetConfiguration())['HttpPort']


def Initializer():
    # The workers must not inherit the parent's signal handlers (Orthanc's): they stop on SIGTERM.
    pass


def GetSystem(unused):
    url = 'http://127.0.0.1:%d/system' % PORT
    if requests is not None:
        answer = requests.get(url, headers={'Authorization': TOKEN}, timeout=10)
        answer.raise_for_status()
        name = answer.json()['Name']
    else:
        request = urllib.request.Request(url, headers={'Authorization': TOKEN})
        with urllib.request.urlopen(request, timeout=10) as answer:
            name = json.loads(answer.read())['Name']
    print('stdout: worker printed', flush=True)
    return name, os.getpid() != PARENT


def SlowComputation(x):
    return sum(i * i for i in range(x))


PARENT = os.getpid()
POOL = multiprocessing.Pool(2, initializer=Initializer)


def OnCompute(output, uri, **request):
    values = POOL.map(SlowComputation, [10, 100, 1000])
    one = POOL.apply(SlowComputation, (5,))
    output.AnswerBuffer(json.dumps({'map': values, 'apply': one}), 'application/json')


def OnSystem(output, uri, **request):
    names = POOL.map(GetSystem, range(2))
    output.AnswerBuffer(json.dumps({'names_match': len(set(n for n, _ in names)) == 1,
                                    'in_children': all(child for _, child in names)}), 'application/json')


def OnProcess(output, uri, **request):
    process = multiprocessing.Process(target=print, args=('stdout: from a forked process',))
    process.start()
    process.join(30)
    output.AnswerBuffer(json.dumps({'exitcode': process.exitcode,
                                    'method': multiprocessing.get_start_method()}), 'application/json')


orthanc.RegisterRestCallback('/diff/compute', OnCompute)
orthanc.RegisterRestCallback('/diff/system', OnSystem)
orthanc.RegisterRestCallback('/diff/process', OnProcess)
