/*
 * GetCommandLineArgument(index): Orthanc (at least up to 1.10.1) reads past
 * its argument list for index == count and throws a C++ exception through
 * the plugin, which aborts Orthanc. The index is checked here first.
 */
#include "runtime_internal.h"
#include "orthanc_convert.h"

#if ORTHANC_PY_HAS_OrthancPluginGetCommandLineArgument && ORTHANC_PY_HAS_OrthancPluginGetCommandLineArgumentsCount

PyObject* OrthancPyCustom_GetCommandLineArgument(PyObject* self, PyObject* args, PyObject* kwargs)
{
  static char* keywords[] = { "argument", NULL };
  PyObject* indexObject = NULL;
  uint64_t index = 0;
  (void) self;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:GetCommandLineArgument", keywords, &indexObject) ||
      OrthancPy_ArgToUInt64(indexObject, "argument", UINT32_MAX, &index) != 0)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  uint32_t count;
  Py_BEGIN_ALLOW_THREADS
  count = OrthancPluginGetCommandLineArgumentsCount(context);
  Py_END_ALLOW_THREADS
  if (index >= count)
  {
    /* OrthancException, as from the SDK (whose own answer past the end is
     * ParameterOutOfRange), so that scripts catch one kind of error. */
    return OrthancPy_SetStatusError(ORTHANC_PY_ERROR_PARAMETER_OUT_OF_RANGE);
  }
  char* value;
  Py_BEGIN_ALLOW_THREADS
  value = OrthancPluginGetCommandLineArgument(context, (uint32_t) index);
  Py_END_ALLOW_THREADS
  if (value == NULL)
  {
    return OrthancPy_SetNullResultError("OrthancPluginGetCommandLineArgument");
  }
  PyObject* result = OrthancPy_StringFromSdk(value);
  OrthancPluginFreeString(context, value);
  return result;
}

#endif
