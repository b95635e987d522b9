/*
 * STAND-IN for the rendered file (hand-written, tests/integration/standin).
 * Same shape as the renderer's output, reduced to a few enumerations, three
 * classes and a few wrappers, so that the runtime can be built and tested
 * before the renderer exists. Every SDK call runs without the GIL.
 */
#include "orthanc_python.h"

#define ORTHANC_PY_METHOD(function) ((PyCFunction) (void (*)(void)) (function))


/* ---- Enumerations -------------------------------------------------------- */

typedef struct
{
  const char* name;
  long value;
} EnumMember;

static const EnumMember g_changeType[] = {
  { "COMPLETED_SERIES", 0 }, { "DELETED", 1 }, { "NEW_CHILD_INSTANCE", 2 }, { "NEW_INSTANCE", 3 },
  { "NEW_PATIENT", 4 }, { "NEW_SERIES", 5 }, { "NEW_STUDY", 6 }, { "STABLE_PATIENT", 7 },
  { "STABLE_SERIES", 8 }, { "STABLE_STUDY", 9 }, { "ORTHANC_STARTED", 10 }, { "ORTHANC_STOPPED", 11 },
  { "UPDATED_ATTACHMENT", 12 }, { "UPDATED_METADATA", 13 }, { "UPDATED_PEERS", 14 },
  { "UPDATED_MODALITIES", 15 }, { "JOB_SUBMITTED", 16 }, { "JOB_SUCCESS", 17 }, { "JOB_FAILURE", 18 },
  { NULL, 0 }
};

static const EnumMember g_resourceType[] = {
  { "PATIENT", 0 }, { "STUDY", 1 }, { "SERIES", 2 }, { "INSTANCE", 3 }, { "NONE", 4 },
  { NULL, 0 }
};

static const EnumMember g_pixelFormat[] = {
  { "GRAYSCALE8", 1 }, { "GRAYSCALE16", 2 }, { "SIGNED_GRAYSCALE16", 3 }, { "RGB24", 4 },
  { "RGBA32", 5 }, { "UNKNOWN", 6 }, { "RGB48", 7 }, { "GRAYSCALE32", 8 }, { "FLOAT32", 9 },
  { "BGRA32", 10 }, { "GRAYSCALE64", 11 },
  { NULL, 0 }
};

static const EnumMember g_createDicomFlags[] = {
  { "NONE", 0 }, { "DECODE_DATA_URI_SCHEME", 1 }, { "GENERATE_IDENTIFIERS", 2 },
  { NULL, 0 }
};

static const EnumMember g_errorCode[] = {
  { "INTERNAL_ERROR", -1 }, { "SUCCESS", 0 }, { "PLUGIN", 1 }, { "NOT_IMPLEMENTED", 2 },
  { "PARAMETER_OUT_OF_RANGE", 3 }, { "UNKNOWN_RESOURCE", 17 }, { "UNKNOWN_DICOM_TAG", 27 },
  { NULL, 0 }
};

static int AddEnum(PyObject* module, const char* name, const EnumMember* members)
{
  PyObject* dict = PyDict_New();
  if (dict == NULL)
  {
    return -1;
  }
  for (const EnumMember* member = members; member->name != NULL; member++)
  {
    PyObject* value = PyLong_FromLong(member->value);
    if (value == NULL || PyDict_SetItemString(dict, member->name, value) < 0)
    {
      Py_XDECREF(value);
      Py_DECREF(dict);
      return -1;
    }
    Py_DECREF(value);
  }
  PyObject* moduleName = PyModule_GetNameObject(module);
  if (moduleName == NULL || PyDict_SetItemString(dict, "__module__", moduleName) < 0)
  {
    Py_XDECREF(moduleName);
    Py_DECREF(dict);
    return -1;
  }
  Py_DECREF(moduleName);

  PyObject* cls = PyObject_CallFunction((PyObject*) &PyType_Type, "s(O)N", name, (PyObject*) &PyBaseObject_Type,
                                        dict);
  if (cls == NULL)
  {
    return -1;
  }
  int status = PyModule_AddObject(module, name, cls);
  if (status < 0)
  {
    Py_DECREF(cls);
  }
  return status;
}


/* ---- Classes ------------------------------------------------------------- */

static PyTypeObject* g_types[ORTHANC_PY_CLASS__COUNT];

