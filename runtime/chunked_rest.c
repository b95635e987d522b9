/*
 * orthanc.RegisterChunkedRestCallback(pathRegularExpression, get=None, post=None, delete=None, put=None):
 * REST routes whose POST/PUT bodies reach Python chunk by chunk, as Orthanc
 * reads them from the connection, so that a large upload never sits in
 * memory.
 *
 *   get(output, uri, **request), delete(output, uri, **request)
 *       as for RegisterRestCallback;
 *   post(uri, method=str, groups=tuple, headers=dict) -> reader
 *   put(...) the same; one reader per request, with the methods
 *       reader.AddChunk(chunk: bytes)  for each piece of the body, in order,
 *       reader.Execute(output)         once the body is complete: answer here,
 *       reader.Finalize()              optional, always last (also when the
 *                                      client went away mid-body).
 *
 * Orthanc streams a body sent with "Transfer-Encoding: chunked" (pieces of
 * at most 1 MiB); a body with a Content-Length is read whole by Orthanc
 * first and arrives as one chunk.
 *
 * Orthanc passes no user data to the GET/DELETE handlers and the reader
 * factories, so each route gets its own pair of C entry points from a fixed
 * table (as rest.c does); the C reader carries the route's Python reader.
 *
 * Errors: Orthanc 1.10 ignores what AddChunk returns and, when a factory
 * creates no reader, reads the whole body into memory to try other routes.
 * So a failing factory or AddChunk still yields a reader, marked failed: it
 * drops the remaining chunks without calling Python, and Execute answers
 * HTTP 500. Every exception is logged with its traceback.
 */
#include "runtime_internal.h"

#include <stdlib.h>

#define ORTHANC_PY_MAX_CHUNKED_ROUTES 64

typedef struct
{
  PyObject* get;      /* owned, or NULL: strong references, GIL-protected */
  PyObject* post;
  PyObject* remove;
  PyObject* put;
} ChunkedRoute;

static ChunkedRoute g_chunkedRoutes[ORTHANC_PY_MAX_CHUNKED_ROUTES];
static int g_chunkedRouteCount = 0;

#if ORTHANC_PY_HAS_OrthancPluginRegisterChunkedRestCallback

/* What Orthanc holds as an OrthancPluginServerChunkedRequestReader. */
typedef struct
{
  PyObject* reader;   /* owned Python reader, NULL if the factory failed */
  int failed;         /* set under the GIL by the body that failed; read by the same HTTP thread */
} ChunkedReader;


typedef struct
{
  int route;
  OrthancPluginRestOutput* output;
  const char* url;
  const OrthancPluginHttpRequest* request;
  ChunkedReader* reader;
  const void* data;
  uint32_t size;
} ChunkedCall;


/* GIL held. The Python callable for the request's method, borrowed, or NULL. */
static PyObject* RouteHandler(int route, OrthancPluginHttpMethod method)
{
  if (route >= g_chunkedRouteCount)
  {
    return NULL;   /* forgotten at shutdown */
  }
  switch (method)
  {
    case OrthancPluginHttpMethod_Get:
      return g_chunkedRoutes[route].get;
    case OrthancPluginHttpMethod_Post:
      return g_chunkedRoutes[route].post;
    case OrthancPluginHttpMethod_Put:
      return g_chunkedRoutes[route].put;
    case OrthancPluginHttpMethod_Delete:
      return g_chunkedRoutes[route].remove;
    default:
      return NULL;
  }
}


/* GIL held: GET and DELETE, run as a RegisterRestCallback route. */
static OrthancPyStatus GetDeleteBody(void* payload)
{
  const ChunkedCall* call = payload;
  PyObject* callback = RouteHandler(call->route, call->request->method);
  if (callback == NULL)
  {
    return ORTHANC_PY_ERROR_UNKNOWN_RESOURCE;
  }
  Py_INCREF(callback);   /* keeps it alive should the script be reset meanwhile */

  PyObject* uri = OrthancPy_StringFromSdk(call->url);
  PyObject* output = (uri != NULL) ? OrthancPy_WrapObject(ORTHANC_PY_CLASS_RestOutput, call->output, 0) : NULL;
  PyObject* args = (output != NULL) ? PyTuple_Pack(2, output, uri) : NULL;
  PyObject* kwargs = (args != NULL) ? OrthancPyRest_BuildKeywords(call->request) : NULL;
  PyObject* result = (kwargs != NULL) ? PyObject_Call(callback, args, kwargs) : NULL;

  OrthancPyStatus code = ORTHANC_PY_SUCCESS;
  if (result == NULL)
  {
    OrthancPy_LogPythonError("Error in the Python chunked REST callback");
    code = ORTHANC_PY_ERROR_PLUGIN;
  }
  OrthancPy_Invalidate(output);
  Py_XDECREF(result);
  Py_XDECREF(kwargs);
  Py_XDECREF(args);
  Py_XDECREF(output);
  Py_XDECREF(uri);
  Py_DECREF(callback);
  return code;
}


