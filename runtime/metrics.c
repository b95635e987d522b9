/*
 * orthanc.RegisterRefreshMetricsCallback(cb): cb() runs each time Orthanc
 * refreshes its metrics (GET /tools/metrics-prometheus), so that it can
 * publish values with orthanc.SetMetricsValue.
 *
 * Several callbacks may be registered; they run in registration order. An
 * exception is logged with its traceback and the next callback still runs:
 * the SDK's callback returns nothing, so there is no error to report.
 */
#include "runtime_internal.h"

static PyObject* g_callbacks = NULL;   /* list, GIL-protected */

#if ORTHANC_PY_HAS_OrthancPluginRegisterRefreshMetricsCallback

/* GIL held. */
static OrthancPyStatus RefreshBody(void* payload)
{
  (void) payload;
  PyObject* callbacks = (g_callbacks != NULL) ? PySequence_Tuple(g_callbacks) : PyTuple_New(0);
  if (callbacks == NULL)
  {
    OrthancPy_LogPythonError("Error while refreshing the Python metrics");
    return ORTHANC_PY_SUCCESS;
  }
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(callbacks); i++)
  {
    PyObject* result = PyObject_CallObject(PyTuple_GET_ITEM(callbacks, i), NULL);
    if (result == NULL)
    {
      OrthancPy_LogPythonError("Error in the Python metrics callback");
    }
    Py_XDECREF(result);
  }
  Py_DECREF(callbacks);
  return ORTHANC_PY_SUCCESS;
}


static void RefreshMetrics(void)
{
  (void) OrthancPy_RunCallback(RefreshBody, NULL);
}


static OrthancPyStatus RegisterWithOrthanc(OrthancPluginContext* context)
{
  OrthancPluginRegisterRefreshMetricsCallback(context, RefreshMetrics);
  return ORTHANC_PY_SUCCESS;
}


PyObject* OrthancPyCustom_RegisterRefreshMetricsCallback(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  return OrthancPy_AddListedCallback(args, kwargs, "O:RegisterRefreshMetricsCallback", &g_callbacks, RegisterWithOrthanc);
}

#endif


void OrthancPyMetrics_Clear(void)
{
  Py_CLEAR(g_callbacks);
}
