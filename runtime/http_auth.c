/*
 * HTTP authentication and audit logs (SDK 1.12.9+).
 *
 *   RegisterHttpAuthentication(cb)
 *       cb(uri, ip=str, headers=dict, get=dict) -> status | (status, value)
 *       status: an orthanc.HttpAuthenticationStatus (GRANTED, UNAUTHORIZED
 *       -> 401, FORBIDDEN -> 403, REDIRECT -> 307); value: with GRANTED the
 *       custom payload Orthanc hands to the request's handler (bytes or
 *       str), with REDIRECT the path to redirect to (str).
 *   RegisterAuditLogHandler(cb)
 *       cb(source_plugin, user_id, resource_type, resource_id, action,
 *          log_data: bytes) for every audit log a plugin emits
 *       (orthanc.EmitAuditLog).
 *
 * Orthanc accepts one authentication callback for all plugins, so a second
 * registration raises RuntimeError; once it is installed Orthanc's own
 * "RegisteredUsers" authentication is off. An exception (or a result of the
 * wrong shape) is logged with its traceback and the C callback fails, which
 * Orthanc answers with HTTP 500: a failing authenticator must not let anybody
 * in. Audit log handlers may be
 * several; they run in registration order, an exception is logged and the
 * next handler still runs.
 */
#include "runtime_internal.h"
#include "callback_results.h"

static PyObject* g_authentication = NULL;   /* the callable, GIL-protected */
static PyObject* g_auditHandlers = NULL;    /* list, GIL-protected */


#if ORTHANC_PY_HAS_OrthancPluginRegisterHttpAuthentication

typedef struct
{
  OrthancPluginHttpAuthenticationStatus* status;
  OrthancPluginMemoryBuffer* customPayload;
  OrthancPluginMemoryBuffer* redirection;
  const char* uri;
  OrthancPyRequestInfo request;
} AuthenticationCall;


/* GIL held: bytes for a str (UTF-8) or a bytes-like value into `target`,
 * allocated through Orthanc. */
static int ValueToBuffer(PyObject* value, OrthancPluginMemoryBuffer* target, const char* what)
{
  if (PyUnicode_Check(value))
  {
    PyObject* encoded = PyUnicode_AsUTF8String(value);
    int done = (encoded != NULL) ? OrthancPy_ResultToBuffer(encoded, target, what) : -1;
    Py_XDECREF(encoded);
    return done;
  }
  return OrthancPy_ResultToBuffer(value, target, what);
}


/* GIL held: the result of the Python callback into the SDK's outputs. */
static int ReadVerdict(PyObject* result, AuthenticationCall* call)
{
  PyObject* statusObject = result;   /* borrowed */
  PyObject* value = NULL;            /* borrowed */
  if (PyTuple_Check(result))
  {
    if (PyTuple_GET_SIZE(result) != 2)
    {
      PyErr_SetString(PyExc_TypeError, "the HTTP authentication callback must return a status or (status, value)");
      return -1;
    }
    statusObject = PyTuple_GET_ITEM(result, 0);
    value = PyTuple_GET_ITEM(result, 1);
  }
  if (statusObject == Py_None)
  {
    /* None would otherwise be "forgot to return": refuse with a clear message. */
    PyErr_SetString(PyExc_TypeError, "the HTTP authentication callback must return an HttpAuthenticationStatus, "
                    "not None");
    return -1;
  }
  long status;
  if (OrthancPy_ResultToInt(statusObject, OrthancPluginHttpAuthenticationStatus_Granted,
                            OrthancPluginHttpAuthenticationStatus_Redirect, &status,
                            "the HTTP authentication callback") < 0)
  {
    return -1;
  }
  if (status == OrthancPluginHttpAuthenticationStatus_Redirect)
  {
    if (value == NULL || !PyUnicode_Check(value))
    {
      PyErr_SetString(PyExc_TypeError, "the HTTP authentication callback must return (REDIRECT, path: str)");
      return -1;
    }
    if (ValueToBuffer(value, call->redirection, "the HTTP authentication callback") < 0)
    {
      return -1;
    }
  }
  else if (status == OrthancPluginHttpAuthenticationStatus_Granted && value != NULL && value != Py_None)
  {
    if (ValueToBuffer(value, call->customPayload, "the HTTP authentication callback") < 0)
    {
      return -1;
    }
  }
  *call->status = (OrthancPluginHttpAuthenticationStatus) status;
  return 0;
}


/* GIL held. */
static OrthancPyStatus AuthenticationBody(void* payload)
{
  AuthenticationCall* call = payload;
  if (g_authentication == NULL)
  {
    /* Reset in progress: the script that would decide is gone. */
    return ORTHANC_PY_ERROR_BAD_SEQUENCE;
  }
  PyObject* callback = g_authentication;
  Py_INCREF(callback);   /* owned for the call */

  PyObject* uri = OrthancPy_StringFromSdk(call->uri);
  PyObject* kwargs = (uri != NULL) ? PyDict_New() : NULL;
  PyObject* args = (kwargs != NULL && OrthancPy_AddRequestKeywords(kwargs, &call->request) == 0) ?
    PyTuple_Pack(1, uri) : NULL;
  PyObject* result = (args != NULL) ? PyObject_Call(callback, args, kwargs) : NULL;

  OrthancPyStatus status = ORTHANC_PY_SUCCESS;
  if (result == NULL || ReadVerdict(result, call) < 0)
  {
    OrthancPy_LogPythonError("Error in the Python HTTP authentication callback (the request is refused)");
    *call->status = OrthancPluginHttpAuthenticationStatus_Unauthorized;
    status = ORTHANC_PY_ERROR_PLUGIN;
  }

  Py_XDECREF(result);
  Py_XDECREF(args);
  Py_XDECREF(kwargs);
  Py_XDECREF(uri);
  Py_DECREF(callback);
  return status;
}


