/*
 * orthanc.RegisterRestCallback: Python REST routes.
 *
 * Orthanc passes no user data to a REST callback, so each route gets its
 * own C entry point (a fixed table of small trampolines that only differ by
 * their route number). Orthanc's own regular-expression engine therefore
 * picks the route: no second matching in Python that could disagree with
 * it. Routes use the "NoLock" registration where the SDK has it, so
 * requests run concurrently.
 */
#include "runtime_internal.h"

#define ORTHANC_PY_MAX_ROUTES 256

/* Callables by route number, strong references, GIL-protected. */
static PyObject* g_routes[ORTHANC_PY_MAX_ROUTES];
static int g_routeCount = 0;

#if ORTHANC_PY_HAS_OrthancPluginRegisterRestCallback

typedef struct
{
  int route;
  OrthancPluginRestOutput* output;
  const char* url;
  const OrthancPluginHttpRequest* request;
} RestCall;


/* New reference to the keyword arguments of a REST callback. */
static PyObject* BuildKeywords(const OrthancPluginHttpRequest* request)
{
  PyObject* kwargs = PyDict_New();
  if (kwargs == NULL)
  {
    return NULL;
  }

  PyObject* method = OrthancPy_HttpMethodName(request->method);
  PyObject* groups = OrthancPy_TupleFromStrings(request->groupsCount, request->groups);
  PyObject* headers = OrthancPy_DictFromPairs(request->headersCount, request->headersKeys,
                                              request->headersValues);
  PyObject* get = NULL;
  PyObject* body = NULL;
  int failed = (method == NULL || groups == NULL || headers == NULL);

  if (!failed && request->method == OrthancPluginHttpMethod_Get)
  {
    get = OrthancPy_DictFromPairs(request->getCount, request->getKeys, request->getValues);
    failed = (get == NULL);
  }

  if (!failed && (request->method == OrthancPluginHttpMethod_Post ||
                  request->method == OrthancPluginHttpMethod_Put))
  {
    body = PyBytes_FromStringAndSize(request->body != NULL ? (const char*) request->body : "",
                                     (Py_ssize_t) request->bodySize);
    failed = (body == NULL);
  }

  failed = failed ||
    PyDict_SetItemString(kwargs, "method", method) < 0 ||
    PyDict_SetItemString(kwargs, "groups", groups) < 0 ||
    PyDict_SetItemString(kwargs, "headers", headers) < 0 ||
    (get != NULL && PyDict_SetItemString(kwargs, "get", get) < 0) ||
    (body != NULL && PyDict_SetItemString(kwargs, "body", body) < 0);

  Py_XDECREF(method);
  Py_XDECREF(groups);
  Py_XDECREF(headers);
  Py_XDECREF(get);
  Py_XDECREF(body);

  if (failed)
  {
    Py_DECREF(kwargs);
    return NULL;
  }
  return kwargs;
}


/* GIL held. */
static OrthancPyStatus RestBody(void* payload)
{
  const RestCall* call = payload;

  PyObject* callback = (call->route < g_routeCount) ? g_routes[call->route] : NULL;
  if (callback == NULL)
  {
    return ORTHANC_PY_ERROR_UNKNOWN_RESOURCE;
  }
  Py_INCREF(callback);

  PyObject* output = OrthancPy_WrapObject(ORTHANC_PY_CLASS_RestOutput, call->output, 0);
  PyObject* uri = (output != NULL) ? OrthancPy_StringFromSdk(call->url) : NULL;
  PyObject* args = (uri != NULL) ? PyTuple_Pack(2, output, uri) : NULL;
  PyObject* kwargs = (args != NULL) ? BuildKeywords(call->request) : NULL;
  PyObject* result = (kwargs != NULL) ? PyObject_Call(callback, args, kwargs) : NULL;

  OrthancPyStatus code = ORTHANC_PY_SUCCESS;
  if (result == NULL)
  {
    OrthancPy_LogPythonError("Error in the Python REST callback");
    code = ORTHANC_PY_ERROR_PLUGIN;
  }

  OrthancPy_Invalidate(output);
  Py_XDECREF(result);
  Py_XDECREF(kwargs);
  Py_XDECREF(args);
  Py_XDECREF(uri);
  Py_XDECREF(output);
  Py_DECREF(callback);
  return code;
}


static OrthancPyStatus HandleRoute(int route, OrthancPluginRestOutput* output, const char* url,
                                          const OrthancPluginHttpRequest* request)
{
  RestCall call;
  call.route = route;
  call.output = output;
  call.url = url;
  call.request = request;
  return OrthancPy_RunCallback(RestBody, &call);
}