static const char* const g_classNames[ORTHANC_PY_CLASS__COUNT] = {
  "DicomInstance",
  "Image",
  "RestOutput"
};

PyTypeObject* OrthancPy_GetType(OrthancPyClassId cls)
{
  return ((int) cls >= 0 && cls < ORTHANC_PY_CLASS__COUNT) ? g_types[cls] : NULL;
}

const char* OrthancPy_GetClassName(OrthancPyClassId cls)
{
  return ((int) cls >= 0 && cls < ORTHANC_PY_CLASS__COUNT) ? g_classNames[cls] : "?";
}

void OrthancPy_DestroyHandle(OrthancPyClassId cls, void* handle)
{
  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
  switch (cls)
  {
    case ORTHANC_PY_CLASS_DicomInstance:
      OrthancPluginFreeDicomInstance(context, (OrthancPluginDicomInstance*) handle);
      break;
    case ORTHANC_PY_CLASS_Image:
      OrthancPluginFreeImage(context, (OrthancPluginImage*) handle);
      break;
    default:
      break;
  }
  Py_END_ALLOW_THREADS
}

static void OrthancPyGen_Dealloc(PyObject* self)
{
  OrthancPyObject* object = (OrthancPyObject*) self;
  PyTypeObject* type = Py_TYPE(self);
  if (object->owned && object->handle != NULL)
  {
    OrthancPy_DestroyHandle(object->classId, object->handle);
    object->handle = NULL;
  }
  type->tp_free(self);
  Py_DECREF(type);
}


/* ---- Module functions ---------------------------------------------------- */

static PyObject* OrthancPyGen_LogInfo(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "message", NULL };
  const char* message;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s:LogInfo", keywords, &message))
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginLogInfo(context, message);
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

static PyObject* OrthancPyGen_LogWarning(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "message", NULL };
  const char* message;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s:LogWarning", keywords, &message))
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginLogWarning(context, message);
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

static PyObject* OrthancPyGen_LogError(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "message", NULL };
  const char* message;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s:LogError", keywords, &message))
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginLogError(context, message);
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

static PyObject* OrthancPyGen_RestApiGet(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "uri", NULL };
  const char* uri;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s:RestApiGet", keywords, &uri))
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginMemoryBuffer buffer = { NULL, 0 };
  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRestApiGet(context, &buffer, uri);
  Py_END_ALLOW_THREADS
  if (code != OrthancPluginErrorCode_Success)
  {
    return OrthancPy_SetSdkError(code);
  }
  PyObject* result = PyBytes_FromStringAndSize(buffer.data != NULL ? buffer.data : "", (Py_ssize_t) buffer.size);
  if (buffer.data != NULL)
  {
    Py_BEGIN_ALLOW_THREADS
    OrthancPluginFreeMemoryBuffer(context, &buffer);
    Py_END_ALLOW_THREADS
  }
  return result;
}

static PyObject* OrthancPyGen_RestApiGetAfterPlugins(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "uri", NULL };
  const char* uri;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s:RestApiGetAfterPlugins", keywords, &uri))
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginMemoryBuffer buffer = { NULL, 0 };
  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRestApiGetAfterPlugins(context, &buffer, uri);
  Py_END_ALLOW_THREADS
  if (code != OrthancPluginErrorCode_Success)
  {
    return OrthancPy_SetSdkError(code);
  }
  PyObject* result = PyBytes_FromStringAndSize(buffer.data != NULL ? buffer.data : "", (Py_ssize_t) buffer.size);
  if (buffer.data != NULL)
  {
    Py_BEGIN_ALLOW_THREADS
    OrthancPluginFreeMemoryBuffer(context, &buffer);
    Py_END_ALLOW_THREADS
  }
  return result;
}

static PyObject* OrthancPyGen_RestApiPost(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "uri", "body", NULL };
  const char* uri;
  Py_buffer body;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "ss*:RestApiPost", keywords, &uri, &body))
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginMemoryBuffer buffer = { NULL, 0 };
  OrthancPluginErrorCode code;
  Py_BEGIN_ALLOW_THREADS
  code = OrthancPluginRestApiPost(context, &buffer, uri, body.buf, (uint32_t) body.len);
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&body);
  if (code != OrthancPluginErrorCode_Success)
  {
    return OrthancPy_SetSdkError(code);
  }
  PyObject* result = PyBytes_FromStringAndSize(buffer.data != NULL ? buffer.data : "", (Py_ssize_t) buffer.size);
  if (buffer.data != NULL)
  {
    Py_BEGIN_ALLOW_THREADS
    OrthancPluginFreeMemoryBuffer(context, &buffer);
    Py_END_ALLOW_THREADS
  }
  return result;
}

