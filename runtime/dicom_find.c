/*
 * C-FIND SCP in Python: orthanc.RegisterFindCallback / RegisterWorklistCallback,
 * and their SDK 1.12.10 variants that receive the DICOM connection.
 *
 *   RegisterFindCallback(cb)       cb(answers: FindAnswers, query: FindQuery, issuer_aet, called_aet)
 *   RegisterFindCallback2(cb)      cb(answers, query, connection: DicomConnection)
 *   RegisterWorklistCallback(cb)   cb(answers: WorklistAnswers, query: WorklistQuery, issuer_aet, called_aet)
 *   RegisterWorklistCallback2(cb)  cb(answers, query, connection)
 *
 * Orthanc hands each kind of query to one handler, so each kind (C-FIND,
 * worklist) takes one registration; a second one raises RuntimeError. The
 * objects are valid during the call only. An exception is logged with its
 * traceback and the query fails: the DICOM peer receives a failure status.
 */
#include "runtime_internal.h"

#if ORTHANC_PY_HAS_OrthancPluginRegisterFindCallback || ORTHANC_PY_HAS_OrthancPluginRegisterWorklistCallback

typedef enum
{
  QUERY_FIND,
  QUERY_WORKLIST
} QueryKind;

/* Strong references, GIL-protected, by QueryKind. */
static PyObject* g_handlers[2];

typedef struct
{
  QueryKind kind;
  void* answers;
  const void* query;
  const char* issuerAet;
  const char* calledAet;
  const void* connection;   /* non-NULL for the "2" variants */
} QueryCall;


/* GIL held. */
static OrthancPyStatus QueryBody(void* payload)
{
  const QueryCall* call = payload;
  PyObject* callback = g_handlers[call->kind];
  if (callback == NULL)
  {
    return ORTHANC_PY_ERROR_BAD_SEQUENCE;
  }
  Py_INCREF(callback);

  /* SDK 0.9.5 has worklists but no C-FIND classes yet. */
  OrthancPyClassId answersClass;
  OrthancPyClassId queryClass;
#if ORTHANC_PY_HAS_CLASS_FindAnswers && ORTHANC_PY_HAS_CLASS_FindQuery
  if (call->kind == QUERY_FIND)
  {
    answersClass = ORTHANC_PY_CLASS_FindAnswers;
    queryClass = ORTHANC_PY_CLASS_FindQuery;
  }
  else
#endif
  {
    answersClass = ORTHANC_PY_CLASS_WorklistAnswers;
    queryClass = ORTHANC_PY_CLASS_WorklistQuery;
  }

  PyObject* answers = OrthancPy_WrapObject(answersClass, call->answers, 0);
  PyObject* query = (answers != NULL) ? OrthancPy_WrapObject(queryClass, call->query, 0) : NULL;
  PyObject* connection = NULL;
  PyObject* args = NULL;
  if (query != NULL)
  {
    if (call->connection != NULL)
    {
#if ORTHANC_PY_HAS_CLASS_DicomConnection
      connection = OrthancPy_WrapObject(ORTHANC_PY_CLASS_DicomConnection, call->connection, 0);
      args = (connection != NULL) ? PyTuple_Pack(3, answers, query, connection) : NULL;
#else
      PyErr_SetString(PyExc_SystemError, "this SDK has no DicomConnection");
#endif
    }
    else
    {
      PyObject* issuer = OrthancPy_StringFromSdk(call->issuerAet);
      PyObject* called = (issuer != NULL) ? OrthancPy_StringFromSdk(call->calledAet) : NULL;
      args = (called != NULL) ? PyTuple_Pack(4, answers, query, issuer, called) : NULL;
      Py_XDECREF(called);
      Py_XDECREF(issuer);
    }
  }

  PyObject* result = (args != NULL) ? PyObject_Call(callback, args, NULL) : NULL;
  OrthancPyStatus code = ORTHANC_PY_SUCCESS;
  if (result == NULL)
  {
    OrthancPy_LogPythonError(call->kind == QUERY_FIND ? "Error in the Python C-FIND callback" :
                             "Error in the Python worklist callback");
    code = ORTHANC_PY_ERROR_PLUGIN;
  }

  OrthancPy_Invalidate(answers);
  OrthancPy_Invalidate(query);
  OrthancPy_Invalidate(connection);
  Py_XDECREF(result);
  Py_XDECREF(args);
  Py_XDECREF(connection);
  Py_XDECREF(query);
  Py_XDECREF(answers);
  Py_DECREF(callback);
  return code;
}


