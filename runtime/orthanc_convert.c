#include "orthanc_convert.h"

#include "orthanc_python.h"
#include "runtime_internal.h"

static PyObject* AsIndex(PyObject* value, const char* name)
{
  /* PyNumber_Index accepts int and anything with __index__ (numpy integers),
   * and refuses float and str, as an integer argument should. */
  if (value == NULL || !PyIndex_Check(value))
  {
    PyErr_Format(PyExc_TypeError, "argument '%s' must be an integer, not %.100s", name,
                 value == NULL ? "NULL" : Py_TYPE(value)->tp_name);
    return NULL;
  }
  return PyNumber_Index(value);  /* new reference */
}

int OrthancPy_ArgToInt64(PyObject* value, const char* name, int64_t min, int64_t max, int64_t* out)
{
  PyObject* index = AsIndex(value, name);
  if (index == NULL)
  {
    return -1;
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(index, &overflow);
  Py_DECREF(index);
  if (v == -1 && PyErr_Occurred())
  {
    return -1;
  }
  if (overflow != 0 || v < min || v > max)
  {
    PyErr_Format(PyExc_ValueError, "argument '%s' is out of range [%lld, %lld]", name,
                 (long long) min, (long long) max);
    return -1;
  }
  *out = (int64_t) v;
  return 0;
}

int OrthancPy_ArgToUInt64(PyObject* value, const char* name, uint64_t max, uint64_t* out)
{
  PyObject* index = AsIndex(value, name);
  if (index == NULL)
  {
    return -1;
  }
  unsigned long long v = PyLong_AsUnsignedLongLong(index);
  Py_DECREF(index);
  if (v == (unsigned long long) -1 && PyErr_Occurred())
  {
    /* Negative numbers and numbers past 64 bits both end up here. */
    PyErr_Clear();
    v = 0;
    PyErr_Format(PyExc_ValueError, "argument '%s' is out of range [0, %llu]", name, (unsigned long long) max);
    return -1;
  }
  if (v > max)
  {
    PyErr_Format(PyExc_ValueError, "argument '%s' is out of range [0, %llu]", name, (unsigned long long) max);
    return -1;
  }
  *out = (uint64_t) v;
  return 0;
}

int OrthancPy_CheckBufferSize(const Py_buffer* buffer, const char* name, uint64_t max)
{
  if (buffer->len < 0 || (uint64_t) buffer->len > max)
  {
    PyErr_Format(PyExc_ValueError, "argument '%s' is too large (%zd bytes, at most %llu)", name,
                 buffer->len, (unsigned long long) max);
    return -1;
  }
  return 0;
}

PyObject* OrthancPy_BytesFromSdk(const void* data, uint64_t size)
{
  if (size > (uint64_t) PY_SSIZE_T_MAX)
  {
    PyErr_SetString(PyExc_MemoryError, "the answer of Orthanc is too large for this platform");
    return NULL;
  }
  if (data == NULL && size != 0)
  {
    PyErr_SetString(PyExc_SystemError, "Orthanc returned an empty buffer with a non-zero size");
    return NULL;
  }
  return PyBytes_FromStringAndSize(size == 0 ? "" : (const char*) data, (Py_ssize_t) size);
}

PyObject* OrthancPy_SetNullResultError(const char* function)
{
  /* The gate refused the call (Orthanc stops, or a forked child): say so. */
  const char* refusal = OrthancPyGate_TakeRefusal();
  /* -1 is OrthancPluginErrorCode_InternalError in every release that has the enum. */
  PyObject* value = (refusal != NULL) ?
    Py_BuildValue("(is)", (int) ORTHANC_PY_ERROR_BAD_SEQUENCE, refusal) :
    Py_BuildValue("(iN)", -1, PyUnicode_FromFormat("Internal error: %s() failed", function));
  if (value != NULL)
  {
    PyErr_SetObject(OrthancPy_GetExceptionType(), value);
    Py_DECREF(value);
  }
  return NULL;
}
