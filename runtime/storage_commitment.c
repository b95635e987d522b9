/*
 * Storage commitment SCP in Python.
 *
 *   RegisterStorageCommitmentScpCallback(factory, lookup)
 *     factory(job_id, transaction_uid, sop_class_uids: list, sop_instance_uids: list,
 *             remote_aet, called_aet) -> handler (any object)
 *   RegisterStorageCommitmentScpCallback2(factory, lookup)         SDK 1.12.10+
 *     factory(job_id, transaction_uid, sop_class_uids, sop_instance_uids,
 *             connection: DicomConnection) -> handler
 *   lookup(sop_class_uid, sop_instance_uid) -> StorageCommitmentFailureReason
 *     or lookup(sop_class_uid, sop_instance_uid, handler) when it takes three
 *     arguments (as scripts of the Orthanc project's plugin do).
 *
 * Orthanc calls the factory once per incoming request, then lookup once per
 * instance, from the request's job; the handler is released when the job is
 * done. One pair of callbacks answers all requests: a second registration
 * raises RuntimeError. An exception is logged with its traceback; in the
 * factory it fails the request, in lookup it fails that instance
 * (PROCESSING_FAILURE is reported for it).
 */
#include "callback_results.h"

#if ORTHANC_PY_HAS_OrthancPluginRegisterStorageCommitmentScpCallback || \
    ORTHANC_PY_HAS_OrthancPluginRegisterStorageCommitmentScpCallback2

/* Strong references, GIL-protected. */
static struct
{
  PyObject* factory;
  PyObject* lookup;
  int lookupTakesHandler;
} g_commitment;


typedef struct
{
  void** handler;
  const char* jobId;
  const char* transactionUid;
  const char* const* sopClassUids;
  const char* const* sopInstanceUids;
  uint32_t count;
  const char* remoteAet;
  const char* calledAet;
  const void* connection;   /* the "2" variant */
} FactoryCall;


static PyObject* ListFromStrings(uint32_t count, const char* const* values)
{
  PyObject* list = PyList_New((Py_ssize_t) count);
  for (uint32_t i = 0; list != NULL && i < count; i++)
  {
    PyObject* item = OrthancPy_StringFromSdk(values[i]);
    if (item == NULL)
    {
      Py_CLEAR(list);
      break;
    }
    PyList_SET_ITEM(list, (Py_ssize_t) i, item);  /* steals item */
  }
  return list;
}


/* GIL held. */
static OrthancPyStatus FactoryBody(void* payload)
{
  FactoryCall* call = payload;
  if (g_commitment.factory == NULL)
  {
    return ORTHANC_PY_ERROR_BAD_SEQUENCE;
  }
  PyObject* factory = g_commitment.factory;
  Py_INCREF(factory);

  PyObject* classes = ListFromStrings(call->count, call->sopClassUids);
  PyObject* instances = (classes != NULL) ? ListFromStrings(call->count, call->sopInstanceUids) : NULL;
  PyObject* jobId = (instances != NULL) ? OrthancPy_StringFromSdk(call->jobId) : NULL;
  PyObject* transaction = (jobId != NULL) ? OrthancPy_StringFromSdk(call->transactionUid) : NULL;
  PyObject* connection = NULL;
  PyObject* args = NULL;
  if (transaction != NULL)
  {
    if (call->connection != NULL)
    {
#if ORTHANC_PY_HAS_CLASS_DicomConnection
      connection = OrthancPy_WrapObject(ORTHANC_PY_CLASS_DicomConnection, call->connection, 0);
      args = (connection != NULL) ? PyTuple_Pack(5, jobId, transaction, classes, instances, connection) : NULL;
#else
      PyErr_SetString(PyExc_SystemError, "this SDK has no DicomConnection");
#endif
    }
    else
    {
      PyObject* remote = OrthancPy_StringFromSdk(call->remoteAet);
      PyObject* called = (remote != NULL) ? OrthancPy_StringFromSdk(call->calledAet) : NULL;
      args = (called != NULL) ? PyTuple_Pack(6, jobId, transaction, classes, instances, remote, called) : NULL;
      Py_XDECREF(called);
      Py_XDECREF(remote);
    }
  }

  PyObject* handler = (args != NULL) ? PyObject_Call(factory, args, NULL) : NULL;
  OrthancPyStatus code = ORTHANC_PY_SUCCESS;
  if (handler == NULL)
  {
    OrthancPy_LogPythonError("Error in the Python storage commitment factory");
    code = ORTHANC_PY_ERROR_PLUGIN;
  }
  else
  {
    /* Any object, None included, is the handler: the reference moves to
     * Orthanc until the destructor. */
    *call->handler = handler;
  }

  OrthancPy_Invalidate(connection);
  Py_XDECREF(connection);
  Py_XDECREF(args);
  Py_XDECREF(transaction);
  Py_XDECREF(jobId);
  Py_XDECREF(instances);
  Py_XDECREF(classes);
  Py_DECREF(factory);
  return code;
}


