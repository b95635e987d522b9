/*
 * orthanc.RegisterStorageArea / RegisterStorageArea2 / RegisterStorageArea3:
 * a storage area written in Python, replacing Orthanc's folder of files.
 *
 *   RegisterStorageArea(create, read, remove)
 *     create(uuid, content_type, data: bytes)
 *     read(uuid, content_type) -> bytes
 *     remove(uuid, content_type)
 *   RegisterStorageArea2(create, read, remove, *, read_range=None)      SDK 1.9.0+
 *     the same, plus read_range(uuid, content_type, range_start, size) -> bytes
 *     (exactly `size` bytes), which lets Orthanc read DICOM headers without
 *     the pixel data
 *   RegisterStorageArea3(create, read, remove)                          SDK 1.12.8+
 *     create(uuid, content_type, compression_type, data, dicom_instance)
 *         -> None | custom_data: bytes | (error_code, custom_data or None)
 *     read(uuid, content_type, range_start, size, custom_data) -> bytes | (error_code, bytes)
 *     remove(uuid, content_type, custom_data) -> None | error_code
 *     custom_data is what create returned for the file (b"" if nothing);
 *     dicom_instance is None for attachments that are not DICOM files.
 *
 * Orthanc has one storage area, so a second registration (of any of the
 * three) raises RuntimeError. Registration must happen while the script is
 * loaded: Orthanc installs the storage area when the plugins are initialized.
 * An exception in a callback is logged with its traceback and fails the
 * Orthanc operation (e.g. HTTP 500 for a read), without stopping Orthanc.
 */
#include "callback_results.h"
#include "orthanc_convert.h"

#include <string.h>

/* The SDK functions each API needs. */
#define ORTHANC_PY_STORAGE_V2 \
  (ORTHANC_PY_HAS_OrthancPluginRegisterStorageArea2 && ORTHANC_PY_HAS_OrthancPluginCreateMemoryBuffer64)
#define ORTHANC_PY_STORAGE_V3 \
  (ORTHANC_PY_HAS_OrthancPluginRegisterStorageArea3 && ORTHANC_PY_HAS_OrthancPluginCreateMemoryBuffer && \
   ORTHANC_PY_HAS_OrthancPluginCreateMemoryBuffer64)

typedef enum
{
  STORAGE_CREATE,
  STORAGE_READ_MALLOC,     /* first SDK API: Orthanc frees with our free() */
  STORAGE_READ_WHOLE,      /* SDK 1.9.0: an SDK 64-bit memory buffer */
  STORAGE_READ_RANGE,      /* Orthanc allocated target; Python fills it */
  STORAGE_REMOVE,
  STORAGE_CREATE_CUSTOM,   /* SDK 1.12.8 (custom data) variants */
  STORAGE_READ_CUSTOM,
  STORAGE_REMOVE_CUSTOM
} StorageOperation;

/* Strong references, GIL-protected; NULL once the runtime shuts down. */
static struct
{
  PyObject* create;
  PyObject* read;
  PyObject* readRange;   /* RegisterStorageArea2's optional read_range */
  PyObject* remove;
  int registered;
} g_area;


typedef struct
{
  StorageOperation operation;
  const char* uuid;
  int contentType;
  int compressionType;
  const void* content;            /* create: the file; custom ops: the custom data */
  uint64_t size;                  /* of `content` */
  uint64_t rangeStart;
  void** mallocContent;
  int64_t* mallocSize;
#if ORTHANC_PY_HAS_OrthancPluginCreateMemoryBuffer64
  OrthancPluginMemoryBuffer64* target;
#endif
#if ORTHANC_PY_HAS_OrthancPluginCreateMemoryBuffer
  OrthancPluginMemoryBuffer* customOut;
#endif
  const void* instance;           /* const OrthancPluginDicomInstance*, or NULL */
} StorageCall;


