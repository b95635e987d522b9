/*
 * orthanc.RegisterIncomingDicomInstanceFilter(cb): accept or discard every
 * instance Orthanc receives, by REST as well as by C-STORE.
 *
 *   cb(dicom_instance: DicomInstance) -> bool
 *
 * A true result stores the instance, a false one discards it. Several
 * filters may be registered: they run in registration order and every one
 * must accept. The instance is valid during the call only. An exception is
 * logged with its traceback and Orthanc treats the instance as an error.
 */
#include "runtime_internal.h"

static PyObject* g_filters = NULL;   /* list, GIL-protected */

#if ORTHANC_PY_HAS_OrthancPluginRegisterIncomingDicomInstanceFilter

typedef struct
{
  const OrthancPluginDicomInstance* instance;
  int32_t verdict;    /* 1 store, 0 discard, -1 error: the SDK's values */
} FilterCall;


/* GIL held. */
static OrthancPyStatus FilterBody(void* payload)
{
  FilterCall* call = payload;
  call->verdict = 1;

  /* A tuple copy: a filter may register another filter while the list is walked. */
  PyObject* filters = (g_filters != NULL) ? PySequence_Tuple(g_filters) : PyTuple_New(0);
  PyObject* instance = (filters != NULL) ?
    OrthancPy_WrapObject(ORTHANC_PY_CLASS_DicomInstance, call->instance, 0) : NULL;
  if (instance == NULL)
  {
    call->verdict = -1;
  }

  for (Py_ssize_t i = 0; call->verdict == 1 && i < PyTuple_GET_SIZE(filters); i++)
  {
    PyObject* result = PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM(filters, i), instance, NULL);
    if (result == Py_None)
    {
      /* A filter that forgot its return statement would silently discard every instance. */
      PyErr_SetString(PyExc_TypeError, "the DICOM instance filter must return a bool, not None");
      call->verdict = -1;
    }
    else
    {
      int accepted = (result != NULL) ? PyObject_IsTrue(result) : -1;
      call->verdict = (accepted < 0) ? -1 : accepted;
    }
    Py_XDECREF(result);
  }

  if (call->verdict < 0)
  {
    OrthancPy_LogPythonError("Error in the Python DICOM instance filter");
  }

  if (instance != NULL)
  {
    OrthancPy_Invalidate(instance);
  }
  Py_XDECREF(instance);
  Py_XDECREF(filters);
  return ORTHANC_PY_SUCCESS;
}


static int32_t FilterInstance(const OrthancPluginDicomInstance* instance)
{
  FilterCall call;
  call.instance = instance;
  call.verdict = -1;
  if (OrthancPy_RunCallback(FilterBody, &call) != ORTHANC_PY_SUCCESS)
  {
    return -1;
  }
  return call.verdict;
}


static OrthancPyStatus RegisterWithOrthanc(OrthancPluginContext* context)
{
  return OrthancPluginRegisterIncomingDicomInstanceFilter(context, FilterInstance);
}


PyObject* OrthancPyCustom_RegisterIncomingDicomInstanceFilter(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return OrthancPy_AddListedCallback(args, kwargs, "O:RegisterIncomingDicomInstanceFilter", &g_filters, RegisterWithOrthanc);
}

#endif


void OrthancPyDicomInstanceFilter_Clear(void)
{
  Py_CLEAR(g_filters);
}
