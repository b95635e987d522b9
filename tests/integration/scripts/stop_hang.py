"""A REST callback that never returns, and a route that forks (tests of the bounded stop)."""

import os
import time

import orthanc


def on_hang(output, uri, **request):
    orthanc.LogWarning("stop_hang: the callback sleeps")
    time.sleep(3600)
    output.AnswerBuffer(b"woke up", "text/plain")


def on_fork(output, uri, **request):
    """The child of os.fork() tries Orthanc and reports what it got through a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            orthanc.RestApiGet("/system")
            outcome = "entered Orthanc"
        except orthanc.OrthancException as error:
            outcome = "OrthancException: " + str(error.args[1] if len(error.args) > 1 else error)
        os.write(write_end, outcome.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        outcome = pipe.read()
    os.waitpid(pid, 0)
    output.AnswerBuffer(outcome, "text/plain")


orthanc.RegisterRestCallback("/hang", on_hang)
orthanc.RegisterRestCallback("/fork", on_fork)
