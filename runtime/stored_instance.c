/*
 * orthanc.RegisterOnStoredInstanceCallback: every registered callback is
 * called, in registration order, with the stored instance (valid only
 * during the call) and its Orthanc identifier.
 */
#include "runtime_internal.h"

static PyObject* g_callbacks = NULL;   /* list, GIL-protected */

#if ORTHANC_PY_HAS_OrthancPluginRegisterOnStoredInstanceCallback

typedef struct
{
  const OrthancPluginDicomInstance* instance;
  const char* instanceId;
} StoredCall;


/* GIL held. */
static OrthancPyStatus StoredBody(void* payload)
{
  const StoredCall* call = payload;
  OrthancPyStatus code = ORTHANC_PY_SUCCESS;

  PyObject* callbacks = (g_callbacks != NULL) ? PySequence_Tuple(g_callbacks) : PyTuple_New(0);
  PyObject* instance = (callbacks != NULL) ?
    OrthancPy_WrapObject(ORTHANC_PY_CLASS_DicomInstance, call->instance, 0) : NULL;
  PyObject* instanceId = (instance != NULL) ? OrthancPy_StringFromSdk(call->instanceId) : NULL;

  if (instanceId == NULL)
  {
    OrthancPy_LogPythonError("Cannot call the Python on-stored-instance callbacks");
    code = ORTHANC_PY_ERROR_PLUGIN;
  }
  else
  {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(callbacks); i++)
    {
      PyObject* result = PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM(callbacks, i),
                                                      instance, instanceId, NULL);
      if (result == NULL)
      {
        OrthancPy_LogPythonError("Error in the Python on-stored-instance callback");
        code = ORTHANC_PY_ERROR_PLUGIN;
      }
      Py_XDECREF(result);
    }
  }

  OrthancPy_Invalidate(instance);
  Py_XDECREF(instanceId);
  Py_XDECREF(instance);
  Py_XDECREF(callbacks);
  return code;
}


/* The const-ness of the instance parameter changed across SDK releases;
 * the cast at registration covers both spellings. */
static OrthancPyStatus OnStoredInstance(const OrthancPluginDicomInstance* instance,
                                               const char* instanceId)
{
  StoredCall call;
  call.instance = instance;
  call.instanceId = instanceId;
  return OrthancPy_RunCallback(StoredBody, &call);
}


static OrthancPyStatus RegisterWithOrthanc(OrthancPluginContext* context)
{
  OrthancPluginRegisterOnStoredInstanceCallback(context, (OrthancPluginOnStoredInstanceCallback) OnStoredInstance);
  return ORTHANC_PY_SUCCESS;
}


PyObject* OrthancPyCustom_RegisterOnStoredInstanceCallback(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return OrthancPy_AddListedCallback(args, kwargs, "O:RegisterOnStoredInstanceCallback", &g_callbacks, RegisterWithOrthanc);
}

#endif  /* ORTHANC_PY_HAS_OrthancPluginRegisterOnStoredInstanceCallback */


void OrthancPyStoredInstance_Clear(void)
{
  Py_CLEAR(g_callbacks);
}