static OrthancPluginErrorCode Authenticate(OrthancPluginHttpAuthenticationStatus* status,
                                           OrthancPluginMemoryBuffer* customPayload,
                                           OrthancPluginMemoryBuffer* redirection,
                                           const char* uri, const char* ip,
                                           uint32_t headersCount, const char* const* headersKeys,
                                           const char* const* headersValues,
                                           uint32_t getCount, const char* const* getKeys,
                                           const char* const* getValues)
{
  AuthenticationCall call = { status, customPayload, redirection, uri,
                              { ip, headersCount, headersKeys, headersValues, getCount, getKeys, getValues } };
  /* Refused unless the Python callback grants it. */
  *status = OrthancPluginHttpAuthenticationStatus_Unauthorized;
  return OrthancPy_RunCallback(AuthenticationBody, &call);
}


PyObject* OrthancPyCustom_RegisterHttpAuthentication(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "callback", NULL };
  PyObject* callback = NULL;   /* borrowed from args/kwargs */
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:RegisterHttpAuthentication", keywords, &callback) ||
      OrthancPy_CheckCallable(callback, "callback") < 0)
  {
    return NULL;
  }
  if (g_authentication != NULL)
  {
    PyErr_SetString(PyExc_RuntimeError, "an HTTP authentication callback is already registered (Orthanc accepts one)");
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRegisterHttpAuthentication(context, Authenticate);
  Py_END_ALLOW_THREADS
  if (code != OrthancPluginErrorCode_Success)
  {
    return OrthancPy_SetSdkError(code);
  }
  Py_INCREF(callback);
  g_authentication = callback;
  Py_RETURN_NONE;
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginRegisterAuditLogHandler

typedef struct
{
  const char* sourcePlugin;
  const char* userId;
  OrthancPluginResourceType resourceType;
  const char* resourceId;
  const char* action;
  const void* logData;
  uint32_t logDataSize;
} AuditLogCall;


/* GIL held. */
static OrthancPyStatus AuditLogBody(void* payload)
{
  AuditLogCall* call = payload;
  PyObject* handlers = (g_auditHandlers != NULL) ? PySequence_Tuple(g_auditHandlers) : PyTuple_New(0);
  PyObject* source = (handlers != NULL) ? OrthancPy_StringFromSdk(call->sourcePlugin) : NULL;
  PyObject* user = (source != NULL) ? OrthancPy_StringFromSdk(call->userId) : NULL;
  PyObject* type = (user != NULL) ? PyLong_FromLong((long) call->resourceType) : NULL;
  PyObject* resource = (type != NULL) ? OrthancPy_StringFromSdk(call->resourceId) : NULL;
  PyObject* action = (resource != NULL) ? OrthancPy_StringFromSdk(call->action) : NULL;
  PyObject* data = (action != NULL) ?
    PyBytes_FromStringAndSize(call->logData != NULL ? call->logData : "", (Py_ssize_t) call->logDataSize) : NULL;

  OrthancPyStatus status = ORTHANC_PY_SUCCESS;
  if (data == NULL)
  {
    OrthancPy_LogPythonError("Error while preparing an audit log for Python");
    status = ORTHANC_PY_ERROR_PLUGIN;
  }
  for (Py_ssize_t i = 0; data != NULL && i < PyTuple_GET_SIZE(handlers); i++)
  {
    PyObject* result = PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM(handlers, i), source, user, type, resource,
                                                    action, data, NULL);
    if (result == NULL)
    {
      OrthancPy_LogPythonError("Error in the Python audit log handler");
      status = ORTHANC_PY_ERROR_PLUGIN;
    }
    Py_XDECREF(result);
  }

  Py_XDECREF(data);
  Py_XDECREF(action);
  Py_XDECREF(resource);
  Py_XDECREF(type);
  Py_XDECREF(user);
  Py_XDECREF(source);
  Py_XDECREF(handlers);
  return status;
}


static OrthancPluginErrorCode HandleAuditLog(const char* sourcePlugin, const char* userId,
                                             OrthancPluginResourceType resourceType, const char* resourceId,
                                             const char* action, const void* logData, uint32_t logDataSize)
{
  AuditLogCall call = { sourcePlugin, userId, resourceType, resourceId, action, logData, logDataSize };
  return OrthancPy_RunCallback(AuditLogBody, &call);
}


static OrthancPyStatus RegisterAuditLog(OrthancPluginContext* context)
{
  return OrthancPluginRegisterAuditLogHandler(context, HandleAuditLog);
}


PyObject* OrthancPyCustom_RegisterAuditLogHandler(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return OrthancPy_AddListedCallback(args, kwargs, "O:RegisterAuditLogHandler", &g_auditHandlers, RegisterAuditLog);
}

#endif


void OrthancPyHttpAuth_Clear(void)
{
  Py_CLEAR(g_authentication);
  Py_CLEAR(g_auditHandlers);
}