static OrthancPyStatus RunQuery(QueryKind kind, void* answers, const void* query, const char* issuerAet,
                                const char* calledAet, const void* connection)
{
  QueryCall call;
  call.kind = kind;
  call.answers = answers;
  call.query = query;
  call.issuerAet = issuerAet;
  call.calledAet = calledAet;
  call.connection = connection;
  return OrthancPy_RunCallback(QueryBody, &call);
}


/* GIL held: parses the single callback argument and claims the slot. */
static PyObject* Claim(QueryKind kind, PyObject* args, PyObject* kwargs, const char* format)
{
  static char* keywords[] = { "callback", NULL };
  PyObject* callback = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, format, keywords, &callback) ||
      OrthancPy_CheckCallable(callback, "callback") < 0)
  {
    return NULL;
  }
  if (g_handlers[kind] != NULL)
  {
    PyErr_SetString(PyExc_RuntimeError, kind == QUERY_FIND ?
                    "a C-FIND callback is already registered (Orthanc accepts one)" :
                    "a worklist callback is already registered (Orthanc accepts one)");
    return NULL;
  }
  Py_INCREF(callback);
  g_handlers[kind] = callback;
  return callback;
}


/* GIL held: the SDK's answer to a registration. */
static PyObject* Registered(QueryKind kind, OrthancPyStatus code)
{
  if (code != ORTHANC_PY_SUCCESS)
  {
    Py_CLEAR(g_handlers[kind]);
    return OrthancPy_SetStatusError(code);
  }
  Py_RETURN_NONE;
}


#if ORTHANC_PY_HAS_OrthancPluginRegisterFindCallback

static OrthancPyStatus OnFind(OrthancPluginFindAnswers* answers, const OrthancPluginFindQuery* query,
                              const char* issuerAet, const char* calledAet)
{
  return RunQuery(QUERY_FIND, answers, query, issuerAet, calledAet, NULL);
}

PyObject* OrthancPyCustom_RegisterFindCallback(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  if (Claim(QUERY_FIND, args, kwargs, "O:RegisterFindCallback") == NULL)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyStatus code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRegisterFindCallback(context, OnFind);
  Py_END_ALLOW_THREADS
  return Registered(QUERY_FIND, code);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginRegisterFindCallback2

static OrthancPluginErrorCode OnFind2(OrthancPluginFindAnswers* answers, const OrthancPluginFindQuery* query,
                                      const OrthancPluginDicomConnection* connection)
{
  return RunQuery(QUERY_FIND, answers, query, NULL, NULL, connection);
}

PyObject* OrthancPyCustom_RegisterFindCallback2(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  if (Claim(QUERY_FIND, args, kwargs, "O:RegisterFindCallback2") == NULL)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyStatus code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRegisterFindCallback2(context, OnFind2);
  Py_END_ALLOW_THREADS
  return Registered(QUERY_FIND, code);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginRegisterWorklistCallback

static OrthancPyStatus OnWorklist(OrthancPluginWorklistAnswers* answers, const OrthancPluginWorklistQuery* query,
                                  const char* issuerAet, const char* calledAet)
{
  return RunQuery(QUERY_WORKLIST, answers, query, issuerAet, calledAet, NULL);
}

PyObject* OrthancPyCustom_RegisterWorklistCallback(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  if (Claim(QUERY_WORKLIST, args, kwargs, "O:RegisterWorklistCallback") == NULL)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyStatus code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRegisterWorklistCallback(context, OnWorklist);
  Py_END_ALLOW_THREADS
  return Registered(QUERY_WORKLIST, code);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginRegisterWorklistCallback2

static OrthancPluginErrorCode OnWorklist2(OrthancPluginWorklistAnswers* answers,
                                          const OrthancPluginWorklistQuery* query,
                                          const OrthancPluginDicomConnection* connection)
{
  return RunQuery(QUERY_WORKLIST, answers, query, NULL, NULL, connection);
}

PyObject* OrthancPyCustom_RegisterWorklistCallback2(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  if (Claim(QUERY_WORKLIST, args, kwargs, "O:RegisterWorklistCallback2") == NULL)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyStatus code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRegisterWorklistCallback2(context, OnWorklist2);
  Py_END_ALLOW_THREADS
  return Registered(QUERY_WORKLIST, code);
}

#endif


void OrthancPyDicomFind_Clear(void)
{
  Py_CLEAR(g_handlers[QUERY_FIND]);
  Py_CLEAR(g_handlers[QUERY_WORKLIST]);
}

#else

void OrthancPyDicomFind_Clear(void)
{
}

#endif
