/*
 * A stand-in for the real plugin, small enough to build for every Windows cell: it has the four
 * entry points Orthanc looks up and embeds CPython the way the runtime does (isolated config,
 * a PyThread lock, the GIL taken from a foreign thread, an exception object that pythonXY.dll
 * exports as data).  It is only compiled and inspected, never run: what the tests check is
 * what a Windows loader would see (PE flavour, export and import tables).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "OrthancCPlugin.h"

static OrthancPluginContext* context_ = NULL;
static PyThread_type_lock lock_ = NULL;

/* External linkage on purpose: a DLL built with MinGW exports every global when nothing is
 * marked for export, so this symbol showing up in the export table would reveal that the
 * entry points' __declspec(dllexport) or the .def file were not in effect. */
int fake_plugin_probe(int value)
{
  PyGILState_STATE gil = PyGILState_Ensure();
  int matched;
  PyErr_SetString(PyExc_TypeError, "probe");
  matched = PyErr_ExceptionMatches(PyExc_TypeError);
  PyErr_Clear();
  PyGILState_Release(gil);
  return matched ? value : -1;
}

ORTHANC_PLUGINS_API int32_t OrthancPluginInitialize(OrthancPluginContext* context)
{
  PyConfig config;
  PyStatus status;

  context_ = context;
  PyConfig_InitIsolatedConfig(&config);
  status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status))
  {
    OrthancPluginLogError(context_, "cannot start Python");
    return -1;
  }

  lock_ = PyThread_allocate_lock();
  /* Orthanc's callbacks arrive on its own threads: give the GIL away until they take it. */
  PyEval_SaveThread();
  return fake_plugin_probe(0);
}

ORTHANC_PLUGINS_API void OrthancPluginFinalize(void)
{
  if (lock_ != NULL)
  {
    PyThread_free_lock(lock_);
    lock_ = NULL;
  }
}

ORTHANC_PLUGINS_API const char* OrthancPluginGetName(void)
{
  return "python-mingw-probe";
}

ORTHANC_PLUGINS_API const char* OrthancPluginGetVersion(void)
{
  return "0.0.0";
}