/* One entry point per route number: 4 x 4 x 4 x 4 = ORTHANC_PY_MAX_ROUTES. */
#define ORTHANC_PY_ROUTE(a, b, c, d)                                                    \
  static OrthancPyStatus Route_##a##b##c##d(OrthancPluginRestOutput* output,     \
                                                   const char* url,                     \
                                                   const OrthancPluginHttpRequest* request) \
  {                                                                                     \
    return HandleRoute((a) * 64 + (b) * 16 + (c) * 4 + (d), output, url, request);      \
  }
#define ORTHANC_PY_ROUTES_4(a, b, c) \
  ORTHANC_PY_ROUTE(a, b, c, 0) ORTHANC_PY_ROUTE(a, b, c, 1) ORTHANC_PY_ROUTE(a, b, c, 2) ORTHANC_PY_ROUTE(a, b, c, 3)
#define ORTHANC_PY_ROUTES_16(a, b) \
  ORTHANC_PY_ROUTES_4(a, b, 0) ORTHANC_PY_ROUTES_4(a, b, 1) ORTHANC_PY_ROUTES_4(a, b, 2) ORTHANC_PY_ROUTES_4(a, b, 3)
#define ORTHANC_PY_ROUTES_64(a) \
  ORTHANC_PY_ROUTES_16(a, 0) ORTHANC_PY_ROUTES_16(a, 1) ORTHANC_PY_ROUTES_16(a, 2) ORTHANC_PY_ROUTES_16(a, 3)

ORTHANC_PY_ROUTES_64(0)
ORTHANC_PY_ROUTES_64(1)
ORTHANC_PY_ROUTES_64(2)
ORTHANC_PY_ROUTES_64(3)

#define ORTHANC_PY_ENTRY(a, b, c, d) Route_##a##b##c##d,
#define ORTHANC_PY_ENTRIES_4(a, b, c) \
  ORTHANC_PY_ENTRY(a, b, c, 0) ORTHANC_PY_ENTRY(a, b, c, 1) ORTHANC_PY_ENTRY(a, b, c, 2) ORTHANC_PY_ENTRY(a, b, c, 3)
#define ORTHANC_PY_ENTRIES_16(a, b) \
  ORTHANC_PY_ENTRIES_4(a, b, 0) ORTHANC_PY_ENTRIES_4(a, b, 1) ORTHANC_PY_ENTRIES_4(a, b, 2) ORTHANC_PY_ENTRIES_4(a, b, 3)
#define ORTHANC_PY_ENTRIES_64(a) \
  ORTHANC_PY_ENTRIES_16(a, 0) ORTHANC_PY_ENTRIES_16(a, 1) ORTHANC_PY_ENTRIES_16(a, 2) ORTHANC_PY_ENTRIES_16(a, 3)

static const OrthancPluginRestCallback g_entryPoints[ORTHANC_PY_MAX_ROUTES] = {
  ORTHANC_PY_ENTRIES_64(0)
  ORTHANC_PY_ENTRIES_64(1)
  ORTHANC_PY_ENTRIES_64(2)
  ORTHANC_PY_ENTRIES_64(3)
};


PyObject* OrthancPyCustom_RegisterRestCallback(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "pathRegularExpression", "callback", NULL };
  const char* regex = NULL;
  PyObject* callback = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sO:RegisterRestCallback", keywords, &regex, &callback) ||
      OrthancPy_CheckCallable(callback, "callback") < 0)
  {
    return NULL;
  }

  if (g_routeCount == ORTHANC_PY_MAX_ROUTES)
  {
    PyErr_Format(PyExc_RuntimeError, "at most %d REST routes can be registered", ORTHANC_PY_MAX_ROUTES);
    return NULL;
  }

  int route = g_routeCount++;
  Py_INCREF(callback);
  g_routes[route] = callback;

  /* `regex` points into the str held by `args`, alive during the call. */
  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
#if ORTHANC_PY_HAS_OrthancPluginRegisterRestCallbackNoLock
  OrthancPluginRegisterRestCallbackNoLock(context, regex, g_entryPoints[route]);
#else
  /* Before SDK 0.9.4, Orthanc serialises the requests of every route. */
  OrthancPluginRegisterRestCallback(context, regex, g_entryPoints[route]);
#endif
  Py_END_ALLOW_THREADS

  Py_RETURN_NONE;
}

#endif  /* ORTHANC_PY_HAS_OrthancPluginRegisterRestCallback */


void OrthancPyRest_Clear(void)
{
  for (int i = 0; i < g_routeCount; i++)
  {
    Py_CLEAR(g_routes[i]);
  }
  g_routeCount = 0;
}
