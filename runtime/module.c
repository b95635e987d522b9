/*
 * The `orthanc` built-in module: its creation, orthanc.OrthancException,
 * and the conversion of SDK error codes and SDK strings.
 */
#include "runtime_internal.h"

#include <stdlib.h>
#include <string.h>

static const char g_moduleDoc[] =
  "Orthanc's plugin SDK, for the script named by the PythonScript option.";

static const char g_exceptionDoc[] =
  "An error reported by Orthanc; args are (error_code: int, description: str).";

/* The pristine definition. The live copy below is reset from it before each
 * interpreter start-up, because CPython keeps per-interpreter bookkeeping in
 * a module definition (m_base) that must not leak into the next
 * interpreter after /tools/reset. */
static const struct PyModuleDef g_moduleTemplate = {
  PyModuleDef_HEAD_INIT,
  "orthanc",
  g_moduleDoc,
  -1,
  NULL, NULL, NULL, NULL, NULL
};

static struct PyModuleDef g_moduleDef;

/* Strong reference, owned by the runtime until OrthancPyModule_Clear(). */
static PyObject* g_exception = NULL;


PyObject* OrthancPy_GetExceptionType(void)
{
  return g_exception;
}


#ifdef ORTHANC_PY_HAS_ENUM_ErrorCode
PyObject* OrthancPy_SetSdkError(OrthancPluginErrorCode code)
{
  /* The gate refused the call (Orthanc stops, or a forked child): say so. */
  const char* description = OrthancPyGate_TakeRefusal();
  if (description != NULL)
  {
    PyObject* refused = Py_BuildValue("(is)", (int) code, description);
    if (refused != NULL)
    {
      PyErr_SetObject(g_exception != NULL ? g_exception : PyExc_RuntimeError, refused);
      Py_DECREF(refused);
    }
    return NULL;
  }
#if ORTHANC_PY_HAS_OrthancPluginGetErrorDescription
  OrthancPluginContext* context = OrthancPy_GetContext();
  if (context != NULL)
  {
    Py_BEGIN_ALLOW_THREADS
    description = OrthancPluginGetErrorDescription(context, code);
    Py_END_ALLOW_THREADS
  }
#endif

  PyObject* text = (description != NULL) ?
    PyUnicode_DecodeUTF8(description, (Py_ssize_t) strlen(description), "replace") :
    PyUnicode_FromFormat("Orthanc error %d", (int) code);
  if (text == NULL)
  {
    return NULL;
  }

  /* A tuple value becomes the exception's args. */
  PyObject* args = Py_BuildValue("(iN)", (int) code, text);
  if (args == NULL)
  {
    return NULL;
  }

  PyErr_SetObject(g_exception != NULL ? g_exception : PyExc_RuntimeError, args);
  Py_DECREF(args);
  return NULL;
}
#endif


PyObject* OrthancPy_SetStatusError(OrthancPyStatus status)
{
#ifdef ORTHANC_PY_HAS_ENUM_ErrorCode
  return OrthancPy_SetSdkError(status);
#else
  PyObject* args = Py_BuildValue("(iN)", (int) status, PyUnicode_FromFormat("Orthanc error %d", (int) status));
  if (args != NULL)
  {
    PyErr_SetObject(g_exception != NULL ? g_exception : PyExc_RuntimeError, args);
    Py_DECREF(args);
  }
  return NULL;
#endif
}


PyObject* OrthancPy_StringFromSdk(const char* value)
{
  if (value == NULL)
  {
    Py_RETURN_NONE;
  }
  return PyUnicode_DecodeUTF8(value, (Py_ssize_t) strlen(value), "surrogateescape");
}


/* The module's init function. Not PyMODINIT_FUNC, which would export it:
 * Orthanc must only see the plugin entry points. */
static PyObject* InitModule(void)
{
  PyObject* module = PyModule_Create(&g_moduleDef);
  if (module == NULL)
  {
    return NULL;
  }

  Py_CLEAR(g_exception);
  g_exception = PyErr_NewExceptionWithDoc("orthanc.OrthancException", g_exceptionDoc, NULL, NULL);
  if (g_exception == NULL ||
      OrthancPy_AddObjectRef(module, "OrthancException", g_exception) < 0 ||
      OrthancPy_AddGenerated(module) < 0 ||
      OrthancPyVersions_AddToModule(module) < 0)
  {
    Py_DECREF(module);
    return NULL;
  }

  return module;
}


int OrthancPyModule_RegisterBuiltin(void)
{
  g_moduleDef = g_moduleTemplate;

  /* After /tools/reset, Orthanc has loaded a fresh copy of this library
   * while libpython (pinned in memory) may still list the entry that the
   * previous copy added: repoint it instead of adding a second one. */
  for (struct _inittab* entry = PyImport_Inittab; entry != NULL && entry->name != NULL; entry++)
  {
    if (strcmp(entry->name, "orthanc") == 0)
    {
      entry->initfunc = InitModule;
      return 0;
    }
  }

  /* libpython keeps the name pointer for the life of the process, beyond
   * this copy of the library, which /tools/reset unmaps: keep the name in
   * memory of its own, allocated once per process and never freed. */
  static const char name[] = "orthanc";
  char* lasting = malloc(sizeof(name));
  if (lasting == NULL)
  {
    return -1;
  }
  memcpy(lasting, name, sizeof(name));
  return PyImport_AppendInittab(lasting, InitModule);
}


void OrthancPyModule_Clear(void)
{
  Py_CLEAR(g_exception);
}