/* GIL held: calls the factory of a POST/PUT; call->reader is already allocated. */
static OrthancPyStatus FactoryBody(void* payload)
{
  const ChunkedCall* call = payload;
  PyObject* factory = RouteHandler(call->route, call->request->method);
  if (factory == NULL)
  {
    call->reader->failed = 1;
    return ORTHANC_PY_SUCCESS;
  }
  Py_INCREF(factory);

  PyObject* uri = OrthancPy_StringFromSdk(call->url);
  PyObject* args = (uri != NULL) ? PyTuple_Pack(1, uri) : NULL;
  PyObject* kwargs = (args != NULL) ? OrthancPyRest_BuildKeywords(call->request) : NULL;
  /* The body is what the reader will get; Orthanc passes none here. */
  if (kwargs != NULL && PyDict_GetItemString(kwargs, "body") != NULL && PyDict_DelItemString(kwargs, "body") < 0)
  {
    Py_CLEAR(kwargs);
  }
  PyObject* reader = (kwargs != NULL) ? PyObject_Call(factory, args, kwargs) : NULL;
  if (reader != NULL && (!PyObject_HasAttrString(reader, "AddChunk") || !PyObject_HasAttrString(reader, "Execute")))
  {
    PyErr_Format(PyExc_TypeError, "the reader factory of a chunked REST route must return an object with "
                 "AddChunk(chunk) and Execute(output) methods, not %.100s", Py_TYPE(reader)->tp_name);
    Py_CLEAR(reader);
  }
  if (reader == NULL)
  {
    OrthancPy_LogPythonError("Error in the Python reader factory of a chunked REST route");
    call->reader->failed = 1;
  }
  call->reader->reader = reader;   /* owned by the C reader */
  Py_XDECREF(kwargs);
  Py_XDECREF(args);
  Py_XDECREF(uri);
  Py_DECREF(factory);
  return ORTHANC_PY_SUCCESS;
}


static OrthancPyStatus HandleGetDelete(int route, OrthancPluginRestOutput* output, const char* url,
                                       const OrthancPluginHttpRequest* request)
{
  ChunkedCall call = { route, output, url, request, NULL, NULL, 0 };
  return OrthancPy_RunCallback(GetDeleteBody, &call);
}


static OrthancPyStatus HandleFactory(int route, OrthancPluginServerChunkedRequestReader** target, const char* url,
                                     const OrthancPluginHttpRequest* request)
{
  ChunkedReader* reader = calloc(1, sizeof(ChunkedReader));
  if (reader == NULL)
  {
    *target = NULL;
    return ORTHANC_PY_ERROR_NOT_ENOUGH_MEMORY;
  }
  ChunkedCall call = { route, NULL, url, request, reader, NULL, 0 };
  if (OrthancPy_RunCallback(FactoryBody, &call) != ORTHANC_PY_SUCCESS)
  {
    /* The interpreter is stopping: the body was not run. Keep a failed reader anyway. */
    reader->failed = 1;
  }
  *target = (OrthancPluginServerChunkedRequestReader*) reader;
  return OrthancPluginErrorCode_Success;
}


/* GIL held. */
static OrthancPyStatus AddChunkBody(void* payload)
{
  const ChunkedCall* call = payload;
  PyObject* chunk = PyBytes_FromStringAndSize(call->data != NULL ? (const char*) call->data : "",
                                              (Py_ssize_t) call->size);
  PyObject* result = (chunk != NULL) ? PyObject_CallMethod(call->reader->reader, "AddChunk", "O", chunk) : NULL;
  Py_XDECREF(chunk);
  if (result == NULL)
  {
    OrthancPy_LogPythonError("Error in AddChunk of a Python chunked REST reader (the rest of the body is dropped)");
    call->reader->failed = 1;
    return ORTHANC_PY_ERROR_PLUGIN;
  }
  Py_DECREF(result);
  return ORTHANC_PY_SUCCESS;
}