static PyMethodDef g_moduleMethods[] = {
  { "LogInfo", ORTHANC_PY_METHOD(OrthancPyGen_LogInfo), METH_VARARGS | METH_KEYWORDS, "Log an information." },
  { "LogWarning", ORTHANC_PY_METHOD(OrthancPyGen_LogWarning), METH_VARARGS | METH_KEYWORDS, "Log a warning." },
  { "LogError", ORTHANC_PY_METHOD(OrthancPyGen_LogError), METH_VARARGS | METH_KEYWORDS, "Log an error." },
  { "RestApiGet", ORTHANC_PY_METHOD(OrthancPyGen_RestApiGet), METH_VARARGS | METH_KEYWORDS,
    "Make a GET call to the built-in Orthanc REST API." },
  { "RestApiGetAfterPlugins", ORTHANC_PY_METHOD(OrthancPyGen_RestApiGetAfterPlugins), METH_VARARGS | METH_KEYWORDS,
    "Make a GET call to the Orthanc REST API, including the routes of plugins." },
  { "RestApiPost", ORTHANC_PY_METHOD(OrthancPyGen_RestApiPost), METH_VARARGS | METH_KEYWORDS,
    "Make a POST call to the built-in Orthanc REST API." },
  /* custom */
  { "CreateDicom", ORTHANC_PY_METHOD(OrthancPyCustom_CreateDicom), METH_VARARGS | METH_KEYWORDS, NULL },
  { "CreateImageFromBuffer", ORTHANC_PY_METHOD(OrthancPyCustom_CreateImageFromBuffer),
    METH_VARARGS | METH_KEYWORDS, NULL },
  { "ExtendOrthancExplorer", ORTHANC_PY_METHOD(OrthancPyCustom_ExtendOrthancExplorer),
    METH_VARARGS | METH_KEYWORDS, NULL },
  { "GenerateRestApiAuthorizationToken", ORTHANC_PY_METHOD(OrthancPyCustom_GenerateRestApiAuthorizationToken),
    METH_VARARGS | METH_KEYWORDS, NULL },
  { "LookupDictionary", ORTHANC_PY_METHOD(OrthancPyCustom_LookupDictionary), METH_VARARGS | METH_KEYWORDS, NULL },
  { "RegisterIncomingHttpRequestFilter", ORTHANC_PY_METHOD(OrthancPyCustom_RegisterIncomingHttpRequestFilter),
    METH_VARARGS | METH_KEYWORDS, NULL },
  { "RegisterOnChangeCallback", ORTHANC_PY_METHOD(OrthancPyCustom_RegisterOnChangeCallback),
    METH_VARARGS | METH_KEYWORDS, NULL },
  { "RegisterOnStoredInstanceCallback", ORTHANC_PY_METHOD(OrthancPyCustom_RegisterOnStoredInstanceCallback),
    METH_VARARGS | METH_KEYWORDS, NULL },
  { "RegisterRestCallback", ORTHANC_PY_METHOD(OrthancPyCustom_RegisterRestCallback),
    METH_VARARGS | METH_KEYWORDS, NULL },
  { NULL, NULL, 0, NULL }
};


/* ---- DicomInstance ------------------------------------------------------- */

static PyObject* OrthancPyGen_DicomInstance_GetInstanceRemoteAet(PyObject* self, PyObject* args, PyObject* kwargs)
{
  static char* keywords[] = { NULL };
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, ":GetInstanceRemoteAet", keywords))
  {
    return NULL;
  }
  OrthancPluginDicomInstance* handle = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_DicomInstance);
  if (handle == NULL)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  const char* result;
  Py_BEGIN_ALLOW_THREADS
  result = OrthancPluginGetInstanceRemoteAet(context, handle);
  Py_END_ALLOW_THREADS
  if (result == NULL)
  {
    return OrthancPy_SetSdkError(OrthancPluginErrorCode_InternalError);
  }
  return OrthancPy_StringFromSdk(result);
}

