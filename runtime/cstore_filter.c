/*
 * orthanc.RegisterIncomingCStoreInstanceFilter(cb): accept or refuse the
 * instances that DICOM peers send with C-STORE.
 *
 *   cb(dicom_instance: DicomInstance) -> int
 *
 * 0 accepts; any other value refuses the instance and is the DIMSE status
 * (1..0xFFFF, e.g. 0xA700 "out of resources") that the C-STORE peer
 * receives. Several filters may be registered: they run in registration
 * order and the first refusal decides. The instance is valid during the
 * call only. An exception is logged with its traceback and the instance is
 * refused with Orthanc's failure status.
 */
#include "callback_results.h"

static PyObject* g_filters = NULL;   /* list, GIL-protected */

#if ORTHANC_PY_HAS_OrthancPluginRegisterIncomingCStoreInstanceFilter

typedef struct
{
  const OrthancPluginDicomInstance* instance;
  uint16_t status;
  int32_t verdict;    /* 1 accept, 0 refuse with `status`, -1 error */
} FilterCall;


/* GIL held. */
static OrthancPyStatus FilterBody(void* payload)
{
  FilterCall* call = payload;
  call->verdict = 1;

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
    long status = 0;
    if (result == NULL ||
        OrthancPy_ResultToInt(result, 0, 0xFFFF, &status, "the C-STORE instance filter") < 0)
    {
      call->verdict = -1;
    }
    else if (status != 0)
    {
      call->status = (uint16_t) status;
      call->verdict = 0;
    }
    Py_XDECREF(result);
  }

  if (call->verdict < 0)
  {
    OrthancPy_LogPythonError("Error in the Python C-STORE instance filter");
  }

  OrthancPy_Invalidate(instance);
  Py_XDECREF(instance);
  Py_XDECREF(filters);
  return ORTHANC_PY_SUCCESS;
}


static int32_t FilterCStore(uint16_t* dimseStatus, const OrthancPluginDicomInstance* instance)
{
  FilterCall call;
  call.instance = instance;
  call.status = 0;
  call.verdict = -1;
  if (OrthancPy_RunCallback(FilterBody, &call) != ORTHANC_PY_SUCCESS)
  {
    return -1;
  }
  if (call.verdict == 0)
  {
    *dimseStatus = call.status;
  }
  return call.verdict;
}


static OrthancPyStatus RegisterWithOrthanc(OrthancPluginContext* context)
{
  return OrthancPluginRegisterIncomingCStoreInstanceFilter(context, FilterCStore);
}


PyObject* OrthancPyCustom_RegisterIncomingCStoreInstanceFilter(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return OrthancPy_AddListedCallback(args, kwargs, "O:RegisterIncomingCStoreInstanceFilter", &g_filters, RegisterWithOrthanc);
}

#endif


void OrthancPyCStoreFilter_Clear(void)
{
  Py_CLEAR(g_filters);
}
