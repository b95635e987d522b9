/*
 * Which Orthanc runs this plugin, and what it can do.
 *
 * A plugin built from SDK X starts in every Orthanc from the floor
 * (ORTHANC_PY_FLOOR_*, rendered from generator/plan/runtime.yaml) on. Items
 * of the SDK newer than the running Orthanc are left out of the module at
 * its creation and their wrappers refuse to run: Orthanc is never asked for
 * a service it does not know.
 */
#include "runtime_internal.h"

#include <stdio.h>
#include <string.h>

/* Parsed once per OrthancPluginInitialize(); 0 before. */
static long g_running = 0;


static long ParseVersion(const char* text)
{
  if (text == NULL)
  {
    return 0;
  }
  /* Orthanc built from its development branch calls itself "mainline",
   * which OrthancPluginCheckVersionAdvanced() also takes as the newest. */
  if (strcmp(text, "mainline") == 0)
  {
    return ORTHANC_PY_VERSION_MAINLINE;
  }
  int major = 0, minor = 0, revision = 0;
  if (sscanf(text, "%4d.%4d.%4d", &major, &minor, &revision) != 3 ||
      major < 0 || minor < 0 || revision < 0 || minor > 999 || revision > 999)
  {
    return 0;
  }
  return ORTHANC_PY_VERSION(major, minor, revision);
}


int OrthancPyVersions_Check(OrthancPluginContext* context)
{
  g_running = ParseVersion(context->orthancVersion);

  /* The SDK's own test, against the floor rather than against the SDK the
   * plugin was generated from: it also checks that the enumerations have
   * the size Orthanc expects. */
#if ORTHANC_PY_HAS_OrthancPluginCheckVersionAdvanced
  int accepted = OrthancPluginCheckVersionAdvanced(context, ORTHANC_PY_FLOOR_MAJOR, ORTHANC_PY_FLOOR_MINOR,
                                                   ORTHANC_PY_FLOOR_REVISION);
#else
  /* SDKs before 1.3.0 (older than the floor): their floor is the SDK itself. */
  int accepted = OrthancPluginCheckVersion(context);
#endif
  if (!accepted)
  {
    OrthancPy_Logf(ORTHANC_PY_LOG_ERROR,
                   "Python plugin: this plugin needs Orthanc %d.%d.%d or later (generated from SDK %s), "
                   "this is Orthanc %s: not started",
                   ORTHANC_PY_FLOOR_MAJOR, ORTHANC_PY_FLOOR_MINOR, ORTHANC_PY_FLOOR_REVISION,
                   ORTHANC_PY_SDK_VERSION, context->orthancVersion);
    return -1;
  }
  if (g_running == 0)
  {
    /* CheckVersionAdvanced parsed it, so this cannot happen; stay safe. */
    g_running = ORTHANC_PY_VERSION(ORTHANC_PY_FLOOR_MAJOR, ORTHANC_PY_FLOOR_MINOR, ORTHANC_PY_FLOOR_REVISION);
  }
  return 0;
}


int OrthancPy_OrthancHas(long since)
{
  return since <= g_running;
}


PyObject* OrthancPy_SetNeedsOrthanc(PyObject* exceptionType, const char* what, long since)
{
  const char* running = "?";
  OrthancPluginContext* context = OrthancPy_GetContext();
  if (context != NULL && context->orthancVersion != NULL)
  {
    running = context->orthancVersion;
  }
  PyErr_Format(exceptionType, "%s needs Orthanc %ld.%ld.%ld or later; this is Orthanc %s", what,
               since / 1000000L, (since / 1000L) % 1000L, since % 1000L, running);
  return NULL;
}


static PyObject* GetOrthancVersion(PyObject* self, PyObject* unused)
{
  (void) self;
  (void) unused;
  OrthancPluginContext* context = OrthancPy_GetContext();
  return OrthancPy_StringFromSdk(context != NULL ? context->orthancVersion : NULL);
}


static PyMethodDef g_functions[] = {
  { "GetOrthancVersion", GetOrthancVersion, METH_NOARGS,
    "The version of the Orthanc running this plugin, as Orthanc reports it (\"1.10.1\", \"mainline\")." },
  { NULL, NULL, 0, NULL }
};


int OrthancPyVersions_AddToModule(PyObject* module)
{
  if (PyModule_AddStringConstant(module, "SDK_VERSION", ORTHANC_PY_SDK_VERSION) < 0)
  {
    return -1;
  }
  return PyModule_AddFunctions(module, g_functions);
}