static PyObject* OrthancPyGen_DicomInstance_GetInstanceSize(PyObject* self, PyObject* args, PyObject* kwargs)
{
  static char* keywords[] = { NULL };
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, ":GetInstanceSize", keywords))
  {
    return NULL;
  }
  OrthancPluginDicomInstance* handle = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_DicomInstance);
  if (handle == NULL)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  int64_t result;
  Py_BEGIN_ALLOW_THREADS
  result = OrthancPluginGetInstanceSize(context, handle);
  Py_END_ALLOW_THREADS
  return PyLong_FromLongLong((long long) result);
}

static PyMethodDef g_dicomInstanceMethods[] = {
  { "GetInstanceRemoteAet", ORTHANC_PY_METHOD(OrthancPyGen_DicomInstance_GetInstanceRemoteAet),
    METH_VARARGS | METH_KEYWORDS, NULL },
  { "GetInstanceSize", ORTHANC_PY_METHOD(OrthancPyGen_DicomInstance_GetInstanceSize),
    METH_VARARGS | METH_KEYWORDS, NULL },
  /* custom */
  { "GetInstanceData", ORTHANC_PY_METHOD(OrthancPyCustom_GetInstanceData), METH_VARARGS | METH_KEYWORDS, NULL },
  { NULL, NULL, 0, NULL }
};


/* ---- Image --------------------------------------------------------------- */

#define ORTHANC_PY_IMAGE_UINT_GETTER(Name)                                                          \
  static PyObject* OrthancPyGen_Image_##Name(PyObject* self, PyObject* args, PyObject* kwargs)      \
  {                                                                                                 \
    static char* keywords[] = { NULL };                                                             \
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, ":" #Name, keywords))                            \
    {                                                                                               \
      return NULL;                                                                                  \
    }                                                                                               \
    OrthancPluginImage* handle = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_Image);                 \
    if (handle == NULL)                                                                             \
    {                                                                                               \
      return NULL;                                                                                  \
    }                                                                                               \
    OrthancPluginContext* context = OrthancPy_GetContext();                                         \
    long long result;                                                                               \
    Py_BEGIN_ALLOW_THREADS                                                                          \
    result = (long long) OrthancPlugin##Name(context, handle);                                      \
    Py_END_ALLOW_THREADS                                                                            \
    return PyLong_FromLongLong(result);                                                             \
  }

ORTHANC_PY_IMAGE_UINT_GETTER(GetImageWidth)
ORTHANC_PY_IMAGE_UINT_GETTER(GetImageHeight)
ORTHANC_PY_IMAGE_UINT_GETTER(GetImagePitch)
ORTHANC_PY_IMAGE_UINT_GETTER(GetImagePixelFormat)

static PyMethodDef g_imageMethods[] = {
  { "GetImageWidth", ORTHANC_PY_METHOD(OrthancPyGen_Image_GetImageWidth), METH_VARARGS | METH_KEYWORDS, NULL },
  { "GetImageHeight", ORTHANC_PY_METHOD(OrthancPyGen_Image_GetImageHeight), METH_VARARGS | METH_KEYWORDS, NULL },
  { "GetImagePitch", ORTHANC_PY_METHOD(OrthancPyGen_Image_GetImagePitch), METH_VARARGS | METH_KEYWORDS, NULL },
  { "GetImagePixelFormat", ORTHANC_PY_METHOD(OrthancPyGen_Image_GetImagePixelFormat),
    METH_VARARGS | METH_KEYWORDS, NULL },
  /* custom */
  { "GetImageBuffer", ORTHANC_PY_METHOD(OrthancPyCustom_GetImageBuffer), METH_VARARGS | METH_KEYWORDS, NULL },
  { NULL, NULL, 0, NULL }
};


/* ---- RestOutput ---------------------------------------------------------- */

static PyObject* OrthancPyGen_RestOutput_AnswerBuffer(PyObject* self, PyObject* args, PyObject* kwargs)
{
  static char* keywords[] = { "answer", "mimeType", NULL };
  Py_buffer answer;
  const char* mimeType;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s*s:AnswerBuffer", keywords, &answer, &mimeType))
  {
    return NULL;
  }
  OrthancPluginRestOutput* handle = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_RestOutput);
  if (handle == NULL)
  {
    PyBuffer_Release(&answer);
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginAnswerBuffer(context, handle, answer.buf, (uint32_t) answer.len, mimeType);
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&answer);
  Py_RETURN_NONE;
}

