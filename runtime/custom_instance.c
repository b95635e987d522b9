/*
 * Hand-written methods of orthanc.DicomInstance.
 */
#include "runtime_internal.h"

#if ORTHANC_PY_HAS_OrthancPluginGetInstanceData && ORTHANC_PY_HAS_OrthancPluginGetInstanceSize

PyObject* OrthancPyCustom_GetInstanceData(PyObject* self, PyObject* args, PyObject* kwargs)
{
  static char* keywords[] = { NULL };
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, ":GetInstanceData", keywords))
  {
    return NULL;
  }

  OrthancPluginDicomInstance* instance = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_DicomInstance);
  if (instance == NULL)
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  const void* data;
  int64_t size;
  Py_BEGIN_ALLOW_THREADS
  data = OrthancPluginGetInstanceData(context, instance);
  size = OrthancPluginGetInstanceSize(context, instance);
  Py_END_ALLOW_THREADS

  if (data == NULL || size < 0)
  {
    return OrthancPy_SetStatusError(ORTHANC_PY_ERROR_INTERNAL);
  }
  return PyBytes_FromStringAndSize(data, (Py_ssize_t) size);
}

#endif