static OrthancPluginErrorCode ReaderAddChunk(OrthancPluginServerChunkedRequestReader* target, const void* data,
                                             uint32_t size)
{
  ChunkedReader* reader = (ChunkedReader*) target;
  if (reader->failed)
  {
    return OrthancPluginErrorCode_Plugin;   /* drop the chunk without waking Python */
  }
  ChunkedCall call = { 0, NULL, NULL, NULL, reader, data, size };
  OrthancPyStatus code = OrthancPy_RunCallback(AddChunkBody, &call);
  if (code != ORTHANC_PY_SUCCESS)
  {
    reader->failed = 1;
  }
  return code;
}


/* GIL held. */
static OrthancPyStatus ExecuteBody(void* payload)
{
  const ChunkedCall* call = payload;
  PyObject* output = OrthancPy_WrapObject(ORTHANC_PY_CLASS_RestOutput, call->output, 0);
  PyObject* result = (output != NULL) ? PyObject_CallMethod(call->reader->reader, "Execute", "O", output) : NULL;
  OrthancPyStatus code = ORTHANC_PY_SUCCESS;
  if (result == NULL)
  {
    OrthancPy_LogPythonError("Error in Execute of a Python chunked REST reader");
    code = ORTHANC_PY_ERROR_PLUGIN;
  }
  OrthancPy_Invalidate(output);
  Py_XDECREF(output);
  Py_XDECREF(result);
  return code;
}


static OrthancPluginErrorCode ReaderExecute(OrthancPluginServerChunkedRequestReader* target,
                                            OrthancPluginRestOutput* output)
{
  ChunkedReader* reader = (ChunkedReader*) target;
  if (reader->failed)
  {
    return OrthancPluginErrorCode_Plugin;   /* HTTP 500; the cause is already in the log */
  }
  ChunkedCall call = { 0, output, NULL, NULL, reader, NULL, 0 };
  return OrthancPy_RunCallback(ExecuteBody, &call);
}


/* GIL held. */
static OrthancPyStatus FinalizeBody(void* payload)
{
  ChunkedReader* reader = payload;
  if (reader->reader != NULL && PyObject_HasAttrString(reader->reader, "Finalize"))
  {
    PyObject* result = PyObject_CallMethod(reader->reader, "Finalize", NULL);
    if (result == NULL)
    {
      OrthancPy_LogPythonError("Error in Finalize of a Python chunked REST reader");
    }
    Py_XDECREF(result);
  }
  Py_CLEAR(reader->reader);
  return ORTHANC_PY_SUCCESS;
}


static void ReaderFinalize(OrthancPluginServerChunkedRequestReader* target)
{
  ChunkedReader* reader = (ChunkedReader*) target;
  if (reader == NULL)
  {
    return;
  }
  /* If the interpreter is already gone, the body does not run and the Python reader went with it. */
  if (reader->reader != NULL)
  {
    OrthancPy_RunCallback(FinalizeBody, reader);
  }
  free(reader);
}


/* Two entry points per route number: 4 x 4 x 4 = ORTHANC_PY_MAX_CHUNKED_ROUTES. */
#define ORTHANC_PY_CHUNKED(a, b, c)                                                                        \
  static OrthancPyStatus ChunkedRest_##a##b##c(OrthancPluginRestOutput* output, const char* url,          \
                                               const OrthancPluginHttpRequest* request)                   \
  {                                                                                                       \
    return HandleGetDelete((a) * 16 + (b) * 4 + (c), output, url, request);                                \
  }                                                                                                       \
  static OrthancPluginErrorCode ChunkedFactory_##a##b##c(OrthancPluginServerChunkedRequestReader** reader, \
                                                         const char* url,                                 \
                                                         const OrthancPluginHttpRequest* request)         \
  {                                                                                                       \
    return HandleFactory((a) * 16 + (b) * 4 + (c), reader, url, request);                                  \
  }
#define ORTHANC_PY_CHUNKED_4(a, b) \
  ORTHANC_PY_CHUNKED(a, b, 0) ORTHANC_PY_CHUNKED(a, b, 1) ORTHANC_PY_CHUNKED(a, b, 2) ORTHANC_PY_CHUNKED(a, b, 3)
#define ORTHANC_PY_CHUNKED_16(a) \
  ORTHANC_PY_CHUNKED_4(a, 0) ORTHANC_PY_CHUNKED_4(a, 1) ORTHANC_PY_CHUNKED_4(a, 2) ORTHANC_PY_CHUNKED_4(a, 3)

ORTHANC_PY_CHUNKED_16(0)
ORTHANC_PY_CHUNKED_16(1)
ORTHANC_PY_CHUNKED_16(2)
ORTHANC_PY_CHUNKED_16(3)

