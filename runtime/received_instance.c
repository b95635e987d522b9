/*
 * orthanc.RegisterReceivedInstanceCallback(cb): keep, modify or discard each
 * DICOM instance Orthanc receives (REST, C-STORE, plugins...), before it is
 * stored.
 *
 *   cb(data: bytes, origin: int) -> (ReceivedInstanceAction, bytes or None)
 *
 * KEEP_AS_IS keeps the data, MODIFY replaces it by the bytes of the tuple,
 * DISCARD drops the instance. A bare ReceivedInstanceAction is accepted for
 * KEEP_AS_IS and DISCARD. Several callbacks may be registered: they run in
 * registration order, each receiving the data as the previous ones left
 * it; the first DISCARD ends the chain. (Orthanc lets a single plugin
 * install this callback; within the script there may be several.)
 *
 * An exception, or a result that is none of the above, is logged with its
 * traceback and makes the reception fail (HTTP 500 for an upload, a failure
 * status for C-STORE): Orthanc stores nothing it was not told to.
 */
#include "callback_results.h"
#include "orthanc_convert.h"

static PyObject* g_callbacks = NULL;   /* list, GIL-protected */

#if ORTHANC_PY_HAS_OrthancPluginRegisterReceivedInstanceCallback && ORTHANC_PY_HAS_OrthancPluginCreateMemoryBuffer64

typedef struct
{
  OrthancPluginMemoryBuffer64* modified;
  const void* data;
  uint64_t size;
  OrthancPluginInstanceOrigin origin;
  OrthancPluginReceivedInstanceAction action;
} ReceivedCall;


/* Splits one callback's result into an action and, for MODIFY, new data
 * (borrowed). -1 with an exception set if the result means nothing. */
static int ReadResult(PyObject* result, long* action, PyObject** data)
{
  static const char what[] = "the received-instance callback";
  PyObject* actionObject = result;
  *data = Py_None;
  if (PyTuple_Check(result) || PyList_Check(result))
  {
    if (PySequence_Size(result) != 2)
    {
      PyErr_Format(PyExc_ValueError, "%s must return (ReceivedInstanceAction, bytes or None)", what);
      return -1;
    }
    actionObject = PySequence_Fast_GET_ITEM(result, 0);
    *data = PySequence_Fast_GET_ITEM(result, 1);
  }
  if (OrthancPy_ResultToInt(actionObject, 1, 3, action, what) < 0)
  {
    return -1;
  }
  if (*action == OrthancPluginReceivedInstanceAction_Modify && *data == Py_None)
  {
    PyErr_Format(PyExc_ValueError, "%s returned MODIFY without the modified bytes", what);
    return -1;
  }
  return 0;
}


/* GIL held. */
static OrthancPyStatus ReceivedBody(void* payload)
{
  ReceivedCall* call = payload;
  /* An invalid action makes Orthanc refuse the instance with an error. */
  call->action = (OrthancPluginReceivedInstanceAction) 0;

  PyObject* callbacks = (g_callbacks != NULL) ? PySequence_Tuple(g_callbacks) : PyTuple_New(0);
  PyObject* current = (callbacks != NULL) ? OrthancPy_BytesFromSdk(call->data, call->size) : NULL;
  PyObject* origin = (current != NULL) ? PyLong_FromLong((long) call->origin) : NULL;
  int failed = (origin == NULL);
  int modified = 0;
  int discarded = 0;

  for (Py_ssize_t i = 0; !failed && !discarded && i < PyTuple_GET_SIZE(callbacks); i++)
  {
    PyObject* result = PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM(callbacks, i), current, origin, NULL);
    long action = 0;
    PyObject* data = NULL;
    if (result == NULL || ReadResult(result, &action, &data) < 0)
    {
      failed = 1;
    }
    else if (action == OrthancPluginReceivedInstanceAction_Discard)
    {
      discarded = 1;
    }
    else if (action == OrthancPluginReceivedInstanceAction_Modify)
    {
      Py_INCREF(data);
      Py_SETREF(current, data);
      modified = 1;
    }
    Py_XDECREF(result);
  }

  if (!failed && discarded)
  {
    call->action = OrthancPluginReceivedInstanceAction_Discard;
  }
  else if (!failed && modified)
  {
    if (OrthancPy_ResultToBuffer64(current, call->modified, "the received-instance callback") < 0)
    {
      failed = 1;
    }
    else
    {
      call->action = OrthancPluginReceivedInstanceAction_Modify;
    }
  }
  else if (!failed)
  {
    call->action = OrthancPluginReceivedInstanceAction_KeepAsIs;
  }

  if (failed || PyErr_Occurred())
  {
    OrthancPy_LogPythonError("Error in the Python received-instance callback");
  }

  Py_XDECREF(origin);
  Py_XDECREF(current);
  Py_XDECREF(callbacks);
  return ORTHANC_PY_SUCCESS;
}


static OrthancPluginReceivedInstanceAction OnReceivedInstance(OrthancPluginMemoryBuffer64* modifiedDicomBuffer,
                                                              const void* receivedDicomBuffer,
                                                              uint64_t receivedDicomBufferSize,
                                                              OrthancPluginInstanceOrigin origin)
{
  ReceivedCall call;
  call.modified = modifiedDicomBuffer;
  call.data = receivedDicomBuffer;
  call.size = receivedDicomBufferSize;
  call.origin = origin;
  call.action = (OrthancPluginReceivedInstanceAction) 0;
  if (OrthancPy_RunCallback(ReceivedBody, &call) != ORTHANC_PY_SUCCESS)
  {
    return (OrthancPluginReceivedInstanceAction) 0;
  }
  return call.action;
}


static OrthancPyStatus RegisterWithOrthanc(OrthancPluginContext* context)
{
  return OrthancPluginRegisterReceivedInstanceCallback(context, OnReceivedInstance);
}


PyObject* OrthancPyCustom_RegisterReceivedInstanceCallback(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return OrthancPy_AddListedCallback(args, kwargs, "O:RegisterReceivedInstanceCallback", &g_callbacks, RegisterWithOrthanc);
}

#endif


void OrthancPyReceivedInstance_Clear(void)
{
  Py_CLEAR(g_callbacks);
}