static const char* OperationName(StorageOperation operation)
{
  switch (operation)
  {
    case STORAGE_CREATE:
    case STORAGE_CREATE_CUSTOM:
      return "create";
    case STORAGE_READ_RANGE:
      return "read_range";
    case STORAGE_REMOVE:
    case STORAGE_REMOVE_CUSTOM:
      return "remove";
    default:
      return "read";
  }
}


#if ORTHANC_PY_STORAGE_V3

/* Splits "(error_code, value)" results: *code and *value (borrowed), or
 * *code 0 and *value = result for a bare value. -1 on a bad error code. */
static int SplitCodeResult(PyObject* result, long* code, PyObject** value, const char* what)
{
  *code = 0;
  *value = result;
  if (PyTuple_Check(result) && PyTuple_GET_SIZE(result) == 2 && PyIndex_Check(PyTuple_GET_ITEM(result, 0)))
  {
    *value = PyTuple_GET_ITEM(result, 1);
    return OrthancPy_ResultToInt(PyTuple_GET_ITEM(result, 0), INT32_MIN, INT32_MAX, code, what);
  }
  return 0;
}

#endif


/* New reference to the positional arguments of the Python callback. */
static PyObject* BuildArguments(const StorageCall* call, uint64_t rangeSize, PyObject** instance)
{
  PyObject* uuid = OrthancPy_StringFromSdk(call->uuid);
  if (uuid == NULL)
  {
    return NULL;
  }

  PyObject* args = NULL;
  PyObject* data = NULL;
  switch (call->operation)
  {
    case STORAGE_CREATE:
      data = OrthancPy_BytesFromSdk(call->content, call->size);
      args = (data != NULL) ? Py_BuildValue("(OiO)", uuid, call->contentType, data) : NULL;
      break;
    case STORAGE_READ_MALLOC:
    case STORAGE_READ_WHOLE:
    case STORAGE_REMOVE:
      args = Py_BuildValue("(Oi)", uuid, call->contentType);
      break;
    case STORAGE_READ_RANGE:
      args = Py_BuildValue("(OiKK)", uuid, call->contentType, (unsigned long long) call->rangeStart,
                           (unsigned long long) rangeSize);
      break;
    case STORAGE_CREATE_CUSTOM:
      *instance = OrthancPy_WrapObject(ORTHANC_PY_CLASS_DicomInstance, call->instance, 0);
      data = (*instance != NULL) ? OrthancPy_BytesFromSdk(call->content, call->size) : NULL;
      args = (data != NULL) ? Py_BuildValue("(OiiOO)", uuid, call->contentType, call->compressionType, data,
                                            *instance) : NULL;
      break;
    case STORAGE_READ_CUSTOM:
      data = OrthancPy_BytesFromSdk(call->content, call->size);
      args = (data != NULL) ? Py_BuildValue("(OiKKO)", uuid, call->contentType,
                                            (unsigned long long) call->rangeStart,
                                            (unsigned long long) rangeSize, data) : NULL;
      break;
    case STORAGE_REMOVE_CUSTOM:
      data = OrthancPy_BytesFromSdk(call->content, call->size);
      args = (data != NULL) ? Py_BuildValue("(OiO)", uuid, call->contentType, data) : NULL;
      break;
  }

  Py_XDECREF(data);
  Py_DECREF(uuid);
  return args;
}


