/*
 * Conversions between SDK data and Python objects shared by several
 * callbacks and helpers.
 */
#include "runtime_internal.h"
#include "orthanc_convert.h"


PyObject* OrthancPy_HttpMethodName(OrthancPluginHttpMethod method)
{
  switch (method)
  {
    case OrthancPluginHttpMethod_Get:
      return PyUnicode_FromString("GET");
    case OrthancPluginHttpMethod_Post:
      return PyUnicode_FromString("POST");
    case OrthancPluginHttpMethod_Put:
      return PyUnicode_FromString("PUT");
    case OrthancPluginHttpMethod_Delete:
      return PyUnicode_FromString("DELETE");
    default:
      return PyUnicode_FromFormat("%d", (int) method);
  }
}


PyObject* OrthancPy_DictFromPairs(uint32_t count, const char* const* keys, const char* const* values)
{
  PyObject* dict = PyDict_New();
  if (dict == NULL)
  {
    return NULL;
  }

  for (uint32_t i = 0; i < count; i++)
  {
    PyObject* key = OrthancPy_StringFromSdk(keys[i]);
    PyObject* value = (key != NULL) ? OrthancPy_StringFromSdk(values[i]) : NULL;
    int failed = (value == NULL || PyDict_SetItem(dict, key, value) < 0);
    Py_XDECREF(key);
    Py_XDECREF(value);
    if (failed)
    {
      Py_DECREF(dict);
      return NULL;
    }
  }

  return dict;
}


PyObject* OrthancPy_TupleFromStrings(uint32_t count, const char* const* values)
{
  PyObject* tuple = PyTuple_New((Py_ssize_t) count);
  if (tuple == NULL)
  {
    return NULL;
  }

  for (uint32_t i = 0; i < count; i++)
  {
    PyObject* item = OrthancPy_StringFromSdk(values[i]);
    if (item == NULL)
    {
      Py_DECREF(tuple);
      return NULL;
    }
    PyTuple_SET_ITEM(tuple, (Py_ssize_t) i, item);  /* steals item */
  }

  return tuple;
}


PyObject* OrthancPy_BytesFromMemoryBuffer(OrthancPluginMemoryBuffer* buffer)
{
  /* Shares the size check of the generated wrappers (32-bit platforms). */
  PyObject* result = OrthancPy_BytesFromSdk(buffer->data, buffer->size);
  if (buffer->data != NULL)
  {
    OrthancPluginContext* context = OrthancPy_GetContext();
    Py_BEGIN_ALLOW_THREADS
    OrthancPluginFreeMemoryBuffer(context, buffer);
    Py_END_ALLOW_THREADS
  }
  buffer->data = NULL;
  buffer->size = 0;
  return result;
}


int OrthancPy_CheckCallable(PyObject* callback, const char* what)
{
  if (!PyCallable_Check(callback))
  {
    PyErr_Format(PyExc_TypeError, "%s must be callable, not %s", what, Py_TYPE(callback)->tp_name);
    return -1;
  }
  return 0;
}