static OrthancPyStatus RunFactory(FactoryCall* call)
{
  *call->handler = NULL;
  return OrthancPy_RunCallback(FactoryBody, call);
}


typedef struct
{
  OrthancPluginStorageCommitmentFailureReason* target;
  PyObject* handler;
  const char* sopClassUid;
  const char* sopInstanceUid;
} LookupCall;


/* GIL held. */
static OrthancPyStatus LookupBody(void* payload)
{
  LookupCall* call = payload;
  if (g_commitment.lookup == NULL)
  {
    return ORTHANC_PY_ERROR_BAD_SEQUENCE;
  }
  PyObject* lookup = g_commitment.lookup;
  Py_INCREF(lookup);

  PyObject* sopClass = OrthancPy_StringFromSdk(call->sopClassUid);
  PyObject* sopInstance = (sopClass != NULL) ? OrthancPy_StringFromSdk(call->sopInstanceUid) : NULL;
  PyObject* result = NULL;
  if (sopInstance != NULL)
  {
    result = g_commitment.lookupTakesHandler ?
      PyObject_CallFunctionObjArgs(lookup, sopClass, sopInstance, call->handler, NULL) :
      PyObject_CallFunctionObjArgs(lookup, sopClass, sopInstance, NULL);
  }

  long reason = 0;
  if (result == NULL ||
      OrthancPy_ResultToInt(result, 0, 0xFFFF, &reason, "the storage commitment lookup") < 0)
  {
    OrthancPy_LogPythonError("Error in the Python storage commitment lookup");
    /* Reported to the peer for this instance; an error code would instead
     * fail the whole job, and the peer would get no report at all. */
    reason = OrthancPluginStorageCommitmentFailureReason_ProcessingFailure;
  }
  *call->target = (OrthancPluginStorageCommitmentFailureReason) reason;

  Py_XDECREF(result);
  Py_XDECREF(sopInstance);
  Py_XDECREF(sopClass);
  Py_DECREF(lookup);
  return ORTHANC_PY_SUCCESS;
}


static OrthancPluginErrorCode Lookup(OrthancPluginStorageCommitmentFailureReason* target, void* handler,
                                     const char* sopClassUid, const char* sopInstanceUid)
{
  LookupCall call;
  call.target = target;
  call.handler = handler;
  call.sopClassUid = sopClassUid;
  call.sopInstanceUid = sopInstanceUid;
  return OrthancPy_RunCallback(LookupBody, &call);
}


/* GIL held. */
static OrthancPyStatus DestroyBody(void* payload)
{
  PyObject* handler = payload;
  Py_DECREF(handler);
  return ORTHANC_PY_SUCCESS;
}


static void Destroy(void* handler)
{
  if (handler != NULL)
  {
    OrthancPy_RunCallback(DestroyBody, handler);
  }
}


/* GIL held: 1 if lookup accepts (class, instance, handler), else 0 (it is
 * then called with two arguments, the form of the design contract). */
static int TakesHandler(PyObject* lookup)
{
  PyObject* inspect = PyImport_ImportModule("inspect");
  PyObject* signature = (inspect != NULL) ? PyObject_CallMethod(inspect, "signature", "O", lookup) : NULL;
  PyObject* bound = (signature != NULL) ? PyObject_CallMethod(signature, "bind", "sss", "", "", "") : NULL;
  int takes = (bound != NULL);
  Py_XDECREF(bound);
  Py_XDECREF(signature);
  Py_XDECREF(inspect);
  PyErr_Clear();   /* no signature (some builtins) or a TypeError from bind */
  return takes;
}


