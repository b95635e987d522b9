/*
 * Writing to Orthanc's log, including Python tracebacks.
 */
#include "runtime_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void OrthancPy_Log(OrthancPyLogLevel level, const char* message)
{
  OrthancPluginContext* context = OrthancPy_GetContext();
  if (context == NULL)
  {
    return;
  }
  if (OrthancPyGate_InChild())
  {
    /* Orthanc's logger is not in a forked child (its lock may even be held). */
    fprintf(stderr, "%s\n", message);
    return;
  }

  switch (level)
  {
    case ORTHANC_PY_LOG_INFO:
      OrthancPluginLogInfo(context, message);
      break;
    case ORTHANC_PY_LOG_WARNING:
      OrthancPluginLogWarning(context, message);
      break;
    default:
      OrthancPluginLogError(context, message);
      break;
  }
}


void OrthancPy_Logf(OrthancPyLogLevel level, const char* format, ...)
{
  char message[2048];
  va_list arguments;
  va_start(arguments, format);
  vsnprintf(message, sizeof(message), format, arguments);
  va_end(arguments);
  OrthancPy_Log(level, message);
}


void OrthancPy_LogHoldingGil(OrthancPyLogLevel level, const char* message)
{
  Py_BEGIN_ALLOW_THREADS
  OrthancPy_Log(level, message);
  Py_END_ALLOW_THREADS
}


/* New reference to the formatted traceback of `exception` (a str), or NULL
 * with an exception set. The formatting runs Python code, so it can fail
 * (e.g. out of memory); callers fall back to a shorter message. */
static PyObject* FormatException(PyObject* type, PyObject* value, PyObject* traceback)
{
  PyObject* module = PyImport_ImportModule("traceback");
  if (module == NULL)
  {
    return NULL;
  }

  PyObject* lines = PyObject_CallMethod(module, "format_exception", "OOO",
                                        type, value ? value : Py_None, traceback ? traceback : Py_None);
  Py_DECREF(module);
  if (lines == NULL)
  {
    return NULL;
  }

  PyObject* empty = PyUnicode_FromString("");
  PyObject* text = (empty != NULL) ? PyUnicode_Join(empty, lines) : NULL;
  Py_XDECREF(empty);
  Py_DECREF(lines);
  return text;
}


/* Logs `context` + `text` with invalid code points escaped: exception
 * messages can carry surrogate escapes of non-UTF-8 input. */
static void LogText(const char* context, PyObject* text /* borrowed, may be NULL */)
{
  PyObject* encoded = NULL;
  if (text != NULL)
  {
    encoded = PyUnicode_AsEncodedString(text, "utf-8", "backslashreplace");
    if (encoded == NULL)
    {
      PyErr_Clear();
    }
  }

  const char* body = (encoded != NULL) ? PyBytes_AS_STRING(encoded) : "(the error could not be formatted)";
  size_t length = strlen(context) + strlen(body) + 3;
  char* message = malloc(length);
  if (message != NULL)
  {
    snprintf(message, length, "%s:\n%s", context, body);
    /* Drop the final newline that traceback formatting leaves. */
    size_t end = strlen(message);
    while (end > 0 && (message[end - 1] == '\n' || message[end - 1] == '\r'))
    {
      message[--end] = '\0';
    }
    OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_ERROR, message);
    free(message);
  }
  else
  {
    OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_ERROR, context);
  }

  Py_XDECREF(encoded);
}


/* Logs `context` and the formatted exception (references borrowed). */
static void LogException(const char* context, PyObject* type, PyObject* value, PyObject* traceback)
{
  PyObject* text = FormatException(type, value, traceback);
  if (text == NULL)
  {
    /* Formatting failed: at least say what was raised. */
    PyErr_Clear();
    text = (value != NULL) ? PyObject_Repr(value) : NULL;
    if (text == NULL)
    {
      PyErr_Clear();
    }
  }

  LogText(context, text);
  Py_XDECREF(text);
}


void OrthancPy_LogException(const char* context, PyObject* exception)
{
  PyObject* traceback = PyException_GetTraceback(exception);
  LogException(context, (PyObject*) Py_TYPE(exception), exception, traceback);
  Py_XDECREF(traceback);
}


PyObject* OrthancPy_TakeException(void)
{
#if PY_VERSION_HEX >= 0x030C0000
  return PyErr_GetRaisedException();
#else
  /* Before 3.12 the exception comes apart: normalize it so that the value
   * is an instance whose type is its class, and keep the traceback on it. */
  PyObject* type = NULL;
  PyObject* value = NULL;
  PyObject* traceback = NULL;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  if (value != NULL && traceback != NULL)
  {
    PyException_SetTraceback(value, traceback);
  }
  Py_XDECREF(type);
  Py_XDECREF(traceback);
  return value;
#endif
}


void OrthancPy_LogPythonError(const char* context)
{
  PyObject* value = OrthancPy_TakeException();   /* owned */
  if (value == NULL)
  {
    OrthancPy_LogHoldingGil(ORTHANC_PY_LOG_ERROR, context);
    return;
  }
  OrthancPy_LogException(context, value);
  Py_DECREF(value);
}
