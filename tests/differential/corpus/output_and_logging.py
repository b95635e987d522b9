# The Orthanc Book's first example and what scripts print or log: stdout, stderr, logging, Log*.
import logging
import sys

import orthanc

print('Hello world!')
print('stdout: at import', 42, None, [1, 'two'])
sys.stderr.write('stderr: at import\n')
print('stderr: print to stderr', file=sys.stderr)
orthanc.LogWarning('log: warning at import')
orthanc.LogError('log: error at import')
orthanc.LogInfo('log: info at import (hidden without --verbose)')


def OnPrint(output, uri, **request):
    print('stdout: in a callback', uri)
    sys.stdout.write('stdout: partial ')
    sys.stdout.write('line\n')
    print('stdout: flushed', flush=True)
    print('stdout: no newline at the end', end='')
    print()
    print('stdout: unicode é ✓ 漢')
    sys.stderr.write('stderr: in a callback\n')
    logging.warning('stderr: through logging')
    orthanc.LogWarning('log: warning in a callback')
    orthanc.LogError('log: error in a callback')
    output.AnswerBuffer('printed\n', 'text/plain')


def OnStreams(output, uri, **request):
    described = {
        'stdout_isatty': sys.stdout.isatty(),
        'stderr_isatty': sys.stderr.isatty(),
        'stdout_writable': sys.stdout.writable(),
        'stdout_write_returns': sys.stdout.write(''),
    }
    output.AnswerBuffer(repr(sorted(described.items())), 'text/plain')


orthanc.RegisterRestCallback('/diff/print', OnPrint)
orthanc.RegisterRestCallback('/diff/streams', OnStreams)
