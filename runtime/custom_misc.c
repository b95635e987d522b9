/*
 * Hand-written helpers about the REST API and Orthanc Explorer.
 */
#include "runtime_internal.h"

#if ORTHANC_PY_HAS_OrthancPluginGenerateRestApiAuthorizationToken

PyObject* OrthancPyCustom_GenerateRestApiAuthorizationToken(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { NULL };
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, ":GenerateRestApiAuthorizationToken", keywords))
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  char* token;
  Py_BEGIN_ALLOW_THREADS
  token = OrthancPluginGenerateRestApiAuthorizationToken(context);
  Py_END_ALLOW_THREADS

  if (token == NULL)
  {
    return OrthancPy_SetStatusError(ORTHANC_PY_ERROR_INTERNAL);
  }

  PyObject* result = OrthancPy_StringFromSdk(token);
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginFreeString(context, token);
  Py_END_ALLOW_THREADS
  return result;
}

#endif


/* The JavaScript given so far (str), because Orthanc keeps only the last
 * value it is given while scripts expect successive calls to add up. */
static PyObject* g_explorerCode = NULL;

#if ORTHANC_PY_HAS_OrthancPluginExtendOrthancExplorer

PyObject* OrthancPyCustom_ExtendOrthancExplorer(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "javascript", NULL };
  PyObject* javascript = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "U:ExtendOrthancExplorer", keywords, &javascript))
  {
    return NULL;
  }

  PyObject* combined;
  if (g_explorerCode == NULL)
  {
    Py_INCREF(javascript);
    combined = javascript;
  }
  else
  {
    PyObject* separator = PyUnicode_FromString("\n");
    PyObject* head = (separator != NULL) ? PyUnicode_Concat(g_explorerCode, separator) : NULL;
    combined = (head != NULL) ? PyUnicode_Concat(head, javascript) : NULL;
    Py_XDECREF(head);
    Py_XDECREF(separator);
    if (combined == NULL)
    {
      return NULL;
    }
  }

  const char* utf8 = PyUnicode_AsUTF8(combined);
  if (utf8 == NULL)
  {
    Py_DECREF(combined);
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  /* Deprecated from SDK 1.12 on (for ExtendOrthancExplorer2), yet scripts still call it. */
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginExtendOrthancExplorer(context, utf8);
  Py_END_ALLOW_THREADS
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic pop
#endif

  Py_XSETREF(g_explorerCode, combined);
  Py_RETURN_NONE;
}

#endif


void OrthancPyExplorer_Clear(void)
{
  Py_CLEAR(g_explorerCode);
}
