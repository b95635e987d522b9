/*
 * sys.stdout and sys.stderr as line-buffered text streams that write to
 * Orthanc's log (warning and error level, both shown without --verbose),
 * when the configuration says "Python": {"Output": "log"}.
 */
#include "runtime_internal.h"

typedef struct
{
  PyObject_HEAD
  OrthancPyLogLevel level;
  PyObject* pending;   /* str: the unfinished last line, or NULL */
} LogStream;

static PyTypeObject* g_streamType = NULL;   /* strong reference */


/* Logs `line` (a str, borrowed). GIL held; released while Orthanc logs. */
static int EmitLine(OrthancPyLogLevel level, PyObject* line)
{
  /* Surrogate escapes (from undecodable input) must not make print fail. */
  PyObject* encoded = PyUnicode_AsEncodedString(line, "utf-8", "backslashreplace");
  if (encoded == NULL)
  {
    return -1;
  }
  OrthancPy_LogHoldingGil(level, PyBytes_AS_STRING(encoded));
  Py_DECREF(encoded);
  return 0;
}


static PyObject* LogStream_Write(PyObject* obj, PyObject* text)
{
  LogStream* self = (LogStream*) obj;
  if (!PyUnicode_Check(text))
  {
    PyErr_Format(PyExc_TypeError, "write() argument must be str, not %s", Py_TYPE(text)->tp_name);
    return NULL;
  }
  Py_ssize_t written = PyUnicode_GET_LENGTH(text);

  PyObject* pending = (self->pending != NULL) ? PyUnicode_Concat(self->pending, text) : (Py_INCREF(text), text);
  if (pending == NULL)
  {
    return NULL;
  }
  Py_XSETREF(self->pending, pending);

  for (;;)
  {
    /* Re-read self->pending each time: another thread may write to this
     * stream while the GIL is released for logging. */
    Py_ssize_t length = PyUnicode_GET_LENGTH(self->pending);
    Py_ssize_t newline = PyUnicode_FindChar(self->pending, '\n', 0, length, 1);
    if (newline == -2)
    {
      return NULL;
    }
    if (newline == -1)
    {
      break;
    }

    PyObject* line = PyUnicode_Substring(self->pending, 0, newline);
    PyObject* rest = (line != NULL) ? PyUnicode_Substring(self->pending, newline + 1, length) : NULL;
    if (rest == NULL)
    {
      Py_XDECREF(line);
      return NULL;
    }
    Py_XSETREF(self->pending, rest);

    int status = EmitLine(self->level, line);
    Py_DECREF(line);
    if (status < 0)
    {
      return NULL;
    }
  }

  if (PyUnicode_GET_LENGTH(self->pending) == 0)
  {
    Py_CLEAR(self->pending);
  }
  return PyLong_FromSsize_t(written);
}


static PyObject* LogStream_Flush(PyObject* obj, PyObject* unused)
{
  (void) unused;
  LogStream* self = (LogStream*) obj;
  if (self->pending != NULL)
  {
    PyObject* line = self->pending;
    self->pending = NULL;
    int status = EmitLine(self->level, line);
    Py_DECREF(line);
    if (status < 0)
    {
      return NULL;
    }
  }
  Py_RETURN_NONE;
}


static PyObject* LogStream_False(PyObject* self, PyObject* unused)
{
  (void) self;
  (void) unused;
  Py_RETURN_FALSE;
}


static PyObject* LogStream_True(PyObject* self, PyObject* unused)
{
  (void) self;
  (void) unused;
  Py_RETURN_TRUE;
}


/* Like io.StringIO: there is no file descriptor behind the stream. */
static PyObject* LogStream_Fileno(PyObject* self, PyObject* unused)
{
  (void) self;
  (void) unused;
  PyObject* io = PyImport_ImportModule("io");
  PyObject* error = (io != NULL) ? PyObject_GetAttrString(io, "UnsupportedOperation") : NULL;
  if (error != NULL)
  {
    PyErr_SetString(error, "Orthanc's log has no file descriptor");
  }
  Py_XDECREF(error);
  Py_XDECREF(io);
  return NULL;
}


static PyObject* LogStream_GetEncoding(PyObject* self, void* closure)
{
  (void) self;
  (void) closure;
  return PyUnicode_FromString("utf-8");
}


static PyObject* LogStream_GetErrors(PyObject* self, void* closure)
{
  (void) self;
  (void) closure;
  return PyUnicode_FromString("backslashreplace");
}


static void LogStream_Dealloc(PyObject* obj)
{
  LogStream* self = (LogStream*) obj;
  PyTypeObject* type = Py_TYPE(obj);
  Py_CLEAR(self->pending);
  type->tp_free(obj);
  Py_DECREF(type);
}


static PyMethodDef g_streamMethods[] = {
  { "write", LogStream_Write, METH_O, "Write text; complete lines go to Orthanc's log." },
  { "flush", LogStream_Flush, METH_NOARGS, "Log the unfinished line, if any." },
  { "isatty", LogStream_False, METH_NOARGS, NULL },
  { "readable", LogStream_False, METH_NOARGS, NULL },
  { "seekable", LogStream_False, METH_NOARGS, NULL },
  { "writable", LogStream_True, METH_NOARGS, NULL },
  { "fileno", LogStream_Fileno, METH_NOARGS, NULL },
  { NULL, NULL, 0, NULL }
};

static PyGetSetDef g_streamGetSet[] = {
  { "encoding", LogStream_GetEncoding, NULL, NULL, NULL },
  { "errors", LogStream_GetErrors, NULL, NULL, NULL },
  { NULL, NULL, NULL, NULL, NULL }
};

static PyType_Slot g_streamSlots[] = {
  { Py_tp_dealloc, (void*) LogStream_Dealloc },
  { Py_tp_methods, g_streamMethods },
  { Py_tp_getset, g_streamGetSet },
  { Py_tp_doc, (void*) "A text stream writing to Orthanc's log." },
  { 0, NULL }
};

static PyType_Spec g_streamSpec = {
  "orthanc._LogStream",
  sizeof(LogStream),
  0,
  Py_TPFLAGS_DEFAULT,
  g_streamSlots
};


static int InstallStream(const char* name, OrthancPyLogLevel level)
{
  LogStream* stream = (LogStream*) g_streamType->tp_alloc(g_streamType, 0);
  if (stream == NULL)
  {
    return -1;
  }
  stream->level = level;
  stream->pending = NULL;
  int status = PySys_SetObject(name, (PyObject*) stream);
  Py_DECREF(stream);
  return status;
}


int OrthancPyLogStream_Install(void)
{
  if (g_streamType == NULL)
  {
    g_streamType = (PyTypeObject*) PyType_FromSpec(&g_streamSpec);
    if (g_streamType == NULL)
    {
      return -1;
    }
  }

  if (InstallStream("stdout", ORTHANC_PY_LOG_WARNING) < 0 ||
      InstallStream("stderr", ORTHANC_PY_LOG_ERROR) < 0)
  {
    return -1;
  }
  return 0;
}


void OrthancPyLogStream_Clear(void)
{
  Py_CLEAR(g_streamType);
}