/* GIL held: what the Python result means for Orthanc. */
static OrthancPyStatus UseResult(const StorageCall* call, PyObject* result, const char* what)
{
#if ORTHANC_PY_STORAGE_V3
  long code = 0;
  PyObject* value = result;
#endif

  switch (call->operation)
  {
    case STORAGE_CREATE:
    case STORAGE_REMOVE:
      return ORTHANC_PY_SUCCESS;

    case STORAGE_READ_MALLOC:
      return OrthancPy_ResultToMalloc(result, call->mallocContent, call->mallocSize, what) < 0 ?
        ORTHANC_PY_ERROR_PLUGIN : ORTHANC_PY_SUCCESS;

#if ORTHANC_PY_STORAGE_V2
    case STORAGE_READ_WHOLE:
      return OrthancPy_ResultToBuffer64(result, call->target, what) < 0 ?
        ORTHANC_PY_ERROR_PLUGIN : ORTHANC_PY_SUCCESS;

    case STORAGE_READ_RANGE:
      return OrthancPy_ResultToFixed(result, call->target->data, call->target->size, what) < 0 ?
        ORTHANC_PY_ERROR_PLUGIN : ORTHANC_PY_SUCCESS;
#endif

#if ORTHANC_PY_STORAGE_V3
    case STORAGE_READ_CUSTOM:
      if (SplitCodeResult(result, &code, &value, what) < 0)
      {
        return ORTHANC_PY_ERROR_PLUGIN;
      }
      if (code != 0)
      {
        return (OrthancPyStatus) code;
      }
      return OrthancPy_ResultToFixed(value, call->target->data, call->target->size, what) < 0 ?
        ORTHANC_PY_ERROR_PLUGIN : ORTHANC_PY_SUCCESS;

    case STORAGE_CREATE_CUSTOM:
      if (SplitCodeResult(result, &code, &value, what) < 0)
      {
        return ORTHANC_PY_ERROR_PLUGIN;
      }
      if (code != 0)
      {
        return (OrthancPyStatus) code;
      }
      if (value == Py_None)
      {
        return ORTHANC_PY_SUCCESS;
      }
      return OrthancPy_ResultToBuffer(value, call->customOut, what) < 0 ?
        ORTHANC_PY_ERROR_PLUGIN : ORTHANC_PY_SUCCESS;

    case STORAGE_REMOVE_CUSTOM:
      if (result == Py_None)
      {
        return ORTHANC_PY_SUCCESS;
      }
      if (OrthancPy_ResultToInt(result, INT32_MIN, INT32_MAX, &code, what) < 0)
      {
        return ORTHANC_PY_ERROR_PLUGIN;
      }
      return (OrthancPyStatus) code;
#endif

    default:
      PyErr_Format(PyExc_SystemError, "%s: storage operation not supported by this SDK", what);
      return ORTHANC_PY_ERROR_INTERNAL;
  }
}


/* GIL held. */
static OrthancPyStatus StorageBody(void* payload)
{
  const StorageCall* call = payload;

  PyObject* callback = NULL;
  switch (call->operation)
  {
    case STORAGE_CREATE:
    case STORAGE_CREATE_CUSTOM:
      callback = g_area.create;
      break;
    case STORAGE_READ_RANGE:
      callback = g_area.readRange;
      break;
    case STORAGE_REMOVE:
    case STORAGE_REMOVE_CUSTOM:
      callback = g_area.remove;
      break;
    default:
      callback = g_area.read;
      break;
  }
  if (callback == NULL)
  {
    return ORTHANC_PY_ERROR_BAD_SEQUENCE;
  }
  Py_INCREF(callback);

  char what[64];
  PyOS_snprintf(what, sizeof(what), "the storage area's %s()", OperationName(call->operation));

  uint64_t rangeSize = 0;
#if ORTHANC_PY_HAS_OrthancPluginCreateMemoryBuffer64
  if (call->operation == STORAGE_READ_RANGE || call->operation == STORAGE_READ_CUSTOM)
  {
    rangeSize = call->target->size;
  }
#endif

  PyObject* instance = NULL;
  PyObject* args = BuildArguments(call, rangeSize, &instance);
  PyObject* result = (args != NULL) ? PyObject_Call(callback, args, NULL) : NULL;
  OrthancPyStatus code = (result != NULL) ? UseResult(call, result, what) : ORTHANC_PY_ERROR_PLUGIN;

  if (PyErr_Occurred())
  {
    char context[128];
    PyOS_snprintf(context, sizeof(context), "Error in the Python storage area callback %s (uuid %s)",
                  OperationName(call->operation), call->uuid != NULL ? call->uuid : "?");
    OrthancPy_LogPythonError(context);
    if (code == ORTHANC_PY_SUCCESS)
    {
      code = ORTHANC_PY_ERROR_PLUGIN;
    }
  }

  OrthancPy_Invalidate(instance);
  Py_XDECREF(instance);
  Py_XDECREF(result);
  Py_XDECREF(args);
  Py_DECREF(callback);
  return code;
}