#define ORTHANC_PY_CHUNKED_ENTRY(a, b, c) { ChunkedRest_##a##b##c, ChunkedFactory_##a##b##c },
#define ORTHANC_PY_CHUNKED_ENTRIES_4(a, b) \
  ORTHANC_PY_CHUNKED_ENTRY(a, b, 0) ORTHANC_PY_CHUNKED_ENTRY(a, b, 1) \
  ORTHANC_PY_CHUNKED_ENTRY(a, b, 2) ORTHANC_PY_CHUNKED_ENTRY(a, b, 3)
#define ORTHANC_PY_CHUNKED_ENTRIES_16(a) \
  ORTHANC_PY_CHUNKED_ENTRIES_4(a, 0) ORTHANC_PY_CHUNKED_ENTRIES_4(a, 1) \
  ORTHANC_PY_CHUNKED_ENTRIES_4(a, 2) ORTHANC_PY_CHUNKED_ENTRIES_4(a, 3)

static const struct
{
  OrthancPluginRestCallback getDelete;
  OrthancPluginServerChunkedRequestReaderFactory factory;
} g_chunkedEntryPoints[ORTHANC_PY_MAX_CHUNKED_ROUTES] = {
  ORTHANC_PY_CHUNKED_ENTRIES_16(0)
  ORTHANC_PY_CHUNKED_ENTRIES_16(1)
  ORTHANC_PY_CHUNKED_ENTRIES_16(2)
  ORTHANC_PY_CHUNKED_ENTRIES_16(3)
};


/* GIL held. None -> NULL; else the callable, or -1 with TypeError. */
static int OptionalCallable(PyObject* value, const char* what, PyObject** out)
{
  *out = NULL;
  if (value == NULL || value == Py_None)
  {
    return 0;
  }
  if (OrthancPy_CheckCallable(value, what) < 0)
  {
    return -1;
  }
  *out = value;
  return 0;
}


PyObject* OrthancPyCustom_RegisterChunkedRestCallback(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "pathRegularExpression", "get", "post", "delete", "put", NULL };
  const char* regex = NULL;
  PyObject* values[4] = { NULL, NULL, NULL, NULL };
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s|OOOO:RegisterChunkedRestCallback", keywords, &regex,
                                   &values[0], &values[1], &values[2], &values[3]))
  {
    return NULL;
  }
  ChunkedRoute route;
  if (OptionalCallable(values[0], "get", &route.get) < 0 || OptionalCallable(values[1], "post", &route.post) < 0 ||
      OptionalCallable(values[2], "delete", &route.remove) < 0 || OptionalCallable(values[3], "put", &route.put) < 0)
  {
    return NULL;
  }
  if (route.get == NULL && route.post == NULL && route.remove == NULL && route.put == NULL)
  {
    PyErr_SetString(PyExc_ValueError, "RegisterChunkedRestCallback needs at least one of get, post, delete, put");
    return NULL;
  }
  if (g_chunkedRouteCount >= ORTHANC_PY_MAX_CHUNKED_ROUTES)
  {
    PyErr_Format(PyExc_RuntimeError, "at most %d chunked REST routes can be registered",
                 ORTHANC_PY_MAX_CHUNKED_ROUTES);
    return NULL;
  }

  int number = g_chunkedRouteCount++;
  Py_XINCREF(route.get);
  Py_XINCREF(route.post);
  Py_XINCREF(route.remove);
  Py_XINCREF(route.put);
  g_chunkedRoutes[number] = route;

  /* Orthanc answers 405 for a method whose handler is NULL. */
  OrthancPluginRestCallback getDelete = g_chunkedEntryPoints[number].getDelete;
  OrthancPluginServerChunkedRequestReaderFactory factory = g_chunkedEntryPoints[number].factory;
  OrthancPluginContext* context = OrthancPy_GetContext();
  /* `regex` points into the str held by `args`, alive during the call. */
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginRegisterChunkedRestCallback(context, regex, route.get != NULL ? getDelete : NULL,
                                           route.post != NULL ? factory : NULL,
                                           route.remove != NULL ? getDelete : NULL,
                                           route.put != NULL ? factory : NULL,
                                           ReaderAddChunk, ReaderExecute, ReaderFinalize);
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

#endif  /* ORTHANC_PY_HAS_OrthancPluginRegisterChunkedRestCallback */


void OrthancPyChunkedRest_Clear(void)
{
  for (int i = 0; i < g_chunkedRouteCount; i++)
  {
    Py_CLEAR(g_chunkedRoutes[i].get);
    Py_CLEAR(g_chunkedRoutes[i].post);
    Py_CLEAR(g_chunkedRoutes[i].remove);
    Py_CLEAR(g_chunkedRoutes[i].put);
  }
  g_chunkedRouteCount = 0;
}
