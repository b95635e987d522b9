/*
 * Conversions between SDK data and Python objects shared by several
 * callbacks and helpers.
 */
#include "runtime_internal.h"
#include "orthanc_convert.h"

#include <stdlib.h>


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


/* ---- HTTP headers: Python mapping -> the SDK's C arrays ------------------- */

void OrthancPy_ReleaseHeaders(OrthancPyHeaders* headers)
{
  free((void*) headers->keys);
  free((void*) headers->values);
  Py_CLEAR(headers->items);
  headers->keys = NULL;
  headers->values = NULL;
  headers->count = 0;
}


int OrthancPy_HeadersFromMapping(PyObject* mapping, OrthancPyHeaders* headers)
{
  headers->count = 0;
  headers->keys = NULL;
  headers->values = NULL;
  headers->items = NULL;
  if (mapping == NULL || mapping == Py_None)
  {
    return 0;
  }
  /* Lists and strings pass PyMapping_Check (they have __getitem__) but have no items(). */
  if (!PyDict_Check(mapping) && (!PyMapping_Check(mapping) || PySequence_Check(mapping)))
  {
    PyErr_Format(PyExc_TypeError, "headers must be a dict of str to str, not %.100s", Py_TYPE(mapping)->tp_name);
    return -1;
  }

  headers->items = PyMapping_Items(mapping);
  if (headers->items == NULL)
  {
    return -1;
  }
  Py_ssize_t count = PyList_GET_SIZE(headers->items);
  if ((uint64_t) count > UINT32_MAX)
  {
    PyErr_SetString(PyExc_ValueError, "too many headers");
    OrthancPy_ReleaseHeaders(headers);
    return -1;
  }
  /* One more than needed: malloc(0) may answer NULL. */
  headers->keys = malloc(sizeof(const char*) * ((size_t) count + 1));
  headers->values = malloc(sizeof(const char*) * ((size_t) count + 1));
  if (headers->keys == NULL || headers->values == NULL)
  {
    OrthancPy_ReleaseHeaders(headers);
    PyErr_NoMemory();
    return -1;
  }

  for (Py_ssize_t i = 0; i < count; i++)
  {
    PyObject* item = PyList_GET_ITEM(headers->items, i);  /* borrowed */
    PyObject* key = PyTuple_GET_ITEM(item, 0);
    PyObject* value = PyTuple_GET_ITEM(item, 1);
    if (!PyUnicode_Check(key) || !PyUnicode_Check(value))
    {
      PyErr_Format(PyExc_TypeError, "headers must be a dict of str to str, found %.100s: %.100s",
                   Py_TYPE(key)->tp_name, Py_TYPE(value)->tp_name);
      OrthancPy_ReleaseHeaders(headers);
      return -1;
    }
    headers->keys[i] = PyUnicode_AsUTF8(key);
    headers->values[i] = PyUnicode_AsUTF8(value);
    if (headers->keys[i] == NULL || headers->values[i] == NULL)
    {
      OrthancPy_ReleaseHeaders(headers);
      return -1;
    }
  }
  headers->count = (uint32_t) count;
  return 0;
}


PyObject* OrthancPy_DictFromJsonBuffer(OrthancPluginMemoryBuffer* buffer)
{
  PyObject* text = OrthancPy_BytesFromMemoryBuffer(buffer);   /* frees the buffer */
  if (text == NULL)
  {
    return NULL;
  }
  if (PyBytes_GET_SIZE(text) == 0)
  {
    Py_DECREF(text);
    return PyDict_New();
  }
  PyObject* json = PyImport_ImportModule("json");
  PyObject* parsed = (json != NULL) ? PyObject_CallMethod(json, "loads", "O", text) : NULL;
  Py_XDECREF(json);
  Py_DECREF(text);
  return parsed;
}


int OrthancPy_TakeHttpAnswer(OrthancPluginErrorCode code, int keepHttpErrors, OrthancPyHttpAnswer* answer,
                             PyObject** body, PyObject** headers)
{
  /* Converted first in every case: this is what frees the buffers. */
  *body = OrthancPy_BytesFromMemoryBuffer(&answer->body);
  *headers = OrthancPy_DictFromJsonBuffer(&answer->headers);
  if (code != OrthancPluginErrorCode_Success && !(keepHttpErrors && answer->status != 0))
  {
    OrthancPy_SetSdkError(code);   /* replaces a conversion error: the request's is the one to tell */
  }
  else if (*body != NULL && *headers != NULL)
  {
    return 0;
  }
  Py_CLEAR(*body);
  Py_CLEAR(*headers);
  return -1;
}