static OrthancPyStatus Run(StorageCall* call)
{
  return OrthancPy_RunCallback(StorageBody, call);
}


static void InitCall(StorageCall* call, StorageOperation operation, const char* uuid, int contentType)
{
  memset(call, 0, sizeof(*call));
  call->operation = operation;
  call->uuid = uuid;
  call->contentType = contentType;
}


/* ---- C entry points --------------------------------------------------- */

#if ORTHANC_PY_HAS_OrthancPluginRegisterStorageArea || ORTHANC_PY_STORAGE_V2

static OrthancPyStatus StorageCreate(const char* uuid, const void* content, int64_t size,
                                     OrthancPluginContentType type)
{
  StorageCall call;
  InitCall(&call, STORAGE_CREATE, uuid, (int) type);
  call.content = content;
  call.size = (size > 0) ? (uint64_t) size : 0;
  return Run(&call);
}


static OrthancPyStatus StorageRemove(const char* uuid, OrthancPluginContentType type)
{
  StorageCall call;
  InitCall(&call, STORAGE_REMOVE, uuid, (int) type);
  return Run(&call);
}

#endif


#if ORTHANC_PY_HAS_OrthancPluginRegisterStorageArea && !ORTHANC_PY_STORAGE_V2

static OrthancPyStatus StorageReadMalloc(void** content, int64_t* size, const char* uuid,
                                         OrthancPluginContentType type)
{
  StorageCall call;
  InitCall(&call, STORAGE_READ_MALLOC, uuid, (int) type);
  call.mallocContent = content;
  call.mallocSize = size;
  return Run(&call);
}

#endif


#if ORTHANC_PY_STORAGE_V2

static OrthancPyStatus StorageReadWhole(OrthancPluginMemoryBuffer64* target, const char* uuid,
                                        OrthancPluginContentType type)
{
  StorageCall call;
  InitCall(&call, STORAGE_READ_WHOLE, uuid, (int) type);
  call.target = target;
  return Run(&call);
}


static OrthancPyStatus StorageReadRange(OrthancPluginMemoryBuffer64* target, const char* uuid,
                                        OrthancPluginContentType type, uint64_t rangeStart)
{
  StorageCall call;
  InitCall(&call, STORAGE_READ_RANGE, uuid, (int) type);
  call.target = target;
  call.rangeStart = rangeStart;
  return Run(&call);
}

#endif


#if ORTHANC_PY_STORAGE_V3

static OrthancPluginErrorCode StorageCreateCustom(OrthancPluginMemoryBuffer* customData, const char* uuid,
                                                  const void* content, uint64_t size,
                                                  OrthancPluginContentType type,
                                                  OrthancPluginCompressionType compressionType,
                                                  const OrthancPluginDicomInstance* dicomInstance)
{
  StorageCall call;
  InitCall(&call, STORAGE_CREATE_CUSTOM, uuid, (int) type);
  call.content = content;
  call.size = size;
  call.compressionType = (int) compressionType;
  call.customOut = customData;
  call.instance = dicomInstance;
  return Run(&call);
}


static OrthancPluginErrorCode StorageReadCustom(OrthancPluginMemoryBuffer64* target, const char* uuid,
                                                OrthancPluginContentType type, uint64_t rangeStart,
                                                const void* customData, uint32_t customDataSize)
{
  StorageCall call;
  InitCall(&call, STORAGE_READ_CUSTOM, uuid, (int) type);
  call.target = target;
  call.rangeStart = rangeStart;
  call.content = customData;
  call.size = customDataSize;
  return Run(&call);
}


static OrthancPluginErrorCode StorageRemoveCustom(const char* uuid, OrthancPluginContentType type,
                                                  const void* customData, uint32_t customDataSize)
{
  StorageCall call;
  InitCall(&call, STORAGE_REMOVE_CUSTOM, uuid, (int) type);
  call.content = customData;
  call.size = customDataSize;
  return Run(&call);
}

