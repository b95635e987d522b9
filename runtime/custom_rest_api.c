/*
 * Calls into Orthanc's REST API that take HTTP headers (C arrays of keys and
 * values, which the generator does not map):
 *
 *   orthanc.RestApiGet2(uri, headers, afterPlugins) -> bytes
 *   orthanc.CallRestApi(method, uri, headers, body, afterPlugins)
 *       -> (body: bytes, headers: dict, status: int)
 *
 * `headers` is any mapping of str to str (or None). The SDK answers the
 * headers of CallRestApi as a JSON object, returned here as a dict.
 */
#include "orthanc_convert.h"
#include "runtime_internal.h"

#include <stdlib.h>

#if ORTHANC_PY_HAS_OrthancPluginRestApiGet2 || ORTHANC_PY_HAS_OrthancPluginCallRestApi

typedef struct
{
  uint32_t count;
  const char** keys;     /* malloc'ed; point into the str objects of `items` */
  const char** values;
  PyObject* items;       /* owned list of (key, value): keeps the UTF-8 alive while the GIL is released */
} HeaderArrays;


static void ReleaseHeaders(HeaderArrays* headers)
{
  free((void*) headers->keys);
  free((void*) headers->values);
  Py_CLEAR(headers->items);
  headers->keys = NULL;
  headers->values = NULL;
  headers->count = 0;
}


/* GIL held. 0, or -1 with TypeError/ValueError set. */
static int HeadersFromMapping(PyObject* mapping, HeaderArrays* headers)
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
    ReleaseHeaders(headers);
    return -1;
  }
  /* One more than needed: malloc(0) may answer NULL. */
  headers->keys = malloc(sizeof(const char*) * ((size_t) count + 1));
  headers->values = malloc(sizeof(const char*) * ((size_t) count + 1));
  if (headers->keys == NULL || headers->values == NULL)
  {
    ReleaseHeaders(headers);
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
      ReleaseHeaders(headers);
      return -1;
    }
    headers->keys[i] = PyUnicode_AsUTF8(key);
    headers->values[i] = PyUnicode_AsUTF8(value);
    if (headers->keys[i] == NULL || headers->values[i] == NULL)
    {
      ReleaseHeaders(headers);
      return -1;
    }
  }
  headers->count = (uint32_t) count;
  return 0;
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginRestApiGet2

PyObject* OrthancPyCustom_RestApiGet2(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "uri", "headers", "afterPlugins", NULL };
  const char* uri = NULL;
  PyObject* mapping = NULL;
  int afterPlugins = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sOp:RestApiGet2", keywords, &uri, &mapping, &afterPlugins))
  {
    return NULL;
  }
  HeaderArrays headers;
  if (HeadersFromMapping(mapping, &headers) < 0)
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginMemoryBuffer answer = { NULL, 0 };
  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRestApiGet2(context, &answer, uri, headers.count, headers.keys, headers.values,
                                  afterPlugins);
  Py_END_ALLOW_THREADS
  ReleaseHeaders(&headers);

  if (code != OrthancPluginErrorCode_Success)
  {
    OrthancPy_SetSdkError(code);
    return NULL;
  }
  return OrthancPy_BytesFromMemoryBuffer(&answer);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginCallRestApi

/* New reference: the JSON object of the answer headers as a dict (empty if none). */
static PyObject* DictFromJsonBuffer(OrthancPluginMemoryBuffer* buffer)
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


PyObject* OrthancPyCustom_CallRestApi(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "method", "uri", "headers", "body", "afterPlugins", NULL };
  PyObject* methodObject = NULL;
  const char* uri = NULL;
  PyObject* mapping = NULL;
  Py_buffer body = { 0 };
  int afterPlugins = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OsOs*p:CallRestApi", keywords, &methodObject, &uri, &mapping,
                                   &body, &afterPlugins))
  {
    return NULL;
  }

  int64_t method = 0;
  HeaderArrays headers;
  if (OrthancPy_ArgToInt64(methodObject, "method", OrthancPluginHttpMethod_Get, OrthancPluginHttpMethod_Delete,
                           &method) < 0 ||
      OrthancPy_CheckBufferSize(&body, "body", UINT32_MAX) < 0 ||
      HeadersFromMapping(mapping, &headers) < 0)
  {
    PyBuffer_Release(&body);
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginMemoryBuffer answerBody = { NULL, 0 };
  OrthancPluginMemoryBuffer answerHeaders = { NULL, 0 };
  uint16_t status = 0;
  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginCallRestApi(context, &answerBody, &answerHeaders, &status, (OrthancPluginHttpMethod) method,
                                  uri, headers.count, headers.keys, headers.values, body.buf,
                                  (uint32_t) body.len, afterPlugins);
  Py_END_ALLOW_THREADS
  ReleaseHeaders(&headers);
  PyBuffer_Release(&body);

  PyObject* bodyObject = OrthancPy_BytesFromMemoryBuffer(&answerBody);
  PyObject* headersObject = DictFromJsonBuffer(&answerHeaders);
  PyObject* result = NULL;
  if (code != OrthancPluginErrorCode_Success)
  {
    OrthancPy_SetSdkError(code);
  }
  else if (bodyObject != NULL && headersObject != NULL)
  {
    result = Py_BuildValue("(OOi)", bodyObject, headersObject, (int) status);
  }
  Py_XDECREF(bodyObject);
  Py_XDECREF(headersObject);
  return result;
}

#endif
