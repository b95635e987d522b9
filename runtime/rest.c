/*
 * orthanc.RegisterRestCallback: Python REST routes.
 *
 * Orthanc passes no user data to a REST callback, so each route gets its
 * own C entry point (a fixed table of small trampolines that only differ by
 * their route number). Orthanc's own regular-expression engine therefore
 * picks the route: no second matching in Python that could disagree with
 * it. Routes use the "NoLock" registration where the SDK has it, so
 * requests run concurrently.
 *
 * Routes past the table share one more entry point, which finds its route
 * again by matching the URL with Python's `re` in registration order (the
 * order in which Orthanc tries routes too). Scripts written for plugins
 * without a route limit keep working; only those routes depend on the two
 * regular-expression dialects agreeing.
 */
#include "runtime_internal.h"

#define ORTHANC_PY_MAX_ROUTES 256

/* Callables by route number, strong references, GIL-protected. */
static PyObject* g_routes[ORTHANC_PY_MAX_ROUTES];
static int g_routeCount = 0;

/* Routes past the table: list of (compiled pattern, callable) tuples, owned, GIL-protected. */
static PyObject* g_overflowRoutes = NULL;

#define ORTHANC_PY_OVERFLOW_ROUTE (-1)

#if ORTHANC_PY_HAS_OrthancPluginRegisterRestCallback

typedef struct
{
  int route;
  OrthancPluginRestOutput* output;
  const char* url;
  const OrthancPluginHttpRequest* request;
} RestCall;


/* Declared in runtime_internal.h: chunked_rest.c builds the same arguments. */
PyObject* OrthancPyRest_BuildKeywords(const OrthancPluginHttpRequest* request)
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


/* GIL held. New reference to the callable of the first route past the table whose pattern
 * matches the whole URL, or NULL (an error is logged if matching itself failed). */
static PyObject* FindOverflowRoute(PyObject* uri)
{
  Py_ssize_t count = (g_overflowRoutes != NULL) ? PyList_GET_SIZE(g_overflowRoutes) : 0;
  for (Py_ssize_t i = 0; i < count; i++)
  {
    PyObject* entry = PyList_GET_ITEM(g_overflowRoutes, i);  /* borrowed */
    PyObject* match = PyObject_CallMethod(PyTuple_GET_ITEM(entry, 0), "fullmatch", "O", uri);
    if (match == NULL)
    {
      OrthancPy_LogPythonError("Error while matching a REST route");
      return NULL;
    }
    int matched = (match != Py_None);
    Py_DECREF(match);
    if (matched)
    {
      PyObject* callback = PyTuple_GET_ITEM(entry, 1);
      Py_INCREF(callback);
      return callback;
    }
  }
  OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_ERROR,
                          "Orthanc routed a request to a Python REST route that Python's re module does not match");
  return NULL;
}


/* GIL held. */
static OrthancPyStatus RestBody(void* payload)
{
  const RestCall* call = payload;

  PyObject* uri = OrthancPy_StringFromSdk(call->url);
  if (uri == NULL)
  {
    OrthancPy_LogPythonError("Error in the Python REST callback");
    return ORTHANC_PY_ERROR_PLUGIN;
  }

  PyObject* callback = NULL;  /* owned */
  if (call->route == ORTHANC_PY_OVERFLOW_ROUTE)
  {
    callback = FindOverflowRoute(uri);
  }
  else if (call->route < g_routeCount && g_routes[call->route] != NULL)
  {
    callback = g_routes[call->route];
    Py_INCREF(callback);
  }
  if (callback == NULL)
  {
    Py_DECREF(uri);
    return ORTHANC_PY_ERROR_UNKNOWN_RESOURCE;
  }

  PyObject* output = OrthancPy_WrapObject(ORTHANC_PY_CLASS_RestOutput, call->output, 0);
  PyObject* args = (uri != NULL) ? PyTuple_Pack(2, output, uri) : NULL;
  PyObject* kwargs = (args != NULL) ? OrthancPyRest_BuildKeywords(call->request) : NULL;
  PyObject* result = (kwargs != NULL) ? PyObject_Call(callback, args, kwargs) : NULL;

  OrthancPyStatus code = ORTHANC_PY_SUCCESS;
  if (result == NULL)
  {
    OrthancPy_LogPythonError("Error in the Python REST callback");
    code = ORTHANC_PY_ERROR_PLUGIN;
  }

  if (output != NULL)
  {
    OrthancPy_Invalidate(output);
  }
  Py_XDECREF(result);
  Py_XDECREF(kwargs);
  Py_XDECREF(args);
  Py_DECREF(uri);
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

static OrthancPyStatus Route_Overflow(OrthancPluginRestOutput* output, const char* url,
                                      const OrthancPluginHttpRequest* request)
{
  return HandleRoute(ORTHANC_PY_OVERFLOW_ROUTE, output, url, request);
}

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


/* GIL held. Appends (re.compile(regex), callback) to the routes past the table. */
static int AddOverflowRoute(const char* regex, PyObject* callback)
{
  if (g_overflowRoutes == NULL && (g_overflowRoutes = PyList_New(0)) == NULL)
  {
    return -1;
  }
  PyObject* re = PyImport_ImportModule("re");
  PyObject* pattern = (re != NULL) ? PyObject_CallMethod(re, "compile", "s", regex) : NULL;
  Py_XDECREF(re);
  if (pattern == NULL)
  {
    /* Orthanc would accept the route, but this one could never be found again. */
#if PY_VERSION_HEX >= 0x030C0000
    PyObject* reason = PyErr_GetRaisedException();
#else
    PyObject* type = NULL;
    PyObject* reason = NULL;
    PyObject* traceback = NULL;
    PyErr_Fetch(&type, &reason, &traceback);
    Py_XDECREF(type);
    Py_XDECREF(traceback);
#endif
    PyErr_Format(PyExc_ValueError, "REST routes past the first %d are matched with Python's re module, "
                 "which cannot compile %s: %S", ORTHANC_PY_MAX_ROUTES, regex, reason != NULL ? reason : Py_None);
    Py_XDECREF(reason);
    return -1;
  }
  PyObject* entry = PyTuple_Pack(2, pattern, callback);
  Py_DECREF(pattern);
  int status = (entry != NULL) ? PyList_Append(g_overflowRoutes, entry) : -1;
  Py_XDECREF(entry);
  return status;
}


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

  OrthancPluginRestCallback entryPoint;
  if (g_routeCount < ORTHANC_PY_MAX_ROUTES)
  {
    int route = g_routeCount++;
    Py_INCREF(callback);
    g_routes[route] = callback;
    entryPoint = g_entryPoints[route];
  }
  else if (AddOverflowRoute(regex, callback) < 0)
  {
    return NULL;
  }
  else
  {
    entryPoint = Route_Overflow;
  }

  /* `regex` points into the str held by `args`, alive during the call. */
  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
#if ORTHANC_PY_HAS_OrthancPluginRegisterRestCallbackNoLock
  OrthancPluginRegisterRestCallbackNoLock(context, regex, entryPoint);
#else
  /* Before SDK 0.9.4, Orthanc serialises the requests of every route. */
  OrthancPluginRegisterRestCallback(context, regex, entryPoint);
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
  Py_CLEAR(g_overflowRoutes);
}
