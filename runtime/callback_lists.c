/*
 * Registrations where several Python callbacks share one C callback: the
 * C callback is registered with Orthanc once, at the first Python
 * registration, and walks the list in registration order.
 */
#include "runtime_internal.h"


PyObject* OrthancPy_AddListedCallback(PyObject* args, PyObject* kwargs, const char* format, PyObject** list,
                                      OrthancPyRegistration registration)
{
  static char* keywords[] = { "callback", NULL };
  PyObject* callback = NULL;  /* borrowed from args/kwargs */
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, format, keywords, &callback) ||
      OrthancPy_CheckCallable(callback, "callback") < 0)
  {
    return NULL;
  }

  if (*list == NULL)
  {
    PyObject* created = PyList_New(0);
    if (created == NULL)
    {
      return NULL;
    }
    OrthancPluginContext* context = OrthancPy_GetContext();
    OrthancPyStatus code;
    Py_BEGIN_ALLOW_THREADS
    code = registration(context);
    Py_END_ALLOW_THREADS
    if (code != ORTHANC_PY_SUCCESS)
    {
      Py_DECREF(created);
      return OrthancPy_SetStatusError(code);
    }
    *list = created;
  }

  if (PyList_Append(*list, callback) < 0)
  {
    return NULL;
  }
  Py_RETURN_NONE;
}
