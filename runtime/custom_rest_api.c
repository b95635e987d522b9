/*
 * Calls into Orthanc's REST API that take HTTP headers (C arrays of keys and
 * values, which the generator does not map):
 *
 *   orthanc.RestApiGet2(uri, headers, afterPlugins) -> bytes
 *   orthanc.CallRestApi(method, uri, headers, body, afterPlugins)
 *       -> (body: bytes, headers: dict, status: int)
 *
 * `headers` is any mapping of str to str (or None), converted by
 * OrthancPy_HeadersFromMapping (convert.c). The SDK answers the headers of
 * CallRestApi as a JSON object, returned here as a dict.
 */
#include "orthanc_convert.h"
#include "runtime_internal.h"


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
  OrthancPyHeaders headers;
  if (OrthancPy_HeadersFromMapping(mapping, &headers) < 0)
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
  OrthancPy_ReleaseHeaders(&headers);

  if (code != OrthancPluginErrorCode_Success)
  {
    OrthancPy_SetSdkError(code);
    return NULL;
  }
  return OrthancPy_BytesFromMemoryBuffer(&answer);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginCallRestApi

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
  OrthancPyHeaders headers;
  if (OrthancPy_ArgToInt64(methodObject, "method", OrthancPluginHttpMethod_Get, OrthancPluginHttpMethod_Delete,
                           &method) < 0 ||
      OrthancPy_CheckBufferSize(&body, "body", UINT32_MAX) < 0 ||
      OrthancPy_HeadersFromMapping(mapping, &headers) < 0)
  {
    PyBuffer_Release(&body);
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyHttpAnswer answer = ORTHANC_PY_HTTP_ANSWER_INIT;
  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginCallRestApi(context, &answer.body, &answer.headers, &answer.status,
                                  (OrthancPluginHttpMethod) method, uri, headers.count, headers.keys,
                                  headers.values, body.buf, (uint32_t) body.len, afterPlugins);
  Py_END_ALLOW_THREADS
  OrthancPy_ReleaseHeaders(&headers);
  PyBuffer_Release(&body);

  /* Unlike HttpClient, an HTTP error of Orthanc's own REST API raises. */
  PyObject* bodyObject = NULL;
  PyObject* headersObject = NULL;
  if (OrthancPy_TakeHttpAnswer(code, 0, &answer, &bodyObject, &headersObject) < 0)
  {
    return NULL;
  }
  PyObject* result = Py_BuildValue("(OOi)", bodyObject, headersObject, (int) answer.status);
  Py_DECREF(bodyObject);
  Py_DECREF(headersObject);
  return result;
}

#endif
