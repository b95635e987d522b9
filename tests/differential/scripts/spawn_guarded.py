# A script written for "spawn": its import of orthanc is guarded, so the plain Python that spawn
# starts can import it (and run Square) where the orthanc module does not exist.
import json
import multiprocessing

try:
    import orthanc
except ImportError:
    orthanc = None


def Square(x):
    return x * x


def OnSpawn(output, uri, **request):
    with multiprocessing.get_context(request['groups'][0]).Pool(1) as pool:
        values = pool.map(Square, [1, 2, 3], chunksize=1)
    output.AnswerBuffer(json.dumps(values), 'application/json')


if orthanc is not None:
    orthanc.RegisterRestCallback('/spawn-guarded/(spawn|forkserver)', OnSpawn)
