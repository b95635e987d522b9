/*
 * What Python callbacks return, turned into what Orthanc expects from the C
 * callback: bytes into the SDK's output buffers, integers into status codes
 * and enumeration values. Shared by the storage-area and DICOM callbacks.
 *
 * Every function here runs with the GIL held. On failure they return -1
 * with a Python exception set whose message names `what` (the callback, as
 * the script author knows it), so that the caller can log it with the
 * traceback.
 */
#pragma once

#include "runtime_internal.h"

/* A read-only view of a bytes-like result (bytes, bytearray, memoryview).
 * Release it with PyBuffer_Release(). str is refused: its bytes depend on
 * an encoding the script did not choose. */
int OrthancPy_ResultBuffer(PyObject* result, Py_buffer* view, const char* what);

/* *content = malloc'ed copy (Orthanc frees it with the free() of this
 * plugin, passed along at registration), for the first storage-area API. */
int OrthancPy_ResultToMalloc(PyObject* result, void** content, int64_t* size, const char* what);

/* Copies a result of exactly `size` bytes into memory Orthanc allocated
 * (range reads: Orthanc chose the length). */
int OrthancPy_ResultToFixed(PyObject* result, void* target, uint64_t size, const char* what);

#if ORTHANC_PY_HAS_OrthancPluginCreateMemoryBuffer64
/* Allocates `target` through Orthanc (which frees it) and copies the
 * result into it. The GIL is released while Orthanc allocates. */
int OrthancPy_ResultToBuffer64(PyObject* result, OrthancPluginMemoryBuffer64* target, const char* what);
#endif

#if ORTHANC_PY_HAS_OrthancPluginCreateMemoryBuffer
/* The same for a 32-bit memory buffer; an empty result leaves `target`
 * untouched (the SDK's way of saying "nothing"). */
int OrthancPy_ResultToBuffer(PyObject* result, OrthancPluginMemoryBuffer* target, const char* what);
#endif

/* An integer result (int, IntEnum, anything with __index__) in [min, max]. */
int OrthancPy_ResultToInt(PyObject* result, long min, long max, long* value, const char* what);
