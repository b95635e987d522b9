/*
 * Python callback results -> SDK buffers and integers (see callback_results.h).
 */
#include "callback_results.h"

#include <stdlib.h>
#include <string.h>


int OrthancPy_ResultBuffer(PyObject* result, Py_buffer* view, const char* what)
{
  if (result == NULL || PyUnicode_Check(result) || !PyObject_CheckBuffer(result))
  {
    PyErr_Format(PyExc_TypeError, "%s must return bytes, not %.100s", what,
                 result == NULL ? "NULL" : Py_TYPE(result)->tp_name);
    return -1;
  }
  /* A contiguous export also pins a bytearray's size until the release. */
  return PyObject_GetBuffer(result, view, PyBUF_SIMPLE);
}


int OrthancPy_ResultToMalloc(PyObject* result, void** content, int64_t* size, const char* what)
{
  Py_buffer view;
  if (OrthancPy_ResultBuffer(result, &view, what) < 0)
  {
    return -1;
  }

  /* malloc(0) may answer NULL, which Orthanc would take for a failure. */
  void* copy = malloc(view.len > 0 ? (size_t) view.len : 1);
  if (copy == NULL)
  {
    PyBuffer_Release(&view);
    PyErr_NoMemory();
    return -1;
  }
  if (view.len > 0)
  {
    memcpy(copy, view.buf, (size_t) view.len);
  }
  *content = copy;
  *size = (int64_t) view.len;
  PyBuffer_Release(&view);
  return 0;
}


int OrthancPy_ResultToFixed(PyObject* result, void* target, uint64_t size, const char* what)
{
  Py_buffer view;
  if (OrthancPy_ResultBuffer(result, &view, what) < 0)
  {
    return -1;
  }
  if ((uint64_t) view.len != size)
  {
    PyErr_Format(PyExc_ValueError, "%s must return exactly %llu bytes, not %zd", what,
                 (unsigned long long) size, view.len);
    PyBuffer_Release(&view);
    return -1;
  }
  if (size > 0)
  {
    memcpy(target, view.buf, (size_t) size);
  }
  PyBuffer_Release(&view);
  return 0;
}


#if ORTHANC_PY_HAS_OrthancPluginCreateMemoryBuffer64

int OrthancPy_ResultToBuffer64(PyObject* result, OrthancPluginMemoryBuffer64* target, const char* what)
{
  Py_buffer view;
  if (OrthancPy_ResultBuffer(result, &view, what) < 0)
  {
    return -1;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyStatus code;
  /* The exported view keeps the bytes alive and unchanged without the GIL. */
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginCreateMemoryBuffer64(context, target, (uint64_t) view.len);
  if (code == ORTHANC_PY_SUCCESS && view.len > 0)
  {
    memcpy(target->data, view.buf, (size_t) view.len);
  }
  Py_END_ALLOW_THREADS

  PyBuffer_Release(&view);
  if (code != ORTHANC_PY_SUCCESS)
  {
    OrthancPy_SetStatusError(code);
    return -1;
  }
  return 0;
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginCreateMemoryBuffer

int OrthancPy_ResultToBuffer(PyObject* result, OrthancPluginMemoryBuffer* target, const char* what)
{
  Py_buffer view;
  if (OrthancPy_ResultBuffer(result, &view, what) < 0)
  {
    return -1;
  }
  if ((uint64_t) view.len > UINT32_MAX)
  {
    PyErr_Format(PyExc_ValueError, "%s returned %zd bytes, more than the 4 GiB Orthanc accepts here", what,
                 view.len);
    PyBuffer_Release(&view);
    return -1;
  }
  if (view.len == 0)
  {
    PyBuffer_Release(&view);
    return 0;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyStatus code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginCreateMemoryBuffer(context, target, (uint32_t) view.len);
  if (code == ORTHANC_PY_SUCCESS)
  {
    memcpy(target->data, view.buf, (size_t) view.len);
  }
  Py_END_ALLOW_THREADS

  PyBuffer_Release(&view);
  if (code != ORTHANC_PY_SUCCESS)
  {
    OrthancPy_SetStatusError(code);
    return -1;
  }
  return 0;
}

#endif


int OrthancPy_ResultToInt(PyObject* result, long min, long max, long* value, const char* what)
{
  if (result == NULL || !PyIndex_Check(result))
  {
    PyErr_Format(PyExc_TypeError, "%s must return an int, not %.100s", what,
                 result == NULL ? "NULL" : Py_TYPE(result)->tp_name);
    return -1;
  }
  PyObject* index = PyNumber_Index(result);
  if (index == NULL)
  {
    return -1;
  }
  int overflow = 0;
  long v = PyLong_AsLongAndOverflow(index, &overflow);
  Py_DECREF(index);
  if (v == -1 && PyErr_Occurred())
  {
    return -1;
  }
  if (overflow != 0 || v < min || v > max)
  {
    PyErr_Format(PyExc_ValueError, "%s returned %R, outside [%ld, %ld]", what, result, min, max);
    return -1;
  }
  *value = v;
  return 0;
}
