"""Loaded by a runtime's Orthanc through our plugin: the smoke routes of tests/runtimes/.

Every route answers JSON.  What a route is about happens *inside* the REST callback, on the thread
Orthanc hands to the plugin (imports included), because that is where the known failures were:
C extension modules that cannot see libpython's symbols, Python 3.14's stack checks on Orthanc
1.13's small HTTP thread stacks, multiprocessing re-running Orthanc instead of Python.
"""

import json
import platform
import sys
import threading

import orthanc


def answer_json(output, value):
    output.AnswerBuffer(json.dumps(value), "application/json")


def ping(output, uri, **request):
    answer_json(output, {
        "python": platform.python_version(),
        "bits": 64 if sys.maxsize > 2**32 else 32,
        "executable": sys.executable,
        "module": orthanc.__name__,
        "thread": threading.current_thread().name,
        "method": request.get("method"),
    })


def extensions(output, uri, **request):
    # Both live in their own shared object (lib-dynload, dist-packages), not in libpython.
    import _ctypes

    import PIL
    from PIL import Image

    image = Image.new("RGB", (7, 3), (1, 2, 3))
    answer_json(output, {"ctypes": _ctypes.__name__, "pil": PIL.__version__,
                         "size": list(image.size), "pixel": list(image.getpixel((6, 2)))})


def deep(output, uri, **request):
    # `import logging` is what Pillow does and what overflowed the parser on 3.14 in 7.1; a fresh
    # compile of nested source, and a 200-deep json.dumps, need real C stack as well.
    import logging

    logging.getLogger("smoke").debug("inside a REST callback")
    nested = []
    for _ in range(200):
        nested = [nested]
    text = json.dumps(nested)
    compiled = eval(compile("(" * 90 + "1" + ")" * 90, "<nested>", "eval"))
    answer_json(output, {"depth": text.count("["), "length": len(text), "compiled": compiled,
                         "logging": logging.__name__})


def pool(output, uri, get, **request):
    import multiprocessing

    method = get.get("method") or None
    context = multiprocessing.get_context(method)
    with context.Pool(2) as workers:
        values = workers.map(abs, [-1, -2])
    answer_json(output, {"values": values, "start_method": context.get_start_method(),
                         "default_start_method": multiprocessing.get_start_method(),
                         "executable": sys.executable})


orthanc.RegisterRestCallback("/smoke/ping", ping)
orthanc.RegisterRestCallback("/smoke/extensions", extensions)
orthanc.RegisterRestCallback("/smoke/deep", deep)
orthanc.RegisterRestCallback("/smoke/multiprocessing", pool)
