/*
 * orthanc.RegisterIncomingHttpRequestFilter: a request is allowed only if
 * every registered filter allows it. Filters run in registration order and
 * the first refusal decides (the later filters are not asked).
 */
#include "runtime_internal.h"

static PyObject* g_filters = NULL;   /* list, GIL-protected */


/* Shared with http_auth.c: both callbacks get the request's details as the
 * same keywords, so that one script can serve either. Outside the SDK guard
 * below because the authentication callback needs it on its own. */
int OrthancPy_AddRequestKeywords(PyObject* kwargs, const OrthancPyRequestInfo* request)
{
  PyObject* ip = OrthancPy_StringFromSdk(request->ip);
  PyObject* headers = OrthancPy_DictFromPairs(request->headersCount, request->headersKeys, request->headersValues);
  PyObject* get = OrthancPy_DictFromPairs(request->getCount, request->getKeys, request->getValues);
  int done = -1;
  if (ip != NULL && headers != NULL && get != NULL && PyDict_SetItemString(kwargs, "ip", ip) == 0 &&
      PyDict_SetItemString(kwargs, "headers", headers) == 0 && PyDict_SetItemString(kwargs, "get", get) == 0)
  {
    done = 0;
  }
  Py_XDECREF(ip);
  Py_XDECREF(headers);
  Py_XDECREF(get);
  return done;
}

#if ORTHANC_PY_HAS_OrthancPluginRegisterIncomingHttpRequestFilter2

typedef struct
{
  OrthancPluginHttpMethod method;
  const char* uri;
  OrthancPyRequestInfo request;
  int32_t verdict;      /* 1 allowed, 0 forbidden, -1 error */
} FilterCall;


static PyObject* BuildKeywords(const FilterCall* call)
{
  PyObject* method = OrthancPy_HttpMethodName(call->method);
  PyObject* kwargs = (method != NULL) ? Py_BuildValue("{sO}", "method", method) : NULL;
  if (kwargs != NULL && OrthancPy_AddRequestKeywords(kwargs, &call->request) < 0)
  {
    Py_CLEAR(kwargs);
  }
  Py_XDECREF(method);
  return kwargs;
}


/* GIL held. */
static OrthancPyStatus FilterBody(void* payload)
{
  FilterCall* call = payload;
  call->verdict = 1;

  PyObject* filters = (g_filters != NULL) ? PySequence_Tuple(g_filters) : PyTuple_New(0);
  PyObject* uri = (filters != NULL) ? OrthancPy_StringFromSdk(call->uri) : NULL;
  PyObject* args = (uri != NULL) ? PyTuple_Pack(1, uri) : NULL;
  PyObject* kwargs = (args != NULL) ? BuildKeywords(call) : NULL;

  if (kwargs == NULL)
  {
    OrthancPy_LogPythonError("Cannot call the Python HTTP request filters");
    call->verdict = -1;
  }
  else
  {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(filters) && call->verdict == 1; i++)
    {
      PyObject* result = PyObject_Call(PyTuple_GET_ITEM(filters, i), args, kwargs);
      int allowed = (result != NULL) ? PyObject_IsTrue(result) : -1;
      Py_XDECREF(result);
      if (allowed < 0)
      {
        OrthancPy_LogPythonError("Error in the Python incoming HTTP request filter");
        call->verdict = -1;
      }
      else if (!allowed)
      {
        call->verdict = 0;
      }
    }
  }

  Py_XDECREF(kwargs);
  Py_XDECREF(args);
  Py_XDECREF(uri);
  Py_XDECREF(filters);
  return ORTHANC_PY_SUCCESS;
}


static int32_t FilterHttpRequest(OrthancPluginHttpMethod method,
                                 const char* uri,
                                 const char* ip,
                                 uint32_t headersCount,
                                 const char* const* headersKeys,
                                 const char* const* headersValues,
                                 uint32_t getArgumentsCount,
                                 const char* const* getArgumentsKeys,
                                 const char* const* getArgumentsValues)
{
  FilterCall call;
  call.method = method;
  call.uri = uri;
  call.request.ip = ip;
  call.request.headersCount = headersCount;
  call.request.headersKeys = headersKeys;
  call.request.headersValues = headersValues;
  call.request.getCount = getArgumentsCount;
  call.request.getKeys = getArgumentsKeys;
  call.request.getValues = getArgumentsValues;
  call.verdict = -1;

  if (OrthancPy_RunCallback(FilterBody, &call) != ORTHANC_PY_SUCCESS)
  {
    return -1;
  }
  return call.verdict;
}


static OrthancPyStatus RegisterWithOrthanc(OrthancPluginContext* context)
{
  OrthancPluginRegisterIncomingHttpRequestFilter2(context, FilterHttpRequest);
  return ORTHANC_PY_SUCCESS;
}


PyObject* OrthancPyCustom_RegisterIncomingHttpRequestFilter(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return OrthancPy_AddListedCallback(args, kwargs, "O:RegisterIncomingHttpRequestFilter", &g_filters, RegisterWithOrthanc);
}

#endif  /* ORTHANC_PY_HAS_OrthancPluginRegisterIncomingHttpRequestFilter2 */


void OrthancPyHttpFilter_Clear(void)
{
  Py_CLEAR(g_filters);
}
