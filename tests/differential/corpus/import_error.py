# A script that fails while it is imported.
import orthanc

print('stdout: before the error')
orthanc.LogWarning('log: before the error')
raise RuntimeError('the script fails at import')
