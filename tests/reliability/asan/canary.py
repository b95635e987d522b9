"""Loaded by Orthanc under AddressSanitizer before the tests (tests/reliability/asan_run.py): reads
freed memory on purpose.  ASan must report it and stop Orthanc, or the ASan run would prove nothing
(not preloaded, reports written elsewhere, or not read)."""

import ctypes

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
block = libc.malloc(64)
libc.free(block)
ctypes.string_at(block, 64)  # copies with memcpy, which ASan checks even in code it did not instrument
