# RegisterStorageArea: a folder of files, as the Book's example.
import os

import orthanc

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'storage-' + str(os.getpid()))


def path(uuid, content_type):
    return os.path.join(FOLDER, '%s.%d' % (uuid, content_type))


def OnCreate(uuid, content_type, data):
    os.makedirs(FOLDER, exist_ok=True)
    print('stdout: create type=%d size=%d data=%s' % (content_type, len(data), type(data).__name__))
    with open(path(uuid, content_type), 'wb') as f:
        f.write(data)


def OnRead(uuid, content_type):
    print('stdout: read type=%d' % content_type)
    with open(path(uuid, content_type), 'rb') as f:
        return f.read()


def OnRemove(uuid, content_type):
    print('stdout: remove type=%d' % content_type)
    os.remove(path(uuid, content_type))


def OnFiles(output, uri, **request):
    names = sorted(name.split('.', 1)[1] + ':' + str(os.path.getsize(os.path.join(FOLDER, name)))
                   for name in (os.listdir(FOLDER) if os.path.isdir(FOLDER) else []))
    output.AnswerBuffer('\n'.join(names), 'text/plain')


orthanc.RegisterStorageArea(OnCreate, OnRead, OnRemove)
orthanc.RegisterRestCallback('/diff/files', OnFiles)