#endif


/* ---- Registrations -------------------------------------------------------- */

/* GIL held: keeps the callables, or raises. `readRange` may be NULL. */
static int Claim(PyObject* create, PyObject* read, PyObject* readRange, PyObject* remove)
{
  if (OrthancPy_CheckCallable(create, "create") < 0 ||
      OrthancPy_CheckCallable(read, "read") < 0 ||
      (readRange != NULL && OrthancPy_CheckCallable(readRange, "read_range") < 0) ||
      OrthancPy_CheckCallable(remove, "remove") < 0)
  {
    return -1;
  }
  if (g_area.registered)
  {
    PyErr_SetString(PyExc_RuntimeError, "a storage area is already registered (Orthanc has only one)");
    return -1;
  }
  /* Py_NewRef() is 3.10+. */
  Py_INCREF(create);
  Py_INCREF(read);
  Py_XINCREF(readRange);
  Py_INCREF(remove);
  g_area.create = create;
  g_area.read = read;
  g_area.readRange = readRange;
  g_area.remove = remove;
  g_area.registered = 1;
  return 0;
}


#if ORTHANC_PY_HAS_OrthancPluginRegisterStorageArea

PyObject* OrthancPyCustom_RegisterStorageArea(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "create", "read", "remove", NULL };
  PyObject* create = NULL;
  PyObject* read = NULL;
  PyObject* remove = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO:RegisterStorageArea", keywords, &create, &read, &remove) ||
      Claim(create, read, NULL, remove) < 0)
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
#if ORTHANC_PY_STORAGE_V2
  /* The second API without range reads behaves as the first, which later
   * SDKs deprecate. */
  OrthancPluginRegisterStorageArea2(context, StorageCreate, StorageReadWhole, NULL, StorageRemove);
#else
  OrthancPluginRegisterStorageArea(context, StorageCreate, StorageReadMalloc, StorageRemove);
#endif
  Py_END_ALLOW_THREADS

  Py_RETURN_NONE;
}

#endif


#if ORTHANC_PY_STORAGE_V2

PyObject* OrthancPyCustom_RegisterStorageArea2(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "create", "read", "remove", "read_range", NULL };
  PyObject* create = NULL;
  PyObject* read = NULL;
  PyObject* remove = NULL;
  PyObject* readRange = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO|$O:RegisterStorageArea2", keywords,
                                   &create, &read, &remove, &readRange))
  {
    return NULL;
  }
  if (readRange == Py_None)
  {
    readRange = NULL;
  }
  if (Claim(create, read, readRange, remove) < 0)
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  OrthancPluginStorageReadRange rangeEntry = (readRange != NULL) ? StorageReadRange : NULL;
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginRegisterStorageArea2(context, StorageCreate, StorageReadWhole, rangeEntry, StorageRemove);
  Py_END_ALLOW_THREADS

  Py_RETURN_NONE;
}

#endif


#if ORTHANC_PY_STORAGE_V3

PyObject* OrthancPyCustom_RegisterStorageArea3(PyObject* self, PyObject* args, PyObject* kwargs)
{
  (void) self;
  static char* keywords[] = { "create", "read", "remove", NULL };
  PyObject* create = NULL;
  PyObject* read = NULL;
  PyObject* remove = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO:RegisterStorageArea3", keywords, &create, &read, &remove) ||
      Claim(create, read, NULL, remove) < 0)
  {
    return NULL;
  }

  OrthancPluginContext* context = OrthancPy_GetContext();
  Py_BEGIN_ALLOW_THREADS
  OrthancPluginRegisterStorageArea3(context, StorageCreateCustom, StorageReadCustom, StorageRemoveCustom);
  Py_END_ALLOW_THREADS

  Py_RETURN_NONE;
}

#endif


void OrthancPyStorageArea_Clear(void)
{
  Py_CLEAR(g_area.create);
  Py_CLEAR(g_area.read);
  Py_CLEAR(g_area.readRange);
  Py_CLEAR(g_area.remove);
  g_area.registered = 0;
}