/* GIL held: parses and keeps the two callables. */
static int Claim(PyObject* args, PyObject* kwargs, const char* format)
{
  static char* keywords[] = { "factory", "lookup", NULL };
  PyObject* factory = NULL;
  PyObject* lookup = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, format, keywords, &factory, &lookup) ||
      OrthancPy_CheckCallable(factory, "factory") < 0 ||
      OrthancPy_CheckCallable(lookup, "lookup") < 0)
  {
    return -1;
  }
  if (g_commitment.factory != NULL)
  {
    PyErr_SetString(PyExc_RuntimeError, "a storage commitment SCP callback is already registered");
    return -1;
  }
  Py_INCREF(factory);
  Py_INCREF(lookup);
  g_commitment.factory = factory;
  g_commitment.lookup = lookup;
  g_commitment.lookupTakesHandler = TakesHandler(lookup);
  return 0;
}


static PyObject* Registered(OrthancPyStatus code)
{
  if (code != ORTHANC_PY_SUCCESS)
  {
    OrthancPyStorageCommitment_Clear();
    return OrthancPy_SetStatusError(code);
  }
  Py_RETURN_NONE;
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginRegisterStorageCommitmentScpCallback

static OrthancPluginErrorCode Factory(void** handler, const char* jobId, const char* transactionUid,
                                      const char* const* sopClassUids, const char* const* sopInstanceUids,
                                      uint32_t countInstances, const char* remoteAet, const char* calledAet)
{
  FactoryCall call;
  call.handler = handler;
  call.jobId = jobId;
  call.transactionUid = transactionUid;
  call.sopClassUids = sopClassUids;
  call.sopInstanceUids = sopInstanceUids;
  call.count = countInstances;
  call.remoteAet = remoteAet;
  call.calledAet = calledAet;
  call.connection = NULL;
  return RunFactory(&call);
}


PyObject* OrthancPyCustom_RegisterStorageCommitmentScpCallback(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  if (Claim(args, kwargs, "OO:RegisterStorageCommitmentScpCallback") < 0)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyStatus code = ORTHANC_PY_SUCCESS;
  Py_BEGIN_ALLOW_THREADS
#if ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER == 1 && ORTHANC_PLUGINS_MINIMAL_MINOR_NUMBER == 6 && \
    ORTHANC_PLUGINS_MINIMAL_REVISION_NUMBER == 0
  /* SDK 1.6.0 (only) declares this registration without a result. */
  OrthancPluginRegisterStorageCommitmentScpCallback(context, Factory, Destroy, Lookup);
#else
  code = OrthancPluginRegisterStorageCommitmentScpCallback(context, Factory, Destroy, Lookup);
#endif
  Py_END_ALLOW_THREADS
  return Registered(code);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginRegisterStorageCommitmentScpCallback2

static OrthancPluginErrorCode Factory2(void** handler, const char* jobId, const char* transactionUid,
                                       const char* const* sopClassUids, const char* const* sopInstanceUids,
                                       uint32_t countInstances, const OrthancPluginDicomConnection* connection)
{
  FactoryCall call;
  call.handler = handler;
  call.jobId = jobId;
  call.transactionUid = transactionUid;
  call.sopClassUids = sopClassUids;
  call.sopInstanceUids = sopInstanceUids;
  call.count = countInstances;
  call.remoteAet = NULL;
  call.calledAet = NULL;
  call.connection = connection;
  return RunFactory(&call);
}


PyObject* OrthancPyCustom_RegisterStorageCommitmentScpCallback2(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  if (Claim(args, kwargs, "OO:RegisterStorageCommitmentScpCallback2") < 0)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPyStatus code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRegisterStorageCommitmentScpCallback2(context, Factory2, Destroy, Lookup);
  Py_END_ALLOW_THREADS
  return Registered(code);
}

#endif


void OrthancPyStorageCommitment_Clear(void)
{
#if ORTHANC_PY_HAS_OrthancPluginRegisterStorageCommitmentScpCallback || \
    ORTHANC_PY_HAS_OrthancPluginRegisterStorageCommitmentScpCallback2
  Py_CLEAR(g_commitment.factory);
  Py_CLEAR(g_commitment.lookup);
  g_commitment.lookupTakesHandler = 0;
#endif
}
