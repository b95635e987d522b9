# Loaded by the runtime's own reference plugin (orthanc-python): registers a REST route that answers
# with what the embedded interpreter sees.  Nothing is imported inside the callback (see design.md
# on Python 3.14's stack checks in Orthanc's HTTP threads).
import json
import platform
import sys

import orthanc

ANSWER = json.dumps({"python": platform.python_version(), "bits": 64 if sys.maxsize > 2**32 else 32,
                     "module": orthanc.__name__})


def answer(output, uri, **request):
    output.AnswerBuffer(ANSWER, "application/json")


orthanc.RegisterRestCallback("/runtime-probe/python", answer)
