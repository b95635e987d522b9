/*
 * Argument conversions shared by the generated wrappers. Integers are read
 * through int64_t/uint64_t on every platform, so a 64-bit SDK value never
 * passes through a C `long` (32 bits on Windows).
 */
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 0 and *out set, or -1 with TypeError (not an integer) or ValueError (out
 * of [min, max]) naming the argument. */
int OrthancPy_ArgToInt64(PyObject* value, const char* name, int64_t min, int64_t max, int64_t* out);
int OrthancPy_ArgToUInt64(PyObject* value, const char* name, uint64_t max, uint64_t* out);

/* 0, or -1 with ValueError when a buffer is longer than `max` bytes (the SDK
 * takes 32-bit sizes in most places). */
int OrthancPy_CheckBufferSize(const Py_buffer* buffer, const char* name, uint64_t max);

/* Raises orthanc.OrthancException for an SDK function that answered NULL
 * (its way of reporting an error); returns NULL. Independent of the SDK's
 * error-code enumeration, which the oldest releases lack. */
PyObject* OrthancPy_SetNullResultError(const char* function);

/* New bytes object with a copy of an SDK answer; MemoryError when the size
 * does not fit in Py_ssize_t (a 4 GiB answer on a 32-bit platform). */
PyObject* OrthancPy_BytesFromSdk(const void* data, uint64_t size);

#ifdef __cplusplus
}
#endif