static PyObject* OrthancPyGen_RestOutput_SendHttpStatusCode(PyObject* self, PyObject* args, PyObject* kwargs)
{
  static char* keywords[] = { "status", NULL };
  unsigned short status;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "H:SendHttpStatusCode", keywords, &status))
  {
    return NULL;
  }
  OrthancPluginRestOutput* handle = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_RestOutput);
  if (handle == NULL)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginSendHttpStatusCode(context, handle, (uint16_t) status);
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

static PyObject* OrthancPyGen_RestOutput_SetHttpHeader(PyObject* self, PyObject* args, PyObject* kwargs)
{
  static char* keywords[] = { "key", "value", NULL };
  const char* key;
  const char* value;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "ss:SetHttpHeader", keywords, &key, &value))
  {
    return NULL;
  }
  OrthancPluginRestOutput* handle = OrthancPy_GetHandle(self, ORTHANC_PY_CLASS_RestOutput);
  if (handle == NULL)
  {
    return NULL;
  }
  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginSetHttpHeader(context, handle, key, value);
  Py_END_ALLOW_THREADS
  Py_RETURN_NONE;
}

static PyMethodDef g_restOutputMethods[] = {
  { "AnswerBuffer", ORTHANC_PY_METHOD(OrthancPyGen_RestOutput_AnswerBuffer), METH_VARARGS | METH_KEYWORDS, NULL },
  { "SendHttpStatusCode", ORTHANC_PY_METHOD(OrthancPyGen_RestOutput_SendHttpStatusCode),
    METH_VARARGS | METH_KEYWORDS, NULL },
  { "SetHttpHeader", ORTHANC_PY_METHOD(OrthancPyGen_RestOutput_SetHttpHeader), METH_VARARGS | METH_KEYWORDS, NULL },
  { NULL, NULL, 0, NULL }
};


/* ---- Registration -------------------------------------------------------- */

static PyMethodDef* const g_classMethods[ORTHANC_PY_CLASS__COUNT] = {
  g_dicomInstanceMethods,
  g_imageMethods,
  g_restOutputMethods
};

/* Static: before 3.12, tp_name points into the spec's name. */
static const char* const g_qualifiedNames[ORTHANC_PY_CLASS__COUNT] = {
  "orthanc.DicomInstance",
  "orthanc.Image",
  "orthanc.RestOutput"
};

static PyTypeObject* CreateType(OrthancPyClassId cls)
{
  PyType_Slot slots[] = {
    { Py_tp_dealloc, (void*) OrthancPyGen_Dealloc },
    { Py_tp_methods, g_classMethods[cls] },
    { 0, NULL }
  };
  PyType_Spec spec = {
    g_qualifiedNames[cls],
    (int) sizeof(OrthancPyObject),
    0,
    Py_TPFLAGS_DEFAULT,
    slots
  };
  return (PyTypeObject*) PyType_FromSpec(&spec);
}

int OrthancPy_AddGenerated(PyObject* module)
{
  for (int cls = 0; cls < ORTHANC_PY_CLASS__COUNT; cls++)
  {
    /* The previous interpreter (before /tools/reset) owned the old types. */
    g_types[cls] = NULL;
  }

  for (int cls = 0; cls < ORTHANC_PY_CLASS__COUNT; cls++)
  {
    PyTypeObject* type = CreateType((OrthancPyClassId) cls);
    if (type == NULL)
    {
      return -1;
    }
    /* The module keeps the type alive; g_types borrows it. */
    if (PyModule_AddObject(module, g_classNames[cls], (PyObject*) type) < 0)
    {
      Py_DECREF(type);
      return -1;
    }
    g_types[cls] = type;
  }

  if (AddEnum(module, "ChangeType", g_changeType) < 0 ||
      AddEnum(module, "CreateDicomFlags", g_createDicomFlags) < 0 ||
      AddEnum(module, "ErrorCode", g_errorCode) < 0 ||
      AddEnum(module, "PixelFormat", g_pixelFormat) < 0 ||
      AddEnum(module, "ResourceType", g_resourceType) < 0)
  {
    return -1;
  }

  return PyModule_AddFunctions(module, g_moduleMethods);
}
